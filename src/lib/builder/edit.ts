// Edits of the builder tree as pure functions (each returns a new tree): new predicates with sensible
// defaults per type (operators always from the engine's registry), field/operator/value changes, and
// adding, removing and moving nodes anywhere in the tree (event filters included).
import type { AggregateFn, CompareOp, CountOp, Operator } from '$lib/engine/model';
import { allowsOperator, operatorSpec, operatorsFor } from '$lib/engine/operators';
import type { DataSchema, FieldDef, ValueType } from '$lib/engine/schema';
import type { Unit } from '$lib/engine/time';
import {
  amountDraft,
  countDraft,
  draftFrom,
  draftOf,
  eventProperties,
  instantDraft,
  newId,
  type BuilderNode,
  type ConditionItem,
  type Draft,
  type EventItem,
  type GroupItem,
  type RuleGroup,
  type SegmentItem,
  type WhereGroup,
  type WindowDraft,
  type WindowKind
} from './tree';

/** The operator a new condition on a field of this type starts with (must be in the registry). */
const PREFERRED_OP: Readonly<Record<ValueType, Operator>> = {
  number: '>',
  string: '=',
  boolean: '=',
  date: 'within last'
};

export function defaultOperator(type: ValueType): Operator {
  const preferred = PREFERRED_OP[type];
  return allowsOperator(type, preferred) ? preferred : operatorsFor(type)[0].op;
}

const emptyDraft = (type: ValueType): Draft => draftFrom(type, '');

/** A starting value for one input of a field of `type`. */
function defaultValue(type: ValueType): Draft {
  switch (type) {
    case 'number':
      return draftOf({ kind: 'number', value: 0 });
    case 'boolean':
      return draftOf({ kind: 'boolean', value: true });
    case 'date':
      return draftOf({ kind: 'relative', amount: 30, unit: 'days' });
    case 'string':
      return emptyDraft('string');
  }
}

/** Values (and unit) fitting `op` on a field of `type`, keeping what still fits of `previous`. */
function valuesFor(
  type: ValueType,
  op: Operator,
  previous: readonly Draft[] = []
): Pick<ConditionItem, 'values' | 'unit'> {
  const keep = previous.filter((d) => d.literal !== null || d.text !== '');
  switch (operatorSpec(op).arity) {
    case 'none':
      return { values: [] };
    case 'one':
      return { values: [keep[0] ?? defaultValue(type)] };
    case 'list':
      return { values: keep.length > 0 ? keep : [defaultValue(type)] };
    case 'range':
      return { values: [keep[0] ?? defaultValue(type), keep[1] ?? defaultValue(type)] };
    case 'duration':
      return { values: [draftOf({ kind: 'number', value: 30 })], unit: 'days' };
  }
}

/** A new condition on `def` (the first field when none is given). */
export function newCondition(fields: readonly FieldDef[], def?: FieldDef): ConditionItem {
  const field = def ?? fields[0];
  const type = field?.type ?? 'string';
  const op = defaultOperator(type);
  return {
    kind: 'condition',
    id: newId(),
    field: field?.key ?? '',
    type,
    op,
    ...valuesFor(type, op)
  };
}

/** A new performed / not performed predicate on the most common event (the first of the list). */
export function newEvent(schema: DataSchema, negated: boolean): EventItem {
  return {
    kind: 'event',
    id: newId(),
    negated,
    event: schema.events[0]?.name ?? '',
    where: null,
    count: null,
    aggregate: null,
    // "Did not do X" almost always means "lately"; "did X" usually means "ever".
    window: negated ? { kind: 'last', amount: amountDraft('30'), unit: 'days' } : { kind: 'all' },
    existedForWindow: false
  };
}

export function newSegmentItem(segments: readonly string[], negated = false): SegmentItem {
  return { kind: 'segment', id: newId(), negated, segment: segments[0] ?? '' };
}

export function newGroup<C>(first: C): GroupItem<C> {
  return { kind: 'group', id: newId(), match: 'all', negated: false, children: [first] };
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** Picks another field: the operator and values stay when the type does, else start over. */
export function setField(c: ConditionItem, def: FieldDef): ConditionItem {
  if (def.type === c.type) return { ...c, field: def.key };
  const op = defaultOperator(def.type);
  const { unit: _unit, ...rest } = c;
  return { ...rest, field: def.key, type: def.type, op, ...valuesFor(def.type, op) };
}

/** Picks another operator (one the field's type allows), reshaping the values to its arity. */
export function setOperator(c: ConditionItem, op: Operator): ConditionItem {
  if (!allowsOperator(c.type, op) || op === c.op) return c;
  const wasDuration = operatorSpec(c.op).arity === 'duration';
  const { unit: _unit, ...rest } = c;
  const shaped = valuesFor(c.type, op, wasDuration ? [] : c.values);
  return { ...rest, op, ...shaped };
}

export function setValue(c: ConditionItem, index: number, text: string): ConditionItem {
  const draft = c.op === 'within last' ? amountDraft(text) : draftFrom(c.type, text);
  return { ...c, values: c.values.map((d, i) => (i === index ? draft : d)) };
}

export function addValue(c: ConditionItem): ConditionItem {
  if (operatorSpec(c.op).arity !== 'list') return c;
  return { ...c, values: [...c.values, emptyDraft(c.type)] };
}

export function removeValue(c: ConditionItem, index: number): ConditionItem {
  if (operatorSpec(c.op).arity !== 'list' || c.values.length <= 1) return c;
  return { ...c, values: c.values.filter((_, i) => i !== index) };
}

export const setUnit = (c: ConditionItem, unit: Unit): ConditionItem => ({ ...c, unit });

// ---------------------------------------------------------------------------------------------
// Events

/** Picks another event; property conditions keep their fields, re-typed where the event says. */
export function setEvent(e: EventItem, name: string, schema: DataSchema): EventItem {
  const props = new Map(eventProperties(schema, name).map((p) => [p.key, p]));
  const retype = (w: WhereGroup): WhereGroup => ({
    ...w,
    children: w.children.map((c) => {
      if (c.kind === 'group') return retype(c);
      const def = props.get(c.field);
      return def ? setField(c, def) : c;
    })
  });
  return { ...e, event: name, where: e.where ? retype(e.where) : null };
}

export function setNegated<T extends EventItem | SegmentItem>(item: T, negated: boolean): T {
  // The "existed for the whole window" option only means something for `not performed`.
  return item.kind === 'event'
    ? { ...item, negated, existedForWindow: negated && item.existedForWindow }
    : { ...item, negated };
}

export function setCount(e: EventItem, op: CountOp | null, text?: string): EventItem {
  if (op === null) return { ...e, count: null };
  return { ...e, count: { op, n: countDraft(text ?? e.count?.n.text ?? '1') } };
}

export function setAggregate(
  e: EventItem,
  change: null | Partial<{ fn: AggregateFn; property: string; op: CompareOp; text: string }>,
  props: readonly FieldDef[] = []
): EventItem {
  if (change === null) return { ...e, aggregate: null };
  const current = e.aggregate ?? {
    fn: 'sum' as AggregateFn,
    property: props.find((p) => p.type === 'number')?.key ?? '',
    op: '>' as CompareOp,
    value: draftFrom('number', '0')
  };
  return {
    ...e,
    aggregate: {
      fn: change.fn ?? current.fn,
      property: change.property ?? current.property,
      op: change.op ?? current.op,
      value: change.text === undefined ? current.value : draftFrom('number', change.text)
    }
  };
}

/** Switches the kind of time window, carrying over the dates that still apply. */
export function setWindowKind(e: EventItem, kind: WindowKind): EventItem {
  const w = e.window;
  if (w.kind === kind) return e;
  const from = w.kind === 'since' || w.kind === 'between' ? w.from : undefined;
  const to = w.kind === 'before' || w.kind === 'between' ? w.to : undefined;
  const someDate = from ?? to ?? instantDraft('');
  let window: WindowDraft;
  switch (kind) {
    case 'all':
      window = { kind: 'all' };
      break;
    case 'last':
      window = { kind: 'last', amount: amountDraft('30'), unit: 'days' };
      break;
    case 'since':
      window = { kind: 'since', from: someDate };
      break;
    case 'before':
      window = { kind: 'before', to: to ?? someDate };
      break;
    case 'between':
      window = { kind: 'between', from: from ?? instantDraft(''), to: to ?? instantDraft('') };
      break;
  }
  return { ...e, window, existedForWindow: kind !== 'all' && e.existedForWindow };
}

export function setWindowPart(
  e: EventItem,
  part: 'amount' | 'unit' | 'from' | 'to',
  text: string
): EventItem {
  const w = e.window;
  if (w.kind === 'last' && part === 'amount') {
    return { ...e, window: { ...w, amount: amountDraft(text) } };
  }
  if (w.kind === 'last' && part === 'unit') return { ...e, window: { ...w, unit: text as Unit } };
  if ((w.kind === 'since' || w.kind === 'between') && part === 'from') {
    return { ...e, window: { ...w, from: instantDraft(text) } };
  }
  if ((w.kind === 'before' || w.kind === 'between') && part === 'to') {
    return { ...e, window: { ...w, to: instantDraft(text) } };
  }
  return e;
}

export function setExistedForWindow(e: EventItem, on: boolean): EventItem {
  return { ...e, existedForWindow: on && e.negated && e.window.kind !== 'all' };
}

// ---------------------------------------------------------------------------------------------
// The tree

function mapNode(
  node: BuilderNode,
  fn: (n: BuilderNode) => BuilderNode | null
): BuilderNode | null {
  const self = fn(node);
  if (self === null || self !== node) return self;
  if (node.kind === 'group') {
    let changed = false;
    const children: BuilderNode[] = [];
    for (const c of node.children) {
      const next = mapNode(c, fn);
      if (next !== c) changed = true;
      if (next !== null) children.push(next);
    }
    return changed ? ({ ...node, children } as BuilderNode) : node;
  }
  if (node.kind === 'event' && node.where) {
    const where = mapNode(node.where, fn) as WhereGroup | null;
    if (where !== node.where) return { ...node, where };
  }
  return node;
}

/** Replaces the node with id `id` by `update(node)` (the same tree when there is none). */
export function updateNode<T extends BuilderNode>(
  root: RuleGroup,
  id: string,
  update: (node: T) => BuilderNode
): RuleGroup {
  return mapNode(root, (n) => (n.id === id ? update(n as T) : n)) as RuleGroup;
}

/** Removes a node (the top group stays, possibly empty). */
export function removeNode(root: RuleGroup, id: string): RuleGroup {
  if (root.id === id) return { ...root, children: [] };
  return mapNode(root, (n) => (n.id === id ? null : n)) as RuleGroup;
}

/** Appends `child` to the group with id `groupId`. */
export function addChild(root: RuleGroup, groupId: string, child: BuilderNode): RuleGroup {
  return updateNode<GroupItem<BuilderNode>>(root, groupId, (g) => ({
    ...g,
    children: [...g.children, child]
  }));
}

/** Moves a node one place up (-1) or down (+1) among its siblings. */
export function moveNode(root: RuleGroup, id: string, delta: -1 | 1): RuleGroup {
  return mapNode(root, (n) => {
    if (n.kind !== 'group') return n;
    const i = n.children.findIndex((c) => c.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= n.children.length) return n;
    const children = [...n.children];
    [children[i], children[j]] = [children[j], children[i]];
    return { ...n, children } as BuilderNode;
  }) as RuleGroup;
}

/** The node with id `id`, if any. */
export function findNode(root: BuilderNode, id: string): BuilderNode | undefined {
  if (root.id === id) return root;
  if (root.kind === 'group') {
    for (const c of root.children) {
      const found = findNode(c, id);
      if (found) return found;
    }
  }
  if (root.kind === 'event' && root.where) return findNode(root.where, id);
  return undefined;
}

/** Wraps a node in a new group of its own (to combine it with others as "any of"). */
export function wrapInGroup(root: RuleGroup, id: string): RuleGroup {
  return updateNode(root, id, (n) => newGroup(n) as BuilderNode);
}
