// The editor's highlighting: pieces cover the text exactly, token kinds come from the engine's lexer,
// and issues are marked where they are (an issue at the very end gets a visible one-space piece).
import { describe, expect, it } from 'vitest';
import { highlight, lineColumn } from '$lib/query-highlight';
import { issue } from '$lib/engine/result';

describe('query highlighting', () => {
  it('classifies keywords, names, strings, numbers and punctuation, covering all the text', () => {
    const text = 'total_spent > 10000 AND city = "Pune"';
    const pieces = highlight(text, []);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    const kinds = Object.fromEntries(
      pieces.filter((p) => p.kind !== 'plain').map((p) => [p.text, p.kind])
    );
    expect(kinds).toEqual({
      total_spent: 'name',
      '>': 'punct',
      '10000': 'number',
      AND: 'keyword',
      city: 'name',
      '=': 'punct',
      '"Pune"': 'string'
    });
  });

  it('marks errors over warnings at their span, and shows an issue at the end of the text', () => {
    const text = 'total_spnt > ';
    const pieces = highlight(text, [
      issue('unknown-attribute', 'x', { span: { start: 0, end: 10 } }),
      issue('w', 'y', { span: { start: 5, end: 12 }, severity: 'warning' }),
      issue('expected-value', 'z', { span: { start: 13, end: 13 } })
    ]);
    expect(pieces.map((p) => p.text).join('')).toBe(text + ' ');
    expect(pieces.filter((p) => p.mark === 'error').map((p) => p.text)).toEqual([
      'total_spnt',
      ' '
    ]);
    expect(pieces.filter((p) => p.mark === 'warning').map((p) => p.text)).toEqual([' ', '>']);
  });

  it('gives 1-based line and column of an offset', () => {
    expect(lineColumn('a\nbc d', 5)).toEqual({ line: 2, column: 4 });
    expect(lineColumn('abc', 0)).toEqual({ line: 1, column: 1 });
  });
});
