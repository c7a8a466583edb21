// Matching an uploaded list (pure part): the column guess, keys by id / email (case, spaces) / phone
// (E.164 with a default country), matched, unmatched and duplicate rows, and the formula-safe CSV of
// the unmatched rows; plus a property test against a simple model of "first row wins".
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  guessListColumn,
  ListMatcher,
  listKey,
  unmatchedRowsCsv,
  type ListLookup
} from '$lib/csv/list-match';

const CUSTOMERS = [
  { id: 'C1', email: 'ana@example.com', phone: '+919812345678' },
  { id: 'C2', email: 'ben@example.com', phone: '+14155550100' },
  { id: 'C3', email: 'shared@example.com', phone: '+447700900123' },
  { id: 'C4', email: 'shared@example.com', phone: '' }
];

const lookup: ListLookup = (by, key) =>
  CUSTOMERS.filter((c) => (by === 'id' ? c.id : by === 'email' ? c.email : c.phone) === key).map(
    (c) => c.id
  );

describe('guessing the column of a list', () => {
  it('prefers a header that names an id, then an email, then a phone', () => {
    expect(guessListColumn(['Name', 'E-mail', 'Customer ID'], [])).toEqual({ index: 2, by: 'id' });
    expect(guessListColumn(['Name', 'Email Address'], [])).toEqual({ index: 1, by: 'email' });
    expect(guessListColumn(['Mobile', 'Name'], [])).toEqual({ index: 0, by: 'phone' });
  });

  it('looks at the cells when the headers say nothing', () => {
    const rows = [
      ['Ana', 'ana@example.com', '98123 45678'],
      ['Ben', 'BEN@example.com ', '(415) 555-0100']
    ];
    expect(guessListColumn(['who', 'contact', 'number'], rows)).toEqual({ index: 1, by: 'email' });
    expect(guessListColumn(['who', 'number'], [rows[0].slice(0, 1).concat(rows[0][2])])).toEqual({
      index: 1,
      by: 'phone'
    });
    expect(guessListColumn(['x', 'y'], [['a', 'b']])).toEqual({ index: 0, by: 'id' });
  });
});

describe('keys of list cells', () => {
  it('trims ids and drops a spreadsheet guard, keeps their case', () => {
    expect(listKey('  C1 ', 'id')).toBe('C1');
    expect(listKey("'0042", 'id')).toBe('0042');
    expect(listKey('c1', 'id')).toBe('c1');
    expect(listKey('   ', 'id')).toBeUndefined();
  });

  it('lower-cases and trims emails; refuses what is not one', () => {
    expect(listKey('  Ana@Example.COM ', 'email')).toBe('ana@example.com');
    expect(listKey('ana at example', 'email')).toBeUndefined();
  });

  it('normalises phones to E.164 with the default country for local numbers', () => {
    expect(listKey('098123 45678', 'phone', 'IN')).toBe('+919812345678');
    expect(listKey('(415) 555-0100', 'phone', 'US')).toBe('+14155550100');
    expect(listKey('+44 7700 900123', 'phone', 'IN')).toBe('+447700900123');
    expect(listKey('12', 'phone', 'IN')).toBeUndefined();
  });
});

describe('matching a list', () => {
  it('reports matched, unmatched (with why) and duplicate rows', () => {
    const m = new ListMatcher(1, 'email', lookup);
    m.addRows(
      [
        ['Ana', ' ANA@example.com'],
        ['Nobody', 'nobody@example.com'],
        [],
        ['Ana again', 'ana@example.com'],
        ['Broken', 'not an email'],
        ['Blank', ''],
        ['Both', 'shared@example.com'],
        ['  ', ' ']
      ],
      2
    );
    const r = m.result();
    expect(r.rows).toBe(6);
    expect(r.matchedRows).toBe(2);
    expect(r.customerIds).toEqual(['C1', 'C3', 'C4']);
    expect(r.unmatched.map((u) => [u.row, u.reason])).toEqual([
      [3, 'unknown'],
      [6, 'invalid'],
      [7, 'blank']
    ]);
    expect(r.duplicates).toEqual([
      { row: 5, value: 'ana@example.com', firstRow: 2, customerIds: ['C1'] }
    ]);
  });

  it('matches phones written in different ways to the same customer once', () => {
    const m = new ListMatcher(0, 'phone', lookup, 'IN');
    m.addRows([['98123 45678'], ['+91 98123-45678'], ['+44 7700 900999']], 2);
    m.addRows([['+1 415 555 0100']], 5);
    const r = m.result();
    expect(r.customerIds).toEqual(['C1', 'C2']);
    expect(r.duplicates.map((d) => [d.row, d.firstRow])).toEqual([[3, 2]]);
    expect(r.unmatched.map((u) => [u.row, u.reason])).toEqual([[4, 'unknown']]);
  });

  it('writes the unmatched rows as CSV with the file’s columns, defended against formulas', () => {
    const m = new ListMatcher(0, 'id', lookup);
    m.addRows(
      [
        ['=HYPERLINK("http://evil")', 'x'],
        ['C1', 'y'],
        ['@SUM(A1)', '+1']
      ],
      2
    );
    const csv = unmatchedRowsCsv(['id', 'note'], m.result().unmatched, 'id');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('row,id,note,reason');
    expect(lines[1]).toBe(
      `2,"'=HYPERLINK(""http://evil"")",x,No customer with this id on this device.`
    );
    expect(lines[2]).toBe(`4,'@SUM(A1),'+1,No customer with this id on this device.`);
    expect(lines).toHaveLength(3);
  });

  it('agrees with a model: each customer is matched by its first row, later rows are duplicates', () => {
    const ids = ['A', 'B', 'C', 'D'];
    const known: ListLookup = (_by, key) => (ids.includes(key) ? [key] : []);
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.constantFrom('A', 'B', 'C', 'D', 'X', ' a', '', ' B '), { maxLength: 1 })
        ),
        fc.integer({ min: 1, max: 5 }),
        (rows, chunk) => {
          const m = new ListMatcher(0, 'id', known);
          for (let i = 0; i < rows.length; i += chunk) m.addRows(rows.slice(i, i + chunk), 2 + i);
          const r = m.result();
          const seen = new Set<string>();
          const want = { matched: [] as string[], dup: [] as number[], un: [] as number[] };
          rows.forEach((row, i) => {
            const cell = (row[0] ?? '').trim();
            // A row with nothing in it is a blank line, not a row of the list.
            if (cell === '') return;
            if (!ids.includes(cell)) want.un.push(2 + i);
            else if (seen.has(cell)) want.dup.push(2 + i);
            else {
              seen.add(cell);
              want.matched.push(cell);
            }
          });
          expect(r.customerIds).toEqual(want.matched);
          expect(r.duplicates.map((d) => d.row)).toEqual(want.dup);
          expect(r.unmatched.map((u) => u.row)).toEqual(want.un);
        }
      )
    );
  });
});
