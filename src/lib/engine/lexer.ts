// Splits query text into tokens with positions; malformed numbers, dates and unterminated strings
// become issues here so the parser only sees well-formed tokens.
import { parseIsoInstant } from './column';
import { issue, type Issue, type Span } from './result';

export type TokenKind = 'word' | 'string' | 'number' | 'date' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Words: as written; strings: unescaped content; numbers: the digits; punct: the symbol. */
  readonly text: string;
  readonly span: Span;
  /** Numbers only. */
  readonly value?: number;
}

const PUNCT = ['!=', '>=', '<=', '<>', '=', '>', '<', '(', ')', ','];
const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/;
const NUMBER = /^-?(?:\d[\d_]*(?:\.\d[\d_]*)?|\.\d[\d_]*)/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;

export function lex(text: string): { tokens: Token[]; issues: Issue[] } {
  const tokens: Token[] = [];
  const issues: Issue[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = text.slice(i, i + 64);
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let out = '';
      let closed = false;
      while (j < text.length) {
        const c = text[j];
        if (c === '\\' && j + 1 < text.length) {
          out += text[j + 1];
          j += 2;
          continue;
        }
        if (c === ch) {
          closed = true;
          j++;
          break;
        }
        out += c;
        j++;
      }
      if (!closed) {
        issues.push(
          issue('unterminated-string', 'This text has no closing quote.', {
            span: { start: i, end: text.length },
            hint: `add ${ch} at the end of the text`
          })
        );
      }
      tokens.push({ kind: 'string', text: out, span: { start: i, end: j } });
      i = j;
      continue;
    }
    if (/[0-9]/.test(ch) || ((ch === '-' || ch === '.') && /[0-9]/.test(text[i + 1] ?? ''))) {
      const date = DATE.exec(rest);
      const run = /^[-+0-9A-Za-z_.:]+/.exec(text.slice(i))?.[0] ?? ch;
      if (date && !/[0-9A-Za-z_.:]/.test(text[i + date[0].length] ?? '')) {
        const end = i + date[0].length;
        if (Number.isNaN(parseIsoInstant(date[0]))) {
          issues.push(
            issue('bad-date', `“${date[0]}” is not a valid date.`, {
              span: { start: i, end },
              hint: 'dates look like 2026-01-31 or 2026-01-31T10:00:00Z'
            })
          );
        }
        tokens.push({ kind: 'date', text: date[0], span: { start: i, end } });
        i = end;
        continue;
      }
      const num = NUMBER.exec(text.slice(i));
      const numText = num?.[0] ?? '';
      const after = text[i + numText.length] ?? '';
      if (
        !num ||
        /[A-Za-z0-9_.]/.test(after) ||
        (after === '-' && /\d/.test(text[i + numText.length + 1] ?? '')) ||
        /_$|_\./.test(numText)
      ) {
        const bad = /^\d{4}-/.test(run) ? 'bad-date' : 'bad-number';
        issues.push(
          issue(
            bad,
            bad === 'bad-date' ? `“${run}” is not a valid date.` : `“${run}” is not a number.`,
            {
              span: { start: i, end: i + run.length },
              hint:
                bad === 'bad-date'
                  ? 'dates look like 2026-01-31'
                  : 'numbers look like 10000, 10_000 or -3.5'
            }
          )
        );
        tokens.push({
          kind: 'number',
          text: run,
          value: NaN,
          span: { start: i, end: i + run.length }
        });
        i += run.length;
        continue;
      }
      tokens.push({
        kind: 'number',
        text: numText,
        value: Number(numText.replace(/_/g, '')),
        span: { start: i, end: i + numText.length }
      });
      i += numText.length;
      continue;
    }
    const word = WORD.exec(rest.length === 64 ? text.slice(i) : rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0], span: { start: i, end: i + word[0].length } });
      i += word[0].length;
      continue;
    }
    const p = PUNCT.find((s) => text.startsWith(s, i));
    if (p) {
      tokens.push({
        kind: 'punct',
        text: p === '<>' ? '!=' : p,
        span: { start: i, end: i + p.length }
      });
      i += p.length;
      continue;
    }
    issues.push(
      issue('unexpected-character', `“${ch}” cannot appear here.`, {
        span: { start: i, end: i + 1 }
      })
    );
    i++;
  }
  tokens.push({ kind: 'eof', text: '', span: { start: text.length, end: text.length } });
  return { tokens, issues };
}
