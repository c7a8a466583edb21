// Splits query text into styled pieces for the editor's highlighting overlay: token kinds from the
// engine's lexer, and the error/warning ranges of the engine's issues (so they can be underlined).
// Only the small modules: the main thread must not pull in the whole engine.
import { lex } from '$lib/engine/lexer';
import { AGGREGATE_FNS, RESERVED_WORDS } from '$lib/engine/model';
import { UNITS } from '$lib/engine/time';
import type { Issue } from '$lib/engine/result';

export type PieceKind = 'plain' | 'keyword' | 'name' | 'string' | 'number' | 'date' | 'punct';

export interface Piece {
  readonly text: string;
  readonly kind: PieceKind;
  readonly mark: 'error' | 'warning' | null;
}

// The language's reserved words, plus units (singular and plural) and aggregate functions, which read
// as keywords too.
const KEYWORDS = new Set([
  ...RESERVED_WORDS,
  ...UNITS.flatMap((unit) => [unit, unit.slice(0, -1)]),
  ...AGGREGATE_FNS
]);

const MARK_RANK = { error: 2, warning: 1 } as const;

/**
 * Pieces covering the whole text in order. An issue at the very end of the text (e.g. "expected a
 * value") gets a one-space piece so that its underline is visible.
 */
export function highlight(text: string, issues: readonly Issue[]): Piece[] {
  const kinds = new Array<PieceKind>(text.length).fill('plain');
  const marks = new Array<'error' | 'warning' | null>(text.length + 1).fill(null);
  for (const token of lex(text).tokens) {
    if (token.kind === 'eof') continue;
    const kind: PieceKind =
      token.kind === 'word'
        ? KEYWORDS.has(token.text.toLowerCase())
          ? 'keyword'
          : 'name'
        : token.kind;
    for (let i = token.span.start; i < Math.min(token.span.end, text.length); i++) kinds[i] = kind;
  }
  for (const issue of issues) {
    if (!issue.span) continue;
    const start = Math.max(0, Math.min(issue.span.start, text.length));
    const end = Math.max(start + 1, Math.min(issue.span.end, text.length + 1));
    for (let i = start; i < end; i++) {
      const current = marks[i];
      if (!current || MARK_RANK[issue.severity] > MARK_RANK[current]) marks[i] = issue.severity;
    }
  }
  const pieces: Piece[] = [];
  let i = 0;
  while (i < text.length) {
    let j = i + 1;
    while (j < text.length && kinds[j] === kinds[i] && marks[j] === marks[i]) j++;
    pieces.push({ text: text.slice(i, j), kind: kinds[i], mark: marks[i] });
    i = j;
  }
  if (marks[text.length]) pieces.push({ text: ' ', kind: 'plain', mark: marks[text.length] });
  return pieces;
}

/** 1-based line and column of a character offset, for messages such as "line 1, column 18". */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}
