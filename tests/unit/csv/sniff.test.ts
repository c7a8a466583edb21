import { describe, expect, it } from 'vitest';
import { decode, detectDelimiter, detectEncoding, sniff } from '$lib/csv/sniff';
import { fixtureBytes, sniffFixture } from './helpers';

const codeOf = (name: string): string | undefined => {
  const result = sniff(fixtureBytes(name));
  return result.ok ? undefined : result.issues[0].code;
};

describe('sniff: encodings', () => {
  it('reads UTF-8 without BOM', () => {
    const s = sniffFixture('customers.csv');
    expect(s.encoding).toBe('utf-8');
    expect(s.bomLength).toBe(0);
    expect(s.sampleRows[2][3]).toBe('Chloé Martin');
  });
  it('reads UTF-8 with BOM and drops the BOM from the first header', () => {
    const s = sniffFixture('bom-utf8.csv');
    expect(s).toMatchObject({ encoding: 'utf-8', bomLength: 3, newline: '\r\n' });
    expect(s.headers).toEqual(['id', 'name', 'city']);
    expect(s.sampleRows[0]).toEqual(['1', 'José', 'São Paulo']);
  });
  it('reads UTF-16 LE with BOM', () => {
    const s = sniffFixture('utf16le-bom.csv');
    expect(s).toMatchObject({ encoding: 'utf-16le', bomLength: 2, delimiter: ',' });
    expect(s.headers).toEqual(['id', 'name', 'city']);
    expect(s.sampleRows[1]).toEqual(['2', 'Zoë', 'Köln']);
  });
  it('reads UTF-16 BE with BOM', () => {
    const le = fixtureBytes('utf16le-bom.csv');
    const be = new Uint8Array(le.length);
    for (let i = 0; i + 1 < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    const s = sniff(be);
    expect(s.ok && s.value.encoding).toBe('utf-16be');
    expect(s.ok && s.value.sampleRows[0]).toEqual(['1', 'José', 'São Paulo']);
  });
  it('falls back to Windows-1252 when the bytes are not UTF-8', () => {
    const s = sniffFixture('windows-1252.csv');
    expect(s.encoding).toBe('windows-1252');
    expect(s.sampleRows).toEqual([
      ['1', 'Renée', '£12 paid'],
      ['2', 'Zoë', 'costs €5']
    ]);
  });
  it('keeps UTF-8 when the sample cuts a multi-byte character', () => {
    const bytes = new TextEncoder().encode('id,name\n1,José\n');
    const cut = bytes.subarray(0, bytes.indexOf(0xa9)); // cut inside é
    expect(detectEncoding(cut).encoding).toBe('utf-8');
    expect(decode(cut, 'utf-8', true)).toBe('id,name\n1,Jos');
  });
});

describe('sniff: delimiters', () => {
  it.each([
    ['customers.csv', ','],
    ['semicolon.csv', ';'],
    ['tab.tsv', '\t'],
    ['pipe.csv', '|'],
    ['quoted.csv', ',']
  ])('%s uses %j', (name, delimiter) => expect(sniffFixture(name).delimiter).toBe(delimiter));

  it('ignores delimiters inside quotes', () => {
    const text = 'a;b;c\n"x,y,z,w";2;3\n"1,2,3";4;5\n';
    expect(detectDelimiter(text).delimiter).toBe(';');
  });
  it('spots decimal commas in ;-files', () => {
    const s = sniffFixture('semicolon.csv');
    expect(s.decimalComma).toBe(true);
    expect(s.sampleRows[2][1]).toBe('semi;colon@example.de');
    expect(sniffFixture('customers.csv').decimalComma).toBe(false);
  });
  it('accepts a single-column file', () => {
    const s = sniff(new TextEncoder().encode('email\na@example.com\nb@example.com\n'));
    expect(s.ok && s.value.headers).toEqual(['email']);
  });
});

describe('sniff: files that cannot be imported', () => {
  it('says an empty file is empty', () => {
    expect(codeOf('empty.csv')).toBe('empty-file');
    expect(sniff(new TextEncoder().encode(' \r\n\n')).ok).toBe(false);
  });
  it('says a header-only file has no rows', () =>
    expect(codeOf('header-only.csv')).toBe('header-only'));
  it('says a binary file is not CSV', () => expect(codeOf('binary.bin')).toBe('binary-file'));
  it('recognises an Excel workbook by its signature', () => {
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    const result = sniff(xlsx);
    expect(!result.ok && result.issues[0]).toMatchObject({ code: 'binary-file' });
    expect(!result.ok && result.issues[0].message).toMatch(/Excel/);
  });
  it('says prose is not a table', () => {
    expect(sniff(new TextEncoder().encode('x'.repeat(200) + '\n' + 'y'.repeat(200))).ok).toBe(
      false
    );
    const prose =
      'Dear customer, thank you for your order; it ships today, and arrives soon.\n' +
      'We hope you enjoy it.\nRegards; the team, and friends, and more, and more\nP.S. call us\n';
    expect(sniff(new TextEncoder().encode(prose)).ok).toBe(false);
    expect(sniff(new TextEncoder().encode('x'.repeat(200) + '\n' + 'y'.repeat(200))).ok).toBe(
      false
    );
  });
  it('does not call a cut sample header-only', () => {
    const header = new TextEncoder().encode('id,name\n');
    expect(sniff(header, { totalBytes: 1_000_000 }).ok).toBe(true);
  });
});
