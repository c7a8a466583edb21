// The E.164 fast path must give libphonenumber's own answer: for every calling code in its metadata,
// for national numbers of every length (with and without national prefixes), and for arbitrary text.
import fc from 'fast-check';
import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { e164FastPath, toE164, toE164Slow } from '$lib/csv/phone';

const callingCodes = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];
/** Non-geographic codes (toll-free, satellite…) are in the metadata too, under no country. */
const nonGeographic = ['800', '808', '870', '878', '881', '882', '883', '888', '979'];
const allCodes = [...callingCodes, ...nonGeographic];

/** A deterministic stream of digits (xorshift), so the sweep is the same on every run. */
const digitStream = (seed: number) => {
  let x = seed || 1;
  return (length: number) => {
    let s = '';
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      s += String((x >>> 0) % 10);
    }
    return s;
  };
};

// Thousands of libphonenumber parses each: room for a loaded machine (no timing is asserted).
const SLOW = { timeout: 120_000 };

describe('e164FastPath', () => {
  it('agrees with libphonenumber for every calling code and national length', SLOW, () => {
    const next = digitStream(7);
    let decided = 0;
    let checked = 0;
    for (const code of allCodes) {
      for (let length = 0; length <= 19; length++) {
        // Random national numbers, and ones that start with each digit (national prefixes: 0, 8, 1…).
        const nationals = [
          ...Array.from({ length: 6 }, () => next(length)),
          ...(length > 0 ? Array.from({ length: 10 }, (_, d) => `${d}${next(length - 1)}`) : [])
        ];
        for (const national of nationals) {
          const phone = `+${code}${national}`;
          const fast = e164FastPath(phone);
          checked++;
          if (fast === undefined) continue;
          decided++;
          expect(fast, phone).toBe(toE164Slow(phone));
          expect(fast, phone).toBe(toE164Slow(phone, 'IN'));
        }
      }
    }
    // The fast path must decide most of them, or it is no fast path.
    expect(decided).toBeGreaterThan(checked / 2);
  });

  it('agrees with libphonenumber on arbitrary + and digit strings', SLOW, () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\+?[0-9]{0,22}$/),
        fc.constantFrom<CountryCode | undefined>(undefined, 'IN', 'US', 'GB', 'DE'),
        (phone, country) => {
          const fast = e164FastPath(phone);
          if (fast !== undefined) expect(fast).toBe(toE164Slow(phone, country));
          expect(toE164(phone, country)).toBe(toE164Slow(phone, country));
        }
      ),
      { numRuns: 20_000 }
    );
  });

  it('agrees with libphonenumber on phones as people write them', SLOW, () => {
    const written = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'+0123456789 ()-.x#'), maxLength: 24 }),
      fc.string({ maxLength: 24 })
    );
    fc.assert(
      fc.property(written, fc.constantFrom<CountryCode>('IN', 'US', 'AU'), (phone, country) => {
        expect(toE164(phone, country)).toBe(toE164Slow(phone, country));
      }),
      { numRuns: 5000 }
    );
  });

  it('leaves other forms to libphonenumber', () => {
    expect(e164FastPath('98123 45678')).toBeUndefined();
    expect(e164FastPath('+91 98123 45678')).toBeUndefined();
    expect(e164FastPath("'+919812345678")).toBeUndefined();
    expect(e164FastPath('+919812345678')).toBe('+919812345678');
    expect(toE164('+91 98123 45678')).toBe('+919812345678');
  });
});
