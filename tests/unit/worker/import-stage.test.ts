// The reading half of an import over a file of several chunks: what reaches the engine worker, once
// completed there (E.164 phones derived for the chunks that left them), is what mapping the whole file
// at once gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planColumns } from '$lib/csv/columns';
import { createCustomerMapper } from '$lib/csv/mapper';
import { parseCsvText } from '$lib/csv/stream';
import {
  decodeCustomerChunk,
  decodeStrings,
  encodeStrings,
  StringEncoder
} from '$lib/storage/data-repo';
import type { ImportSetup } from '$lib/worker/api';
import {
  fromWire,
  packStrings,
  readImport,
  toWire,
  unpackStrings,
  withE164,
  type CustomerColumns,
  type StagedPiece
} from '$lib/worker/import-stage';

/** Phones as people type them: international, national, guarded, punctuated, invalid, blank. */
const PHONES = [
  '+919812345678',
  '09812345678',
  "'+919812345679",
  '(415) 555-0123',
  '+1 415 555 0123',
  'not a phone',
  '',
  '12',
  ' +44 20 7946 0958 '
];

function customersCsv(rows: number): string {
  const lines = ['customer_id,email,phone,spent'];
  for (let i = 0; i < rows; i++)
    lines.push(`C${i},u${i}@example.com,${PHONES[i % PHONES.length]},${i % 100}`);
  return lines.join('\n') + '\n';
}

describe('reading a customers file in chunks', () => {
  it('gives every chunk the E.164 column the whole-file mapping gives', async () => {
    const chunkRows = 40;
    const rows = chunkRows * 4 + 7;
    const text = customersCsv(rows);
    const all = parseCsvText(text, { delimiter: ',' });
    const plan = planColumns(all[0], all.slice(1, 50), 'customers');
    const setup: ImportSetup = {
      kind: 'customers',
      plan,
      encoding: 'utf-8',
      delimiter: ',',
      defaultCountry: 'US'
    };
    const pieces: StagedPiece[] = [];
    const read = await readImport(new Blob([text]), setup, (piece) => void pieces.push(piece), {
      chunkRows
    });
    expect(read.ok).toBe(true);
    const chunks = pieces.filter((p) => p.customers);
    expect(chunks.length).toBe(5);
    // Some chunks leave the phones to the receiver, and not all of them do.
    expect(chunks.some((p) => p.e164)).toBe(true);
    expect(chunks.some((p) => !p.e164)).toBe(true);
    const completed = chunks.map((p) =>
      decodeCustomerChunk(
        p.e164 ? withE164(p.customers as CustomerColumns, p.e164) : (p.customers as CustomerColumns)
      )
    );
    const mapper = createCustomerMapper(plan, { defaultCountry: 'US' });
    if (!mapper.ok) throw new Error('no mapper');
    const whole = mapper.value.mapCustomerRows(all.slice(1), 2).batch;
    expect(completed.flatMap((b) => b.ids)).toEqual(whole.ids);
    for (const batch of completed)
      expect(batch.columns.map((c) => c.def)).toEqual(whole.columns.map((c) => c.def));
    whole.columns.forEach((column, k) =>
      expect(completed.flatMap((b) => b.columns[k].values)).toEqual(column.values)
    );
    expect(whole.columns.find((c) => c.def.key === 'phone_e164')?.values.slice(0, 9)).toEqual([
      '+919812345678',
      null,
      '+919812345679',
      '+14155550123',
      '+14155550123',
      null,
      null,
      null,
      '+442079460958'
    ]);
  });
});

describe('pieces between workers', () => {
  const texts = fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant('')), {
    maxLength: 40
  });

  it('unpacks packed strings to the same strings', () => {
    fc.assert(
      fc.property(texts, (values) => {
        expect(unpackStrings(packStrings(values))).toEqual(values);
      })
    );
  });

  it('dictionary-encodes strings so that they decode to themselves, pushed at once or one by one', () => {
    const values = fc.array(
      fc.oneof(fc.constantFrom('a', 'b', 'é', null, undefined), fc.string({ maxLength: 3 })),
      { maxLength: 3000 }
    );
    fc.assert(
      fc.property(values, (vs) => {
        const whole = encodeStrings(vs);
        expect(decodeStrings(whole)).toEqual(vs.map((v) => v ?? null));
        const encoder = new StringEncoder(vs.length + 5);
        for (const v of vs) encoder.push(v);
        const pushed = encoder.finish();
        expect(pushed).toEqual(whole);
        expect(pushed.codes.length).toBe(vs.length);
      }),
      { numRuns: 60 }
    );
  });

  it('sends customers and events whole through the wire form, typed arrays transferred', async () => {
    const text = customersCsv(30);
    const all = parseCsvText(text, { delimiter: ',' });
    const plan = planColumns(all[0], all.slice(1), 'customers');
    const pieces: StagedPiece[] = [];
    const setup: ImportSetup = {
      kind: 'customers',
      plan,
      encoding: 'utf-8',
      delimiter: ',',
      defaultCountry: 'US'
    };
    await readImport(new Blob([text]), setup, (piece) => void pieces.push(piece));
    const events = `customer_id,event,timestamp,amount,channel
C1,Viewed,2026-01-01T10:00:00Z,5,web
C2,Bought,2026-01-02T10:00:00Z,,app
C1,Viewed,2026-01-03T10:00:00Z,7.5,
`;
    const rows = parseCsvText(events, { delimiter: ',' });
    await readImport(
      new Blob([events]),
      { ...setup, kind: 'events', plan: planColumns(rows[0], rows.slice(1), 'events') },
      (piece) => void pieces.push(piece)
    );
    const withData = pieces.filter((p) => p.customers || p.events);
    expect(withData.some((p) => p.customers)).toBe(true);
    expect(withData.some((p) => p.events)).toBe(true);
    for (const piece of withData) {
      const copy = structuredClone(piece);
      const wire = toWire(piece);
      expect(wire.transfer.length).toBeGreaterThan(0);
      // What the receiving worker gets: a clone with the buffers moved.
      const received = structuredClone(wire.piece, { transfer: wire.transfer });
      expect(fromWire(received)).toEqual(copy);
    }
  });
});
