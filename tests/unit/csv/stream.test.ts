import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsvFile, sniffFile } from '$lib/csv/node';
import { decode } from '$lib/csv/sniff';
import { parseCsv, parseCsvText } from '$lib/csv/stream';
import { fixtureBytes, fixturePath, parseAll, sniffFixture } from './helpers';

describe('parseCsv', () => {
  it('streams quoted fields with commas, newlines and escaped quotes', async () => {
    const s = sniffFixture('quoted.csv');
    const { header, rows } = await parseAll(decode(fixtureBytes('quoted.csv'), s.encoding), s);
    expect(header).toEqual(['id', 'name', 'address', 'notes']);
    expect(rows).toEqual([
      ['1', 'Smith, John', '12 Main St\r\nApt 4, Floor 2', 'plain'],
      ['2', 'O"Brien', 'Dublin', 'said "hi", left'],
      ['3', 'Plain', 'Nowhere', '']
    ]);
  });

  it('keeps row numbers of the file across blank lines (blank lines arrive as [])', async () => {
    const s = sniffFixture('blank-lines.csv');
    const { rows, firstRowNumbers } = await parseAll(
      decode(fixtureBytes('blank-lines.csv'), s.encoding),
      s
    );
    expect(firstRowNumbers).toEqual([2]);
    expect(rows).toEqual([[], ['1', 'Ana'], [], [], ['2', 'Ben'], [], ['3', 'Chloe'], [], []]);
  });

  it('decodes UTF-16 and Windows-1252 byte streams (Node stream source)', async () => {
    for (const name of ['utf16le-bom.csv', 'windows-1252.csv']) {
      const s = sniffFixture(name);
      const { rows } = await parseAll(createReadStream(fixturePath(name), { highWaterMark: 7 }), s);
      expect(rows).toEqual(s.sampleRows);
    }
  });

  it('decodes a Blob (the worker path) with a BOM', async () => {
    const s = sniffFixture('bom-utf8.csv');
    const { header, rows } = await parseAll(new Blob([fixtureBytes('bom-utf8.csv')]), s);
    expect(header).toEqual(['id', 'name', 'city']);
    expect(rows[1]).toEqual(['2', 'Zoë', 'Köln']);
  });

  it('gives the same records whatever the chunking of bytes', async () => {
    const bytes = fixtureBytes('shopify-orders.csv');
    const s = sniffFixture('shopify-orders.csv');
    const whole = await parseAll(new Blob([bytes]), s);
    async function* dribble() {
      for (let i = 0; i < bytes.length; i += 13) yield bytes.subarray(i, i + 13);
    }
    const split = await parseAll(dribble(), s, 2);
    expect(split.rows).toEqual(whole.rows);
    expect(split.firstRowNumbers).toEqual([2, 4, 6, 8]);
  });

  it('chunks rows and numbers them, header = row 1, quoted newlines do not count', async () => {
    const text = 'id,note\n1,"a\nb"\n2,x\n3,y\n';
    const { rows, firstRowNumbers } = await parseAll(
      text,
      { delimiter: ',', encoding: 'utf-8' },
      2
    );
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3']);
    expect(firstRowNumbers).toEqual([2, 4]);
  });

  it('waits for an async consumer before reading on (backpressure)', async () => {
    const lines = ['id'];
    for (let i = 0; i < 50; i++) lines.push(String(i));
    let busy = false;
    let overlapped = false;
    const seen: string[] = [];
    async function* slowSource() {
      const text = lines.join('\n');
      for (let i = 0; i < text.length; i += 5) {
        if (busy) overlapped = true;
        yield text.slice(i, i + 5);
      }
    }
    await parseCsv(slowSource(), {
      delimiter: ',',
      encoding: 'utf-8',
      chunkRows: 3,
      onRows: async (rows) => {
        busy = true;
        await new Promise((r) => setTimeout(r, 1));
        seen.push(...rows.map((r) => r[0]));
        busy = false;
      }
    });
    expect(overlapped).toBe(false);
    expect(seen).toHaveLength(50);
  });

  it('stops when the signal aborts and says it was cancelled', async () => {
    const controller = new AbortController();
    const text = ['id', ...Array.from({ length: 1000 }, (_, i) => String(i))].join('\n');
    let delivered = 0;
    const result = await parseCsv(text, {
      delimiter: ',',
      encoding: 'utf-8',
      chunkRows: 10,
      signal: controller.signal,
      onRows: (rows) => {
        delivered += rows.length;
        if (delivered >= 30) controller.abort();
      }
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0].code).toBe('cancelled');
    expect(delivered).toBe(30);
  });

  it('reads a file from disk in Node', async () => {
    const s = await sniffFile(fixturePath('events.csv'));
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    const rows: string[][] = [];
    const result = await parseCsvFile(fixturePath('events.csv'), {
      delimiter: s.value.delimiter,
      encoding: s.value.encoding,
      onRows: (chunk) => void rows.push(...chunk)
    });
    expect(result.ok && result.value.rows).toBe(5);
    expect(rows[4][2]).toBe('Added to Cart');
  });

  it('parses a last record without a final line break', () => {
    expect(parseCsvText('a,b\r\n1,2', { delimiter: ',' })).toEqual([
      ['a', 'b'],
      ['1', '2']
    ]);
  });
});
