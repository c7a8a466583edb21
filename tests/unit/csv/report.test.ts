import { describe, expect, it } from 'vitest';
import { countRejectedRows, csvCell, rejectedRowsToCsv } from '$lib/csv/report';
import { parseCsvText } from '$lib/csv/stream';

describe('import report CSV', () => {
  it('quotes commas, quotes and newlines', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it.each(['=SUM(A1)', '+1', '-1', '@cmd', '\tx', '\rx'])('neutralises %j', (value) => {
    expect(csvCell(value).replace(/^"/, '').startsWith("'")).toBe(true);
  });

  it('writes row,column,value,reason and reads back the same', () => {
    const rows = [
      { row: 5, column: 'Total Spent', value: '=HYPERLINK("x")', reason: 'not a number' },
      { row: 5, column: 'Email', value: 'a,b', reason: 'not an email address' },
      { row: 9, column: '', value: 'x\ny', reason: 'wrong number of fields: expected 3, found 4' }
    ];
    const csv = rejectedRowsToCsv(rows);
    expect(csv.startsWith('row,column,value,reason\r\n')).toBe(true);
    expect(parseCsvText(csv, { delimiter: ',' })).toEqual([
      ['row', 'column', 'value', 'reason'],
      ['5', 'Total Spent', `'=HYPERLINK("x")`, 'not a number'],
      ['5', 'Email', 'a,b', 'not an email address'],
      ['9', '', 'x\ny', 'wrong number of fields: expected 3, found 4']
    ]);
    expect(countRejectedRows(rows)).toBe(2);
  });
});
