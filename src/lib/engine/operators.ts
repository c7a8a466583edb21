// The one operator registry: for each value type the operators it allows, their arity, how a literal
// is read from text and printed. The parser, printer, compiler, evaluator and visual builder read it.
import { parseIsoInstant } from './column';
import type { Literal, Operator } from './model';
import { fail, issue, ok, type Result } from './result';
import type { ValueType } from './schema';
import { DAY_MS, subtract, unitFromWord } from './time';

export type Arity = 'none' | 'one' | 'list' | 'range' | 'duration';

export interface OperatorSpec {
  readonly op: Operator;
  /** How the builder shows it. */
  readonly label: string;
  readonly arity: Arity;
  readonly types: readonly ValueType[];
}

const spec = (
  op: Operator,
  label: string,
  arity: Arity,
  types: readonly ValueType[]
): OperatorSpec => ({
  op,
  label,
  arity,
  types
});

const ALL: readonly ValueType[] = ['string', 'number', 'boolean', 'date'];
const ORDERED: readonly ValueType[] = ['number', 'date'];

export const OPERATORS: readonly OperatorSpec[] = [
  spec('=', 'is', 'one', ALL),
  spec('!=', 'is not', 'one', ALL),
  spec('>', 'greater than', 'one', ORDERED),
  spec('>=', 'at least', 'one', ORDERED),
  spec('<', 'less than', 'one', ORDERED),
  spec('<=', 'at most', 'one', ORDERED),
  spec('before', 'before', 'one', ['date']),
  spec('after', 'after', 'one', ['date']),
  spec('in', 'is one of', 'list', ['string', 'number']),
  spec('not in', 'is none of', 'list', ['string', 'number']),
  spec('contains', 'contains', 'one', ['string']),
  spec('starts with', 'starts with', 'one', ['string']),
  spec('ends with', 'ends with', 'one', ['string']),
  spec('between', 'between', 'range', ORDERED),
  spec('within last', 'within last', 'duration', ['date']),
  spec('is set', 'is set', 'none', ALL),
  spec('is not set', 'is not set', 'none', ALL)
];

const BY_OP = new Map(OPERATORS.map((s) => [s.op, s]));

export const operatorSpec = (op: Operator): OperatorSpec => BY_OP.get(op) as OperatorSpec;

/** The operators a value type allows, in display order. */
export const operatorsFor = (type: ValueType): readonly OperatorSpec[] =>
  OPERATORS.filter((s) => s.types.includes(type));

export const allowsOperator = (type: ValueType, op: Operator): boolean =>
  operatorSpec(op).types.includes(type);

/** Whether a literal can stand for a value of the type (strings that read as dates count as dates). */
export function literalFits(type: ValueType, lit: Literal): boolean {
  switch (type) {
    case 'string':
      return lit.kind === 'string';
    case 'number':
      return lit.kind === 'number';
    case 'boolean':
      return lit.kind === 'boolean';
    case 'date':
      return (
        lit.kind === 'date' ||
        lit.kind === 'relative' ||
        (lit.kind === 'string' && !Number.isNaN(parseIsoInstant(lit.value)))
      );
  }
}

/** The instant a date literal stands for; `upper` makes a plain date include its whole day. */
export function literalInstant(lit: Literal, now: number, upper = false): number {
  if (lit.kind === 'relative') return subtract(now, lit.amount, lit.unit);
  const text = lit.kind === 'date' ? lit.text : lit.kind === 'string' ? lit.value : '';
  const t = parseIsoInstant(text);
  return upper && isPlainDate(lit) ? t + DAY_MS - 1 : t;
}

const isPlainDate = (lit: Literal): boolean =>
  (lit.kind === 'date' && lit.text.length === 10) ||
  (lit.kind === 'string' && lit.value.trim().length === 10);

/** Whether the literal moves with `now` (so the answer can change as time passes). */
export const isRelative = (lit: Literal): boolean => lit.kind === 'relative';

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Canonical query text for a literal. */
export function printLiteral(lit: Literal): string {
  switch (lit.kind) {
    case 'string':
      return quote(lit.value);
    case 'number':
      return printNumber(lit.value);
    case 'boolean':
      return lit.value ? 'true' : 'false';
    case 'date':
      return lit.text;
    case 'relative':
      return `${printNumber(lit.amount)} ${lit.amount === 1 ? lit.unit.slice(0, -1) : lit.unit} ago`;
  }
}

export function printNumber(n: number): string {
  if (Object.is(n, -0)) return '0';
  return String(n);
}

/**
 * Reads a value typed into the builder for a field of the given type ("10000", "2026-01-31",
 * "30 days ago", "yes"), so the builder and the query text accept the same things.
 */
export function literalFromText(type: ValueType, text: string): Result<Literal> {
  const t = text.trim();
  switch (type) {
    case 'string':
      return ok({ kind: 'string', value: text });
    case 'number': {
      const clean = t.replace(/_/g, '');
      const n = Number(clean);
      if (clean === '' || !Number.isFinite(n) || !/^-?(\d+\.?\d*|\.\d+)$/.test(clean)) {
        return fail(issue('bad-number', `“${t}” is not a number.`));
      }
      return ok({ kind: 'number', value: n });
    }
    case 'boolean': {
      const w = t.toLowerCase();
      if (w === 'true' || w === 'yes') return ok({ kind: 'boolean', value: true });
      if (w === 'false' || w === 'no') return ok({ kind: 'boolean', value: false });
      return fail(issue('bad-boolean', `“${t}” is not true or false.`));
    }
    case 'date': {
      const rel = /^(\d+(?:\.\d+)?)\s+([a-z]+)\s+ago$/i.exec(t);
      const unit = rel ? unitFromWord(rel[2]) : undefined;
      if (rel && unit) return ok({ kind: 'relative', amount: Number(rel[1]), unit });
      if (!Number.isNaN(parseIsoInstant(t))) return ok({ kind: 'date', text: t });
      return fail(issue('bad-date', `“${t}” is not a date (use 2026-01-31 or “30 days ago”).`));
    }
  }
}
