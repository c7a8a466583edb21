// The reading half of an import over a file of several chunks: what reaches the engine worker, once
// completed there (E.164 phones derived for the chunks that left them), is what mapping the whole file
// at once gives.
import { describe, expect, it } from 'vitest';
import { planColumns } from '$lib/csv/columns';
import { createCustomerMapper } from '$lib/csv/mapper';
import { parseCsvText } from '$lib/csv/stream';
import { decodeCustomerChunk } from '$lib/storage/data-repo';
import type { ImportSetup } from '$lib/worker/api';
import {
  readImport,
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
