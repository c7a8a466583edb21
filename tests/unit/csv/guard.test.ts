// The formula guard round trip (values.ts explains the rule): whatever text a customer attribute
// holds, exporting it as a CSV cell and importing that cell gives the same text back, while the
// exported cell never starts like a formula. Checked on the real path: csvCell, the CSV parser, the
// column plan and the customer mapper.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editPlan, planColumns } from '$lib/csv/columns';
import { createCustomerMapper, createEventMapper } from '$lib/csv/mapper';
import { csvCell, csvRows } from '$lib/csv/report';
import { parseCsvText } from '$lib/csv/stream';
import { inferType, isGuarded, parseValue, stripSpreadsheetGuard, unguard } from '$lib/csv/values';
import { createEventMapper as createReferenceEventMapper } from './reference-mapper';
import * as reference from './reference-values';

/** Imports `cells` as the `note` column of a customers file; `type` forces the column's type. */
const importNotes = (cells: readonly string[], type?: 'string' | 'number') =>
  importNotesFile(`id,note\r\n${cells.map((c, i) => `c${i},${c}`).join('\r\n')}\r\n`, type);

/** Imports a whole customers file with a `note` column, as importNotes does. */
const importNotesFile = (text: string, type?: 'string' | 'number') => {
  const [headers, ...rows] = parseCsvText(text, { delimiter: ',' });
  let plan = planColumns(headers, rows, 'customers');
  const note = plan.columns.findIndex((c) => c.key === 'note');
  if (type) plan = editPlan(plan, { op: 'type', index: note, type });
  const mapper = createCustomerMapper(plan);
  if (!mapper.ok) throw new Error(mapper.issues.map((i) => i.message).join(' '));
  const { batch, rejected } = mapper.value.mapCustomerRows(rows, 2);
  const column = batch.columns.find((c) => c.def.key === 'note');
  return { inferred: plan.columns[note].type, values: column?.values ?? [], rejected };
};

/**
 * Text an attribute can hold: what an import can produce. Cells are trimmed, so no value ends with
 * whitespace or starts with it, except behind a guard (`'\tx` imports as `\tx`).
 */
const storable = (s: string) =>
  s !== '' && s === s.trimEnd() && (s === s.trimStart() || /^[\t\r]/.test(s));

/** Strings rich in the characters that matter here, and arbitrary ones. */
const text = fc
  .oneof(
    fc.string({
      unit: fc.constantFrom("'", '=', '+', '-', '@', '\t', '\r', '\n', ' ', '"', ',', 'a', '3'),
      maxLength: 8
    }),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 6 })
  )
  .filter(storable);

const FORMULA = /^[=+\-@\t\r]/;

describe('formula guard round trip', () => {
  it('export then import gives back any text attribute, and the exported cell never starts a formula', () => {
    fc.assert(
      fc.property(text, (s) => {
        const cell = csvCell(s);
        const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
        expect(FORMULA.test(unquoted)).toBe(false);
        const imported = importNotes([cell], 'string');
        expect(imported.rejected).toEqual([]);
        expect(imported.values).toEqual([s]);
      }),
      { numRuns: 3000 }
    );
  });

  it('the export writer (PapaParse) round-trips the same way, numbers and booleans unguarded', () => {
    fc.assert(
      fc.property(text, (s) => {
        const file = csvRows([
          ['id', 'note', 'spent', 'vip'],
          ['c0', s, -3.5, true]
        ]);
        const [, row] = parseCsvText(file, { delimiter: ',' });
        expect(row.slice(2)).toEqual(['-3.5', 'true']);
        expect(FORMULA.test(row[1])).toBe(false);
        expect(importNotesFile(file, 'string').values).toEqual([s]);
      }),
      { numRuns: 2000 }
    );
  });

  it('a column of guarded cells is text: "-3", "=1+1" and "@me" come back as text', () => {
    const values = ['-3', '=1+1', '@me', "'=x", '+44', '5'];
    const imported = importNotes(values.map(csvCell));
    expect(imported.inferred).toBe('string');
    expect(imported.values).toEqual(values);
  });

  it('a guarded cell in a column the user sets to number is the unguarded text, parsed', () => {
    expect(importNotes(["'-3", '4'], 'number').values).toEqual([-3, 4]);
  });

  it('strips exactly one quote, only before a formula character', () => {
    expect(unguard("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unguard("''=x")).toBe("'=x");
    expect(unguard("'-foo")).toBe('-foo');
    expect(unguard("'@handle")).toBe('@handle');
    expect(unguard("'\tx")).toBe('\tx');
    expect(unguard("'abc")).toBe("'abc");
    expect(unguard("'")).toBe("'");
    expect(unguard('=x')).toBe('=x');
    expect(parseValue("  '=x  ", 'string')).toBe('=x');
    expect(inferType(["'-3", '4'])).toBe('string');
  });

  it('agrees with the reference model on any cell', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 10 })), (s) => {
        expect(unguard(s)).toBe(reference.unguard(s));
        expect(isGuarded(s)).toBe(reference.unguard(s) !== s);
        expect(stripSpreadsheetGuard(s)).toBe(reference.stripSpreadsheetGuard(s));
        for (const type of ['string', 'number', 'boolean', 'date'] as const)
          expect(parseValue(s, type)).toEqual(reference.parseValue(s, type));
      }),
      { numRuns: 3000 }
    );
  });

  it('events: guarded names, ids, keys and properties come back unguarded, as in the reference', () => {
    const text = [
      'event_id,customer_id,event,timestamp,tag',
      "'=e1,'-c1,'@home,2026-01-02T03:04:05Z,'+plus",
      "e2,c2,'=Signup,2026-01-02,''-twice",
      ''
    ].join('\r\n');
    const [headers, ...rows] = parseCsvText(text, { delimiter: ',' });
    const plan = planColumns(headers, rows, 'events');
    const fast = createEventMapper(plan);
    const slow = createReferenceEventMapper(plan);
    if (!fast.ok || !slow.ok) throw new Error('plan');
    const mapped = fast.value.mapEventRows(rows, 2);
    expect(mapped.batch.customerIds).toEqual(['-c1', 'c2']);
    expect(mapped.batch.names).toEqual(['@home', '=Signup']);
    expect(mapped.batch.properties.find((c) => c.def.key === 'tag')?.values).toEqual([
      '+plus',
      "'-twice"
    ]);
    const reference = slow.value.mapEventRows(rows, 2);
    expect(mapped.batch).toEqual(reference.batch);
    expect(mapped.fingerprints).toEqual(reference.fingerprints);
  });
});
