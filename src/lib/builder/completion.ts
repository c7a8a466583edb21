// Autocomplete for the query text editor: from the text before the cursor (read with the engine's
// lexer) decide what may come next — an attribute, an event, one of its properties, an operator for
// the attribute's type (from the engine's registry), a keyword, a segment — and offer the fitting
// names that start with (or contain) what is typed.
import { lex, type Token } from '$lib/engine/lexer';
import { AGGREGATE_FNS, RESERVED_WORDS } from '$lib/engine/model';
import { operatorsFor } from '$lib/engine/operators';
import type { FieldDef } from '$lib/engine/schema';
import { UNITS } from '$lib/engine/time';

export type CompletionKind =
  'attribute' | 'event' | 'property' | 'keyword' | 'segment' | 'operator';

export interface Completion {
  readonly label: string;
  /** The text that replaces the typed prefix. */
  readonly insert: string;
  /** Shown beside the label: a type, "event", "keyword"… */
  readonly detail: string;
  readonly kind: CompletionKind;
}

export interface CompletionSource {
  readonly attributes: readonly FieldDef[];
  readonly events: readonly { readonly name: string; readonly properties: readonly FieldDef[] }[];
  readonly segments: readonly string[];
}

export interface CompletionResult {
  /** The range of the text the chosen completion replaces. */
  readonly from: number;
  readonly to: number;
  readonly prefix: string;
  readonly items: readonly Completion[];
  /** Whether a name is expected here (the list may open by itself even before anything is typed). */
  readonly expectsName: boolean;
}

const MAX_ITEMS = 50;
const KEYWORDS = new Set(RESERVED_WORDS);
const WORD_CHAR = /[A-Za-z0-9_]/;

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** An event or property name as the language reads it: bare when it is a plain word, else quoted. */
export const nameText = (s: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s.toLowerCase()) ? s : quote(s);

const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t !== undefined && t.kind === 'word' && words.includes(t.text.toLowerCase());
const isPunct = (t: Token | undefined, p: string): boolean =>
  t !== undefined && t.kind === 'punct' && t.text === p;

const kw = (label: string, insert = `${label} `): Completion => ({
  label,
  insert,
  detail: 'keyword',
  kind: 'keyword'
});

/** What starts a predicate at the top level of a rule. */
const PREDICATE_STARTS: readonly Completion[] = [
  kw('performed'),
  kw('not performed'),
  kw('in segment'),
  kw('not in segment'),
  kw('NOT')
];

/** Clauses of `performed E …`, in the printer's order. */
const PERFORMED_CLAUSES: readonly Completion[] = [
  kw('where'),
  kw('at least'),
  kw('at most'),
  kw('exactly'),
  kw('with'),
  kw('in last'),
  kw('since'),
  kw('before'),
  kw('between')
];

const CONNECTIVES: readonly Completion[] = [kw('AND'), kw('OR')];

interface Paren {
  readonly kind: 'group' | 'where' | 'aggregate' | 'list';
  /** The performed clause the parenthesis belongs to (where, aggregate). */
  readonly event?: string;
}

interface Scan {
  /** The event of the performed clause the cursor is in, if any. */
  event: string | undefined;
  /** Whether the cursor is inside `where ( … )` of that clause. */
  inWhere: boolean;
  parens: Paren[];
}

/** Follows the tokens before the cursor: open parentheses and the performed clause in force. */
function scan(tokens: readonly Token[]): Scan {
  const parens: Paren[] = [];
  let event: string | undefined;
  // The paren depth at which the current performed clause started.
  let eventDepth = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = tokens[i - 1];
    if (isWord(t, 'performed')) {
      const name = tokens[i + 1];
      event = name && (name.kind === 'word' || name.kind === 'string') ? name.text : '';
      eventDepth = parens.length;
    } else if (isPunct(t, '(')) {
      if (isWord(prev, 'where') && event !== undefined) parens.push({ kind: 'where', event });
      else if (isWord(prev, ...AGGREGATE_FNS) && event !== undefined) {
        parens.push({ kind: 'aggregate', event });
      } else if (isWord(prev, 'in')) parens.push({ kind: 'list' });
      else parens.push({ kind: 'group' });
    } else if (isPunct(t, ')')) {
      parens.pop();
      if (parens.length < eventDepth) {
        event = undefined;
        eventDepth = -1;
      }
    } else if (isWord(t, 'and', 'or') && parens.length <= eventDepth) {
      // At the clause's own depth a connective ends the performed clause.
      const inside = parens.some((p) => p.kind === 'where');
      if (!inside) {
        event = undefined;
        eventDepth = -1;
      }
    }
  }
  const inWhere = parens.some((p) => p.kind === 'where');
  return { event, inWhere, parens };
}

function propertiesOf(source: CompletionSource, event: string | undefined): readonly FieldDef[] {
  if (event === undefined) return [];
  const key = event.trim().toLowerCase();
  return source.events.find((e) => e.name.trim().toLowerCase() === key)?.properties ?? [];
}

const attributeItems = (fields: readonly FieldDef[]): Completion[] =>
  fields.map((f) => ({ label: f.key, insert: `${f.key} `, detail: f.type, kind: 'attribute' }));

const propertyItems = (fields: readonly FieldDef[], event: string): Completion[] =>
  fields.map((f) => ({
    label: f.key,
    insert: `${f.key} `,
    detail: `${f.type} · ${event}`,
    kind: 'property'
  }));

const operatorItems = (field: FieldDef): Completion[] =>
  operatorsFor(field.type).map((s) => ({
    label: s.op,
    insert: `${s.op} `,
    detail: s.label,
    kind: 'operator'
  }));

/** Whether the tokens end where a condition or predicate may start. */
function atPredicateStart(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return last === undefined || isWord(last, 'and', 'or', 'not') || isPunct(last, '(');
}

/** What may come next at the end of `tokens`. */
function candidates(
  tokens: readonly Token[],
  source: CompletionSource
): { items: Completion[]; expectsName: boolean } {
  const last = tokens[tokens.length - 1];
  const before = tokens[tokens.length - 2];
  const s = scan(tokens);
  const top = s.parens[s.parens.length - 1];

  if (isWord(last, 'performed')) {
    return {
      items: source.events.map((e) => ({
        label: e.name,
        insert: `${nameText(e.name)} `,
        detail: 'event',
        kind: 'event'
      })),
      expectsName: true
    };
  }
  if (isWord(last, 'segment') && isWord(before, 'in')) {
    return {
      items: source.segments.map((name) => ({
        label: name,
        insert: `${quote(name)} `,
        detail: 'segment',
        kind: 'segment'
      })),
      expectsName: true
    };
  }
  if (isPunct(last, '(') && top?.kind === 'aggregate') {
    const numeric = propertiesOf(source, top.event).filter((p) => p.type === 'number');
    return {
      items: numeric.map((f) => ({
        label: f.key,
        insert: f.key,
        detail: `${f.type} · ${top.event}`,
        kind: 'property'
      })),
      expectsName: true
    };
  }
  if (isWord(last, 'with') && s.event !== undefined) {
    return { items: AGGREGATE_FNS.map((fn) => kw(`${fn}(`, `${fn}(`)), expectsName: true };
  }
  if (isWord(last, 'where') && s.event !== undefined) {
    return { items: propertyItems(propertiesOf(source, s.event), s.event), expectsName: true };
  }
  if (s.inWhere && s.event !== undefined && atPredicateStart(tokens)) {
    return { items: propertyItems(propertiesOf(source, s.event), s.event), expectsName: true };
  }
  if (isWord(last, 'last') || (last?.kind === 'number' && isWord(before, 'last'))) {
    if (last?.kind === 'number') {
      return { items: UNITS.map((u) => kw(u)), expectsName: true };
    }
    return { items: [], expectsName: false };
  }
  if (last?.kind === 'number' && isWord(before, 'least', 'most', 'exactly')) {
    return { items: [kw('times')], expectsName: true };
  }
  if (isWord(last, 'at')) return { items: [kw('least'), kw('most')], expectsName: true };
  if (atPredicateStart(tokens)) {
    const starts = isWord(last, 'not')
      ? [kw('performed'), kw('in segment'), kw('(')]
      : PREDICATE_STARTS;
    return { items: [...attributeItems(source.attributes), ...starts], expectsName: true };
  }
  // A field name just written: its operators.
  if (last?.kind === 'word' && atPredicateStart(tokens.slice(0, -1))) {
    const fields = s.inWhere ? propertiesOf(source, s.event) : source.attributes;
    const field = fields.find((f) => f.key === last.text);
    if (field) return { items: operatorItems(field), expectsName: true };
  }
  if (last?.kind === 'word' && isWord(before, 'where') && s.event !== undefined) {
    const field = propertiesOf(source, s.event).find((f) => f.key === last.text);
    if (field) return { items: operatorItems(field), expectsName: true };
  }
  // After a value or a whole clause: what may follow.
  const items = [...(s.event !== undefined && !s.inWhere ? PERFORMED_CLAUSES : []), ...CONNECTIVES];
  return { items, expectsName: false };
}

/** Ranks: names starting with the prefix first, then names containing it; case-insensitive. */
function filter(items: readonly Completion[], prefix: string): Completion[] {
  const p = prefix.replace(/^["']/, '').toLowerCase();
  if (p === '') return items.slice(0, MAX_ITEMS);
  const starts = items.filter((c) => c.label.toLowerCase().startsWith(p));
  // Names may match in the middle (`spent` finds total_spent); keywords only from their start, so
  // that `la` after `in ` does not offer a second `in last`.
  const contains = items.filter(
    (c) =>
      c.kind !== 'keyword' &&
      !c.label.toLowerCase().startsWith(p) &&
      c.label.toLowerCase().includes(p)
  );
  return [...starts, ...contains]
    .filter((c) => c.label.toLowerCase() !== p || c.kind === 'keyword')
    .slice(0, MAX_ITEMS);
}

/** The completions at `cursor` in `text` (null when nothing fits). */
export function complete(
  text: string,
  cursor: number,
  source: CompletionSource
): CompletionResult | null {
  const head = text.slice(0, cursor);
  // The word (or the open quoted name) being typed.
  let from = cursor;
  while (from > 0 && WORD_CHAR.test(head[from - 1])) from--;
  const lexed = lex(head).tokens.filter((t) => t.kind !== 'eof');
  const lastTok = lexed[lexed.length - 1];
  if (
    lastTok?.kind === 'string' &&
    lastTok.span.end === cursor &&
    !/["']$/.test(head.slice(lastTok.span.start + 1))
  ) {
    from = lastTok.span.start;
  }
  // A number being typed is not a name.
  if (from < cursor && /^[0-9]/.test(head.slice(from))) return null;
  let to = cursor;
  while (to < text.length && WORD_CHAR.test(text[to])) to++;
  const prefix = text.slice(from, cursor);
  const tokens = lex(text.slice(0, from)).tokens.filter((t) => t.kind !== 'eof');
  const { items, expectsName } = candidates(tokens, source);
  const found = filter(items, prefix);
  if (found.length === 0) return null;
  return { from, to, prefix, items: found, expectsName };
}

/** The text after accepting `item`, and where the cursor goes. */
export function accept(
  text: string,
  result: Pick<CompletionResult, 'from' | 'to'>,
  item: Completion
): { text: string; cursor: number } {
  let insert = item.insert;
  const after = text.slice(result.to);
  // No double space when the text already goes on with one.
  if (insert.endsWith(' ') && /^\s/.test(after)) insert = insert.slice(0, -1);
  const next = text.slice(0, result.from) + insert + after;
  return { text: next, cursor: result.from + insert.length };
}
