// Phones to E.164 (libphonenumber-js), with a fast path for phones already written in E.164 form
// (`+` and digits), which is most of them in real exports: libphonenumber's general parse costs
// ~10 µs a call (object spreads, a Metadata object per call), more than parsing the whole CSV row.
import { Metadata, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** E.164 (`+919812345678`) for a phone as written, or null when it cannot be a phone number. */
export const toE164 = (phone: string, defaultCountry?: CountryCode): string | null => {
  const fast = e164FastPath(phone);
  return fast === undefined ? toE164Slow(phone, defaultCountry) : fast;
};

/** libphonenumber itself: the reference the fast path must agree with (exported for tests). */
export const toE164Slow = (phone: string, defaultCountry?: CountryCode): string | null => {
  try {
    const parsed = parsePhoneNumberFromString(phone, defaultCountry ? { defaultCountry } : {});
    return parsed && parsed.isPossible() ? parsed.number : null;
  } catch {
    return null;
  }
};

/** The parts of libphonenumber's (untyped) Metadata class that the fast path reads. */
interface NumberingPlan {
  possibleLengths(): readonly number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
}
interface MetadataApi {
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): readonly string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): MetadataApi;
  readonly numberingPlan?: NumberingPlan;
}

/**
 * What decides a `+<calling code><national number>` phone, per calling code: the national prefix
 * that libphonenumber would try to strip, and the national lengths possible in every country that
 * shares the calling code (`always`) or in none of them (`never`). libphonenumber checks the length
 * against one of those countries, picked by matching the number's digits; for these lengths the pick
 * cannot change the answer, for the others the fast path leaves the phone to the full parse.
 */
interface CallingCodePlan {
  readonly nationalPrefix: RegExp | null;
  readonly always: ReadonlySet<number>;
  readonly never: ReadonlySet<number>;
}

/** Shortest and longest national significant number libphonenumber parses (MIN/MAX_LENGTH_FOR_NSN). */
const MIN_NATIONAL = 2;
const MAX_NATIONAL = 17;

let metadata: MetadataApi | undefined;
/**
 * By calling code, indexed by its digit count - 1 and its value: its plan, null when the fast path
 * does not decide it, false when no such calling code exists; filled in as codes are met.
 */
const plans: (CallingCodePlan | null | false | undefined)[][] = [[], [], []];

const planOf = (digits: number, value: number): CallingCodePlan | null | false => {
  const known = plans[digits - 1][value];
  if (known !== undefined) return known;
  const callingCode = String(value).padStart(digits, '0');
  const m = (metadata ??= new Metadata() as unknown as MetadataApi);
  let plan: CallingCodePlan | null | false = false;
  if (m.hasCallingCode(callingCode)) {
    const main = m.selectNumberingPlan(callingCode).numberingPlan;
    const prefix = main?.nationalPrefixForParsing();
    // The plans libphonenumber may check the length against: the calling code's main one (when no
    // country matches) and each country's.
    const lengthSets = [
      main?.possibleLengths(),
      ...(m.getCountryCodesForCallingCode(callingCode) ?? []).map((country) =>
        m.selectNumberingPlan(country).numberingPlan?.possibleLengths()
      )
    ];
    if (lengthSets.every((set) => set !== undefined)) {
      const always = new Set<number>();
      const never = new Set<number>();
      for (let length = MIN_NATIONAL; length <= MAX_NATIONAL; length++) {
        const possible = lengthSets.filter((set) => set.includes(length)).length;
        if (possible === lengthSets.length) always.add(length);
        else if (possible === 0) never.add(length);
      }
      plan = { nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : null, always, never };
    } else plan = null;
  }
  plans[digits - 1][value] = plan;
  return plan;
};

/**
 * libphonenumber's answer for `+` followed by digits, computed without its general parse; undefined
 * when the phone has another form or the answer needs the full parse. The steps are libphonenumber's:
 * the calling code is the first 1–3 digit prefix it knows; the rest is the national number, which
 * it would shorten only when the calling code's national prefix matches at its start (left to the
 * full parse); the number is possible when its length is one of the calling code's possible lengths
 * (in every country sharing the code, or in none; else left to the full parse); the result is the input.
 * tests/unit/csv/phone.test.ts checks it against libphonenumber for every calling code.
 */
export const e164FastPath = (phone: string): string | null | undefined => {
  const n = phone.length;
  if (n < 4 || n > 21 || phone.charCodeAt(0) !== 43) return undefined; // +
  for (let i = 1; i < n; i++) {
    const c = phone.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  if (phone.charCodeAt(1) === 48) return undefined; // +0: no calling code starts with 0
  let value = 0;
  for (let end = 2; end <= 4; end++) {
    value = value * 10 + phone.charCodeAt(end - 1) - 48;
    const plan = planOf(end - 1, value);
    if (plan === false) continue;
    if (plan === null) return undefined;
    const national = n - end;
    if (national < MIN_NATIONAL || national > MAX_NATIONAL) return undefined;
    if (plan.nationalPrefix?.test(phone.slice(end))) return undefined;
    return plan.always.has(national) ? phone : plan.never.has(national) ? null : undefined;
  }
  return undefined;
};
