// The visual builder's model: a tree of groups and predicates with ids and the text of every input,
// converted to and from the engine's segment AST (src/lib/engine/model.ts). Every AST maps to a tree
// and back to the same AST; incomplete inputs become problems attached to the node and input.
import type {
  AggregateFn,
  CompareOp,
  ConditionNode,
  CountOp,
  Literal,
  Operator,
  PerformedNode,
  RuleNode,
  SegmentAst,
  TimeWindow,
  WhereNode
} from '$lib/engine/model';
import { literalFromText, printNumber } from '$lib/engine/operators';
import type { DataSchema, FieldDef, ValueType } from '$lib/engine/schema';
import type { Unit } from '$lib/engine/time';

/** What the user typed into one input, and the literal it stands for (null: not a valid value yet). */
export interface Draft {
  readonly text: string;
  readonly literal: Literal | null;
  /** Why `literal` is null. */
  readonly error: string | null;
}

export interface GroupItem<C> {
  readonly kind: 'group';
  readonly id: string;
  /** `all`: AND, `any`: OR. */
  readonly match: 'all' | 'any';
  /** NOT around the group: "not all of" / "none of". */
  readonly negated: boolean;
  readonly children: readonly C[];
}

/** A customer attribute, or an event property inside a performed predicate's filter. */
export interface ConditionItem {
  readonly kind: 'condition';
  readonly id: string;
  readonly field: string;
  /** The field's type in the data (inferred from the rule when the data does not have the field). */
  readonly type: ValueType;
  readonly op: Operator;
  /** One draft per value the operator takes; `within last` has the amount here and `unit` below. */
  readonly values: readonly Draft[];
  readonly unit?: Unit;
}

export type WindowDraft =
  | { readonly kind: 'all' }
  | { readonly kind: 'last'; readonly amount: Draft; readonly unit: Unit }
  | { readonly kind: 'since'; readonly from: Draft }
  | { readonly kind: 'before'; readonly to: Draft }
  | { readonly kind: 'between'; readonly from: Draft; readonly to: Draft };

export type WindowKind = WindowDraft['kind'];

export interface EventItem {
  readonly kind: 'event';
  readonly id: string;
  /** `not performed`. */
  readonly negated: boolean;
  readonly event: string;
  /** Conditions on the event's properties (null or empty: none). */
  readonly where: WhereGroup | null;
  readonly count: { readonly op: CountOp; readonly n: Draft } | null;
  readonly aggregate: {
    readonly fn: AggregateFn;
    readonly property: string;
    readonly op: CompareOp;
    readonly value: Draft;
  } | null;
  readonly window: WindowDraft;
  /** "Only customers who existed for the whole window" (not performed, with a window). */
  readonly existedForWindow: boolean;
}

export interface SegmentItem {
  readonly kind: 'segment';
  readonly id: string;
  readonly negated: boolean;
  readonly segment: string;
}

export type RuleItem = RuleGroup | ConditionItem | EventItem | SegmentItem;
export type RuleGroup = GroupItem<RuleItem>;
export type WhereItem = WhereGroup | ConditionItem;
export type WhereGroup = GroupItem<WhereItem>;
/** Any node of a builder tree (rule or filter). */
export type BuilderNode = RuleItem | WhereItem;

/** An input that cannot become part of the rule yet, with the sentence to show next to it. */
export interface Problem {
  readonly id: string;
  /** Which input of the node: `value-0`, `count`, `aggregate`, `window-from`, `event`, `group`, … */
  readonly input: string;
  readonly message: string;
}

let counter = 0;
/** A fresh node id (unique within the page; ids only key the UI, they never reach the AST). */
export const newId = (): string => `n${++counter}`;

// ---------------------------------------------------------------------------------------------
// Drafts

/** The text an input shows for a literal (no quotes: inputs hold raw values). */
export function literalText(lit: Literal): string {
  switch (lit.kind) {
    case 'string':
      return lit.value;
    case 'number':
      return printNumber(lit.value);
    case 'boolean':
      return lit.value ? 'true' : 'false';
    case 'date':
      return lit.text;
    case 'relative':
      return `${printNumber(lit.amount)} ${lit.unit} ago`;
  }
}

export const draftOf = (lit: Literal): Draft => ({
  text: literalText(lit),
  literal: lit,
  error: null
});

const numberDraftOf = (n: number): Draft => draftOf({ kind: 'number', value: n });

/** Reads what the user typed for a value of `type`, as the query language would. */
export function draftFrom(type: ValueType, text: string): Draft {
  if (type === 'string' && text === '') return { text, literal: null, error: 'Enter a value.' };
  if (text.trim() === '' && type !== 'string') {
    return { text, literal: null, error: 'Enter a value.' };
  }
  const r = literalFromText(type, text);
  return r.ok
    ? { text, literal: r.value, error: null }
    : { text, literal: null, error: r.issues[0]?.message ?? 'Not a valid value.' };
}

/** A whole number, 0 or more (event counts). */
export function countDraft(text: string): Draft {
  const d = draftFrom('number', text);
  if (
    d.literal?.kind === 'number' &&
    !(Number.isInteger(d.literal.value) && d.literal.value >= 0)
  ) {
    return { text, literal: null, error: 'A count must be a whole number, 0 or more.' };
  }
  return d;
}

/** A number more than 0 (durations). */
export function amountDraft(text: string): Draft {
  const d = draftFrom('number', text);
  if (d.literal?.kind === 'number' && !(d.literal.value > 0)) {
    return { text, literal: null, error: 'A duration must be more than 0.' };
  }
  return d;
}

/** A date, a date-time or `N units ago` (event windows). */
export const instantDraft = (text: string): Draft => draftFrom('date', text);

// ---------------------------------------------------------------------------------------------
// Types and defaults

const fieldMap = (fields: readonly FieldDef[]): Map<string, FieldDef> =>
  new Map(fields.map((f) => [f.key, f]));

const eventKey = (name: string): string => name.trim().toLowerCase();

/** The properties the data knows for an event (case-insensitive, as the engine matches names). */
export function eventProperties(schema: DataSchema, event: string): readonly FieldDef[] {
  const key = eventKey(event);
  return schema.events.find((e) => eventKey(e.name) === key)?.properties ?? [];
}

/** The type a condition's field has when the data does not say: read from its operator and values. */
export function inferType(c: Pick<ConditionNode, 'op' | 'values'>): ValueType {
  switch (c.op) {
    case 'within last':
    case 'before':
    case 'after':
      return 'date';
    case 'contains':
    case 'starts with':
    case 'ends with':
      return 'string';
  }
  const lit = c.values[0];
  if (!lit) return 'string';
  switch (lit.kind) {
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
    case 'relative':
      return 'date';
    case 'string':
      return 'string';
  }
}

// ---------------------------------------------------------------------------------------------
// AST → tree

export function conditionFromAst(c: ConditionNode, fields: readonly FieldDef[]): ConditionItem {
  const type = fieldMap(fields).get(c.field)?.type ?? inferType(c);
  return {
    kind: 'condition',
    id: newId(),
    field: c.field,
    type,
    op: c.op,
    values: c.values.map(draftOf),
    ...(c.unit ? { unit: c.unit } : {})
  };
}

const group = <C>(
  match: 'all' | 'any',
  negated: boolean,
  children: readonly C[]
): GroupItem<C> => ({
  kind: 'group',
  id: newId(),
  match,
  negated,
  children
});

function whereItemFromAst(w: WhereNode, props: readonly FieldDef[]): WhereItem {
  switch (w.type) {
    case 'condition':
      return conditionFromAst(w, props);
    case 'and':
    case 'or':
      return group(
        w.type === 'and' ? 'all' : 'any',
        false,
        w.children.map((c) => whereItemFromAst(c, props))
      );
    case 'not':
      if (w.child.type === 'and' || w.child.type === 'or') {
        return { ...(whereItemFromAst(w.child, props) as WhereGroup), negated: true };
      }
      return group('all', true, [whereItemFromAst(w.child, props)]);
  }
}

/** The filter of a performed predicate as a group (a single condition becomes a group of one). */
export function whereFromAst(w: WhereNode, props: readonly FieldDef[]): WhereGroup {
  const item = whereItemFromAst(w, props);
  return item.kind === 'group' ? item : group('all', false, [item]);
}

function windowFromAst(w: TimeWindow | undefined): WindowDraft {
  if (!w) return { kind: 'all' };
  switch (w.kind) {
    case 'last':
      return { kind: 'last', amount: numberDraftOf(w.amount), unit: w.unit };
    case 'since':
      return { kind: 'since', from: draftOf(w.from) };
    case 'before':
      return { kind: 'before', to: draftOf(w.to) };
    case 'between':
      return { kind: 'between', from: draftOf(w.from), to: draftOf(w.to) };
  }
}

export function eventFromAst(p: PerformedNode, negated: boolean, schema: DataSchema): EventItem {
  const props = eventProperties(schema, p.event);
  return {
    kind: 'event',
    id: newId(),
    negated,
    event: p.event,
    where: p.where ? whereFromAst(p.where, props) : null,
    count: p.count ? { op: p.count.op, n: numberDraftOf(p.count.n) } : null,
    aggregate: p.aggregate
      ? {
          fn: p.aggregate.fn,
          property: p.aggregate.property,
          op: p.aggregate.op,
          value: numberDraftOf(p.aggregate.value)
        }
      : null,
    window: windowFromAst(p.window),
    existedForWindow: p.existedForWindow === true
  };
}

function ruleItemFromAst(n: RuleNode, schema: DataSchema): RuleItem {
  switch (n.type) {
    case 'condition':
      return conditionFromAst(n, schema.attributes);
    case 'performed':
      return eventFromAst(n, false, schema);
    case 'in-segment':
      return { kind: 'segment', id: newId(), negated: false, segment: n.segment };
    case 'and':
    case 'or':
      return group(
        n.type === 'and' ? 'all' : 'any',
        false,
        n.children.map((c) => ruleItemFromAst(c, schema))
      );
    case 'not': {
      const c = n.child;
      if (c.type === 'performed') return eventFromAst(c, true, schema);
      if (c.type === 'in-segment') {
        return { kind: 'segment', id: newId(), negated: true, segment: c.segment };
      }
      if (c.type === 'and' || c.type === 'or') {
        return { ...(ruleItemFromAst(c, schema) as RuleGroup), negated: true };
      }
      return group('all', true, [ruleItemFromAst(c, schema)]);
    }
  }
}

/** The builder's tree for a rule: always a group at the top. */
export function treeFromAst(ast: SegmentAst | RuleNode, schema: DataSchema): RuleGroup {
  const item = ruleItemFromAst('v' in ast ? ast.root : ast, schema);
  return item.kind === 'group' ? item : group('all', false, [item]);
}

/** An empty rule, ready for a first predicate. */
export const emptyTree = (): RuleGroup => group('all', false, []);

// ---------------------------------------------------------------------------------------------
// Tree → AST

class Collector {
  readonly problems: Problem[] = [];
  add(id: string, input: string, message: string): void {
    this.problems.push({ id, input, message });
  }
  /** The draft's literal, or a problem. */
  literal(id: string, input: string, d: Draft): Literal | null {
    if (d.literal) return d.literal;
    this.add(id, input, d.error ?? 'Enter a value.');
    return null;
  }
  number(id: string, input: string, d: Draft): number | null {
    const lit = this.literal(id, input, d);
    if (lit && lit.kind !== 'number') {
      this.add(id, input, 'Enter a number.');
      return null;
    }
    return lit ? lit.value : null;
  }
}

const ARITY_COUNT: Readonly<Record<string, [number, number]>> = {
  none: [0, 0],
  one: [1, 1],
  list: [1, Infinity],
  range: [2, 2],
  duration: [1, 1]
};

function arityOf(op: Operator): keyof typeof ARITY_COUNT {
  switch (op) {
    case 'is set':
    case 'is not set':
      return 'none';
    case 'in':
    case 'not in':
      return 'list';
    case 'between':
      return 'range';
    case 'within last':
      return 'duration';
    default:
      return 'one';
  }
}

function conditionToAst(c: ConditionItem, out: Collector): ConditionNode | null {
  if (c.field.trim() === '') {
    out.add(c.id, 'field', 'Pick an attribute.');
    return null;
  }
  const [min, max] = ARITY_COUNT[arityOf(c.op)];
  if (c.values.length < min || c.values.length > max) {
    out.add(c.id, 'values', min === max ? `Give ${min} value(s).` : 'Give at least one value.');
    return null;
  }
  const values: Literal[] = [];
  let complete = true;
  c.values.forEach((d, i) => {
    const lit = out.literal(c.id, `value-${i}`, d);
    if (lit) values.push(lit);
    else complete = false;
  });
  if (c.op === 'within last' && !c.unit) {
    out.add(c.id, 'unit', 'Pick a unit.');
    complete = false;
  }
  if (!complete) return null;
  return {
    type: 'condition',
    field: c.field,
    op: c.op,
    values,
    ...(c.op === 'within last' && c.unit ? { unit: c.unit } : {})
  };
}

function groupToAst<C, N>(
  g: GroupItem<C>,
  out: Collector,
  child: (c: C) => N | null,
  make: (type: 'and' | 'or', children: N[]) => N,
  not: (n: N) => N
): N | null {
  if (g.children.length === 0) {
    out.add(g.id, 'group', 'This group is empty: add a condition or remove the group.');
    return null;
  }
  const children: N[] = [];
  let complete = true;
  for (const c of g.children) {
    const n = child(c);
    if (n === null) complete = false;
    else children.push(n);
  }
  if (!complete) return null;
  const inner =
    children.length === 1 ? children[0] : make(g.match === 'all' ? 'and' : 'or', children);
  return g.negated ? not(inner) : inner;
}

function whereToAst(w: WhereItem, out: Collector): WhereNode | null {
  if (w.kind === 'condition') return conditionToAst(w, out);
  return groupToAst<WhereItem, WhereNode>(
    w,
    out,
    (c) => whereToAst(c, out),
    (type, children) => ({ type, children }),
    (child) => ({ type: 'not', child })
  );
}

function windowToAst(e: EventItem, out: Collector): TimeWindow | null | undefined {
  const w = e.window;
  switch (w.kind) {
    case 'all':
      return undefined;
    case 'last': {
      const amount = out.number(e.id, 'window-amount', w.amount);
      return amount === null ? null : { kind: 'last', amount, unit: w.unit };
    }
    case 'since': {
      const from = out.literal(e.id, 'window-from', w.from);
      return from ? { kind: 'since', from } : null;
    }
    case 'before': {
      const to = out.literal(e.id, 'window-to', w.to);
      return to ? { kind: 'before', to } : null;
    }
    case 'between': {
      const from = out.literal(e.id, 'window-from', w.from);
      const to = out.literal(e.id, 'window-to', w.to);
      return from && to ? { kind: 'between', from, to } : null;
    }
  }
}

function eventToAst(e: EventItem, out: Collector): RuleNode | null {
  let complete = true;
  if (e.event.trim() === '') {
    out.add(e.id, 'event', 'Pick an event.');
    complete = false;
  }
  let where: WhereNode | undefined;
  if (e.where && e.where.children.length > 0) {
    const w = whereToAst(e.where, out);
    if (w === null) complete = false;
    else where = w;
  }
  let count: PerformedNode['count'];
  if (e.count) {
    const n = out.number(e.id, 'count', e.count.n);
    if (n === null) complete = false;
    else count = { op: e.count.op, n };
  }
  let aggregate: PerformedNode['aggregate'];
  if (e.aggregate) {
    const a = e.aggregate;
    if (a.property.trim() === '') {
      out.add(e.id, 'aggregate-property', 'Pick a number property.');
      complete = false;
    }
    const value = out.number(e.id, 'aggregate', a.value);
    if (value === null) complete = false;
    else aggregate = { fn: a.fn, property: a.property, op: a.op, value };
  }
  const window = windowToAst(e, out);
  if (window === null) complete = false;
  if (!complete) return null;
  const node: PerformedNode = {
    type: 'performed',
    event: e.event,
    ...(where ? { where } : {}),
    ...(count ? { count } : {}),
    ...(aggregate ? { aggregate } : {}),
    ...(window ? { window } : {}),
    ...(e.existedForWindow ? { existedForWindow: true } : {})
  };
  return e.negated ? { type: 'not', child: node } : node;
}

function ruleToAst(n: RuleItem, out: Collector): RuleNode | null {
  switch (n.kind) {
    case 'condition':
      return conditionToAst(n, out);
    case 'event':
      return eventToAst(n, out);
    case 'segment': {
      if (n.segment.trim() === '') {
        out.add(n.id, 'segment', 'Pick a segment.');
        return null;
      }
      const node: RuleNode = { type: 'in-segment', segment: n.segment };
      return n.negated ? { type: 'not', child: node } : node;
    }
    case 'group':
      return groupToAst<RuleItem, RuleNode>(
        n,
        out,
        (c) => ruleToAst(c, out),
        (type, children) => ({ type, children }),
        (child) => ({ type: 'not', child })
      );
  }
}

export type TreeResult =
  | { readonly ok: true; readonly ast: SegmentAst }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** The rule the tree stands for, or every input that keeps it from being one. */
export function treeToAst(root: RuleGroup): TreeResult {
  const out = new Collector();
  if (root.children.length === 0) {
    out.add(root.id, 'group', 'Add a condition to start the rule.');
    return { ok: false, problems: out.problems };
  }
  const node = ruleToAst(root, out);
  return node && out.problems.length === 0
    ? { ok: true, ast: { v: 1, root: node } }
    : { ok: false, problems: out.problems };
}

/** Problems of the tree by node id, for showing each next to its input. */
export function problemsById(problems: readonly Problem[]): Map<string, Problem[]> {
  const map = new Map<string, Problem[]>();
  for (const p of problems) map.set(p.id, [...(map.get(p.id) ?? []), p]);
  return map;
}
