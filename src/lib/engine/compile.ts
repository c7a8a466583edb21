// Validates and type-checks a segment AST against the imported schema and the other segments, and
// resolves it into the tree the evaluator runs. Problems are issues with positions, never exceptions.
import { normalizeText } from './column';
import { messages } from './messages';
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
} from './model';
import { allowsOperator, literalFits, operatorsFor } from './operators';
import { parse } from './parser';
import { fail, issue, ok, type Issue, type Result, type Span } from './result';
import type { DataSchema, FieldDef, ValueType } from './schema';
import { closest } from './suggest';
import type { Unit } from './time';

/** A condition resolved against a field's type; string literals are normalized for matching. */
export interface CCondition {
  readonly kind: 'condition';
  readonly key: string;
  readonly type: ValueType;
  readonly op: Operator;
  readonly values: readonly Literal[];
  readonly unit?: Unit;
  readonly source: ConditionNode;
}

export interface CEvent {
  readonly kind: 'event';
  /** Case-insensitive event key and the name as written. */
  readonly event: string;
  readonly known: boolean;
  readonly where?: CWhere;
  readonly count: { readonly op: CountOp; readonly n: number };
  /** Whether the count was written (explain says "at least 1" only when asked). */
  readonly explicitCount: boolean;
  readonly aggregate?: {
    readonly fn: AggregateFn;
    readonly property: string;
    readonly op: CompareOp;
    readonly value: number;
  };
  readonly window?: TimeWindow;
  /**
   * `for whole window`: the node also holds for customers who did not exist for the whole window
   * (started after its start), so that under `not` they are left out. When a customer started is
   * the date attribute `attribute` when set, else their first event of any name; unknown = did not.
   */
  readonly existed?: { readonly attribute?: string };
  readonly text: string;
  readonly source: PerformedNode;
}

export type CWhere =
  | CCondition
  | { readonly kind: 'and' | 'or'; readonly children: readonly CWhere[] }
  | { readonly kind: 'not'; readonly child: CWhere };

export type CNode =
  | CCondition
  | CEvent
  | { readonly kind: 'and' | 'or'; readonly children: readonly CNode[] }
  | { readonly kind: 'not'; readonly child: CNode }
  | { readonly kind: 'segment'; readonly name: string; readonly root: CNode };

export interface CompiledSegment {
  readonly ast: SegmentAst;
  readonly root: CNode;
  /** Non-fatal findings, such as events not imported yet. */
  readonly warnings: readonly Issue[];
}

/** Another segment `in segment "Name"` may refer to: its rule as an AST or as query text. */
export interface SegmentRef {
  readonly name: string;
  readonly rule: SegmentAst | string;
}

interface Context {
  readonly schema: DataSchema;
  readonly attributes: ReadonlyMap<string, FieldDef>;
  readonly segments: ReadonlyMap<string, SegmentRef>;
  readonly errors: Issue[];
  readonly warnings: Issue[];
  /** Names of segments being compiled, outermost first, for cycle detection. */
  readonly stack: string[];
  /** The date attribute saying when a customer started (`for whole window`), if any. */
  readonly start: string | undefined;
  /** Set when the chosen start attribute is unusable (reported where the option is used). */
  readonly startProblem: string | undefined;
}

const typeWord: Record<ValueType, string> = {
  string: 'a text',
  number: 'a number',
  boolean: 'a true/false',
  date: 'a date'
};

function checkCondition(
  ctx: Context,
  c: ConditionNode,
  fields: ReadonlyMap<string, FieldDef> | undefined,
  eventName?: string
): CCondition | undefined {
  const span = c.fieldSpan ?? c.span;
  let def = fields?.get(c.field);
  if (!def && fields) {
    // Keys are snake_case; accept any casing the user typed.
    const lower = c.field.toLowerCase();
    def = [...fields.values()].find((f) => f.key.toLowerCase() === lower);
  }
  let type: ValueType;
  if (def) {
    type = def.type;
  } else if (fields) {
    const guess = closest(c.field, [...fields.keys()]);
    ctx.errors.push(
      issue(
        eventName ? 'unknown-property' : 'unknown-attribute',
        eventName
          ? messages.unknownProperty(c.field, eventName)
          : messages.unknownAttribute(c.field),
        { span, hint: guess ? messages.didYouMean(guess) : undefined }
      )
    );
    return undefined;
  } else {
    // Properties of an event never seen: type them from the literal so the rule still runs.
    type = inferType(c);
  }
  const key = def?.key ?? c.field;
  if (!allowsOperator(type, c.op)) {
    ctx.errors.push(
      issue('operator-type', messages.operatorType(c.op, type === 'string' ? 'text' : type, key), {
        span: c.span,
        hint: messages.allowedOperators(operatorsFor(type).map((s) => s.op))
      })
    );
    return undefined;
  }
  if (c.op !== 'within last') {
    for (const v of c.values) {
      if (!literalFits(type, v) || (v.kind === 'number' && Number.isNaN(v.value))) {
        ctx.errors.push(
          issue('type-mismatch', messages.typeMismatch(key, typeWord[type]), { span: c.span })
        );
        return undefined;
      }
    }
  }
  const values = c.values.map((v): Literal =>
    v.kind === 'string' && type === 'string' ? { kind: 'string', value: normalizeText(v.value) } : v
  );
  return {
    kind: 'condition',
    key,
    type,
    op: c.op,
    values,
    ...(c.unit ? { unit: c.unit } : {}),
    source: c
  };
}

function inferType(c: ConditionNode): ValueType {
  if (c.op === 'within last' || c.op === 'before' || c.op === 'after') return 'date';
  const v = c.values[0];
  if (!v) return 'string';
  if (v.kind === 'number') return 'number';
  if (v.kind === 'boolean') return 'boolean';
  if (v.kind === 'date' || v.kind === 'relative') return 'date';
  return 'string';
}

function checkWhere(
  ctx: Context,
  w: WhereNode,
  fields: ReadonlyMap<string, FieldDef> | undefined,
  eventName: string
): CWhere | undefined {
  switch (w.type) {
    case 'condition':
      return checkCondition(ctx, w, fields, eventName);
    case 'not': {
      const child = checkWhere(ctx, w.child, fields, eventName);
      return child && { kind: 'not', child };
    }
    default: {
      const children = w.children.map((c) => checkWhere(ctx, c, fields, eventName));
      return children.every((c) => c !== undefined)
        ? { kind: w.type, children: children as CWhere[] }
        : undefined;
    }
  }
}

/** `negated`: n is the direct child of a `not` (where `for whole window` means something). */
function checkNode(ctx: Context, n: RuleNode, negated = false): CNode | undefined {
  switch (n.type) {
    case 'condition':
      return checkCondition(ctx, n, ctx.attributes);
    case 'not': {
      const child = checkNode(ctx, n.child, true);
      return child && { kind: 'not', child };
    }
    case 'and':
    case 'or': {
      const children = n.children.map((c) => checkNode(ctx, c));
      return children.every((c) => c !== undefined)
        ? { kind: n.type, children: children as CNode[] }
        : undefined;
    }
    case 'performed': {
      const key = normalizeText(n.event);
      const def = ctx.schema.events.find((e) => normalizeText(e.name) === key);
      if (!def) {
        const guess = closest(
          n.event,
          ctx.schema.events.map((e) => e.name)
        );
        ctx.warnings.push(
          issue('unknown-event', messages.unknownEvent(n.event), {
            span: n.eventSpan ?? n.span,
            severity: 'warning',
            hint: guess ? messages.didYouMean(guess) : undefined
          })
        );
      }
      const fields = def ? new Map(def.properties.map((p) => [p.key, p])) : undefined;
      const errorsBefore = ctx.errors.length;
      const where = n.where ? checkWhere(ctx, n.where, fields, def?.name ?? n.event) : undefined;
      if (n.aggregate && fields) {
        const prop = fields.get(n.aggregate.property);
        const span = n.aggregate.propertySpan ?? n.span;
        if (!prop) {
          const guess = closest(n.aggregate.property, [...fields.keys()]);
          ctx.errors.push(
            issue(
              'unknown-property',
              messages.unknownProperty(n.aggregate.property, def?.name ?? n.event),
              {
                span,
                hint: guess ? messages.didYouMean(guess) : undefined
              }
            )
          );
        } else if (prop.type !== 'number') {
          ctx.errors.push(issue('not-numeric', messages.notNumeric(prop.key), { span }));
        }
      }
      if (n.existedForWindow) checkExisted(ctx, n, negated);
      if (ctx.errors.length > errorsBefore) return undefined;
      return {
        kind: 'event',
        event: key,
        known: def !== undefined,
        ...(where ? { where } : {}),
        count: n.count ?? { op: 'at least', n: 1 },
        explicitCount: n.count !== undefined,
        ...(n.aggregate
          ? {
              aggregate: {
                fn: n.aggregate.fn,
                property: n.aggregate.property,
                op: n.aggregate.op,
                value: n.aggregate.value
              }
            }
          : {}),
        ...(n.window ? { window: n.window } : {}),
        ...(n.existedForWindow ? { existed: ctx.start ? { attribute: ctx.start } : {} } : {}),
        text: def?.name ?? n.event,
        source: n
      };
    }
    case 'in-segment':
      return checkSegmentRef(ctx, n.segment, n.span);
  }
}

function checkSegmentRef(ctx: Context, name: string, span: Span | undefined): CNode | undefined {
  const key = normalizeText(name);
  const ref = ctx.segments.get(key);
  if (!ref) {
    const guess = closest(
      name,
      [...ctx.segments.values()].map((s) => s.name)
    );
    ctx.errors.push(
      issue('unknown-segment', messages.unknownSegment(name), {
        span,
        hint: guess ? messages.didYouMean(guess) : undefined
      })
    );
    return undefined;
  }
  if (ctx.stack.includes(key)) {
    const from = ctx.stack.indexOf(key);
    const names = ctx.stack.slice(from).map((k) => ctx.segments.get(k)?.name ?? k);
    ctx.errors.push(issue('segment-cycle', messages.segmentCycle([...names, ref.name]), { span }));
    return undefined;
  }
  const ast = typeof ref.rule === 'string' ? parse(ref.rule) : ok(ref.rule);
  if (!ast.ok) {
    ctx.errors.push(issue('invalid-segment', messages.invalidSegment(ref.name), { span }));
    return undefined;
  }
  // The referenced rule is checked in its own right; its positions belong to its own text, so any
  // error surfaces here, at the reference.
  const inner: Context = { ...ctx, errors: [], warnings: [], stack: [...ctx.stack, key] };
  const root = checkNode(inner, ast.value.root);
  if (!root) {
    const cycle = inner.errors.find((e) => e.code === 'segment-cycle');
    ctx.errors.push(
      cycle
        ? { ...cycle, span }
        : issue('invalid-segment', messages.invalidSegment(ref.name), { span })
    );
    return undefined;
  }
  return { kind: 'segment', name: ref.name, root };
}

function checkExisted(ctx: Context, n: PerformedNode, negated: boolean): void {
  const span = n.span;
  if (!n.window)
    ctx.errors.push(issue('existed-needs-window', messages.existedNeedsWindow(), { span }));
  else if (n.window.kind === 'before')
    ctx.errors.push(issue('existed-needs-start', messages.existedNeedsStart(), { span }));
  if (!negated) ctx.errors.push(issue('existed-needs-not', messages.existedNeedsNot(), { span }));
  if (ctx.startProblem)
    ctx.errors.push(
      issue('bad-start-attribute', messages.badStartAttribute(ctx.startProblem), { span })
    );
}

/** Date attributes that say when a customer signed up, in order of preference. */
export const START_ATTRIBUTES: readonly string[] = [
  'signup_date',
  'signed_up_at',
  'sign_up_date',
  'created_at',
  'registered_at',
  'registration_date',
  'joined_at',
  'customer_since'
];

/** The start attribute a schema offers by default: the first of START_ATTRIBUTES it has as a date. */
export function defaultStartAttribute(schema: DataSchema): string | undefined {
  for (const key of START_ATTRIBUTES) {
    if (schema.attributes.some((a) => a.key === key && a.type === 'date')) return key;
  }
  return undefined;
}

export interface CompileOptions {
  /** Segments `in segment` may name (matched case-insensitively). */
  readonly segments?: readonly SegmentRef[];
  /** The name of the segment being compiled, so a rule naming itself is a cycle. */
  readonly self?: string;
  /**
   * When a customer started to exist, for `for whole window`: the key of a date attribute (a
   * sign-up date), or null for "their first event". Customers without a value fall back to their
   * first event of any name. Default: the first of START_ATTRIBUTES the schema has as a date.
   */
  readonly startAttribute?: string | null;
}

/** Type-checks a rule against the schema and resolves segment references (inlined, cycle-checked). */
export function compile(
  ast: SegmentAst,
  schema: DataSchema,
  options: CompileOptions = {}
): Result<CompiledSegment> {
  try {
    const segments = new Map((options.segments ?? []).map((s) => [normalizeText(s.name), s]));
    const attributes = new Map(schema.attributes.map((a) => [a.key, a]));
    const start =
      options.startAttribute === undefined
        ? defaultStartAttribute(schema)
        : (options.startAttribute ?? undefined);
    const startOk = start === undefined || attributes.get(start)?.type === 'date';
    const ctx: Context = {
      schema,
      attributes,
      segments,
      errors: [],
      warnings: [],
      stack: options.self ? [normalizeText(options.self)] : [],
      start: startOk ? start : undefined,
      startProblem: startOk ? undefined : start
    };
    if (options.self && !segments.has(normalizeText(options.self))) {
      segments.set(normalizeText(options.self), { name: options.self, rule: ast });
    }
    const root = checkNode(ctx, ast.root);
    if (!root || ctx.errors.length > 0) return fail(...ctx.errors);
    return ok({ ast, root, warnings: ctx.warnings });
  } catch (e) {
    return fail(issue('internal-error', `The rule could not be checked (${String(e)}).`));
  }
}

/** Parses and compiles query text in one step. */
export function compileQuery(
  text: string,
  schema: DataSchema,
  options: CompileOptions = {}
): Result<CompiledSegment> {
  const ast = parse(text);
  return ast.ok ? compile(ast.value, schema, options) : ast;
}
