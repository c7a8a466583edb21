// The streaming parser reads lines without quotes itself and hands the rest to PapaParse: it must
// give exactly PapaParse's records and cursor, for any text, line break and chunking.

import fc from 'fast-check';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { createDecoder, type CsvNewline } from '$lib/csv/sniff';
import { hybridParser } from '$lib/csv/stream';

interface Raw {
  readonly data: string[][];
  readonly meta: { readonly cursor: number };
}

const papa = (delimiter: string, newline: CsvNewline) => {
  const parser = new Papa.Parser({ delimiter, newline });
  return (input: string, ignoreLastRow: boolean): Raw => {
    const r = parser.parse(input, 0, ignoreLastRow) as Raw;
    return { data: r.data, meta: { cursor: r.meta.cursor } };
  };
};

const newlineArb = fc.constantFrom<CsvNewline>('\n', '\r\n', '\r');
const delimiterArb = fc.constantFrom(',', ';', '\t', '|');

/** CSV-ish text: fields, delimiters, line breaks and quotes in every arrangement. */
const textArb = (delimiter: string) =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('a', 'bc', 'Home & Kitchen', ' ', '') },
        { weight: 3, arbitrary: fc.constant(delimiter) },
        { weight: 3, arbitrary: fc.constantFrom('\n', '\r\n', '\r') },
        {
          weight: 2,
          arbitrary: fc.constantFrom('"', '""', '"x, y"', `"a${delimiter}b"`, '"l1\nl2"')
        },
        { weight: 1, arbitrary: fc.constantFrom(',', ';', '\t', '|', ' "', '" ') }
      ),
      { maxLength: 60 }
    )
    .map((parts) => parts.join(''));

const input = fc
  .tuple(delimiterArb, newlineArb)
  .chain(([delimiter, newline]) =>
    fc.tuple(fc.constant(delimiter), fc.constant(newline), textArb(delimiter))
  );

describe('hybridParser', () => {
  it('gives PapaParse’s records and cursor in one call', () => {
    fc.assert(
      fc.property(input, fc.boolean(), ([delimiter, newline, text], ignoreLastRow) => {
        expect(hybridParser(delimiter, newline)(text, ignoreLastRow)).toEqual(
          papa(delimiter, newline)(text, ignoreLastRow)
        );
      }),
      { numRuns: 5000 }
    );
  });

  it('gives PapaParse’s records when the text arrives in chunks', () => {
    fc.assert(
      fc.property(
        input,
        fc.array(fc.nat(), { maxLength: 4 }),
        ([delimiter, newline, text], cuts) => {
          const parse = hybridParser(delimiter, newline);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const records: string[][] = [];
          let partial = '';
          let from = 0;
          for (const point of [...points, text.length]) {
            const chunk = partial + text.slice(from, point);
            from = point;
            const last = point === text.length;
            const result = parse(chunk, !last);
            records.push(...result.data);
            partial = chunk.slice(result.meta.cursor);
          }
          expect(records).toEqual(papa(delimiter, newline)(text, false).data);
        }
      ),
      { numRuns: 3000 }
    );
  });

  it.each([
    'a,b\n"c\nd",e\nf,g\n',
    '"a""b",c\r\nd',
    'x,"unterminated\ny,z\n',
    'a,"b"c,d\ne\n',
    '"a" ,b\n"c"\n\n',
    '\n\n"q"\n'
  ])('agrees on %j', (text) => {
    for (const newline of ['\n', '\r\n', '\r'] as const)
      for (const ignoreLastRow of [false, true])
        expect(hybridParser(',', newline)(text, ignoreLastRow)).toEqual(
          papa(',', newline)(text, ignoreLastRow)
        );
  });
});

describe('createDecoder (utf-8)', () => {
  const bytesArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }).map((t) => new TextEncoder().encode(t)),
    fc.uint8Array({ maxLength: 40 }),
    fc
      .tuple(
        fc.constantFrom([0xef, 0xbb, 0xbf], [], [0xe2, 0x82]),
        fc.uint8Array({ maxLength: 20 })
      )
      .map(([a, b]) => Uint8Array.from([...a, ...b, ...a]))
  );

  it('decodes any bytes, cut anywhere, as streaming TextDecoder does', () => {
    fc.assert(
      fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const reference = new TextDecoder('utf-8');
        const decoder = createDecoder('utf-8');
        let expected = '';
        let actual = '';
        let from = 0;
        for (const point of [...points, bytes.length]) {
          const chunk = bytes.subarray(from, point);
          from = point;
          expected += reference.decode(chunk, { stream: true });
          actual += decoder.decode(chunk);
        }
        expected += reference.decode();
        actual += decoder.decode();
        expect(actual).toBe(expected);
      }),
      { numRuns: 5000 }
    );
  });
});
