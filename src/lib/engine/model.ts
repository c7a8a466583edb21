// The segment rule as data (AST, version 1): what the parser produces, the printer and the visual
// builder read, storage keeps and sync ships. Spans are optional so stored ASTs need none.
import type { Span } from './result';
import type { Unit } from './time';

export const AST_VERSION = 1;

export type Literal =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** `2026-01-31` or an ISO date-time, kept as written so printing round-trips. */
  | { readonly kind: 'date'; readonly text: string }
  /** `N unit ago`. */
  | { readonly kind: 'relative'; readonly amount: number; readonly unit: Unit };

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export type Operator =
  | CompareOp
  | 'before'
  | 'after'
  | 'in'
  | 'not in'
  | 'contains'
  | 'starts with'
  | 'ends with'
  | 'between'
  | 'is set'
  | 'is not set'
  | 'within last';

/** `field op values`: a customer attribute, or an event property inside `where`. */
export interface ConditionNode {
  readonly type: 'condition';
  readonly field: string;
  readonly op: Operator;
  /** `=`: one; `in`: one or more; `between`: two; `is set`: none; `within last`: amount (number). */
  readonly values: readonly Literal[];
  /** Only for `within last`. */
  readonly unit?: Unit;
  readonly span?: Span;
  readonly fieldSpan?: Span;
}

export type CountOp = 'at least' | 'at most' | 'exactly';
export type AggregateFn = 'sum' | 'avg' | 'min' | 'max';
export const AGGREGATE_FNS: readonly AggregateFn[] = ['sum', 'avg', 'min', 'max'];

/** Words of the language: a name spelled like one is printed quoted (and the editor styles them). */
export const RESERVED_WORDS: readonly string[] = [
  'and',
  'or',
  'not',
  'performed',
  'in',
  'segment',
  'where',
  'at',
  'least',
  'most',
  'exactly',
  'with',
  'last',
  'since',
  'before',
  'after',
  'between',
  'true',
  'false',
  'is',
  'set',
  'within',
  'contains',
  'starts',
  'ends',
  'time',
  'times',
  'ago',
  'for',
  'whole',
  'window'
];

export type TimeWindow =
  | { readonly kind: 'last'; readonly amount: number; readonly unit: Unit }
  | { readonly kind: 'since'; readonly from: Literal }
  | { readonly kind: 'before'; readonly to: Literal }
  | { readonly kind: 'between'; readonly from: Literal; readonly to: Literal };

export interface PerformedNode {
  readonly type: 'performed';
  readonly event: string;
  readonly where?: WhereNode;
  readonly count?: { readonly op: CountOp; readonly n: number };
  readonly aggregate?: {
    readonly fn: AggregateFn;
    readonly property: string;
    readonly op: CompareOp;
    readonly value: number;
    readonly propertySpan?: Span;
  };
  readonly window?: TimeWindow;
  /** Only customers who existed for the whole window count (meaningful under `not`, with a window). */
  readonly existedForWindow?: boolean;
  readonly span?: Span;
  readonly eventSpan?: Span;
}

export interface InSegmentNode {
  readonly type: 'in-segment';
  readonly segment: string;
  readonly span?: Span;
}

export interface AndNode<N> {
  readonly type: 'and';
  readonly children: readonly N[];
  readonly span?: Span;
}
export interface OrNode<N> {
  readonly type: 'or';
  readonly children: readonly N[];
  readonly span?: Span;
}
export interface NotNode<N> {
  readonly type: 'not';
  readonly child: N;
  readonly span?: Span;
}

/** A rule node. `not performed E` is `not` around `performed`. */
export type RuleNode =
  | AndNode<RuleNode>
  | OrNode<RuleNode>
  | NotNode<RuleNode>
  | ConditionNode
  | PerformedNode
  | InSegmentNode;

/** The filter on an event's properties. */
export type WhereNode = AndNode<WhereNode> | OrNode<WhereNode> | NotNode<WhereNode> | ConditionNode;

export interface SegmentAst {
  readonly v: 1;
  readonly root: RuleNode;
}

const SPAN_KEYS = new Set(['span', 'fieldSpan', 'eventSpan', 'propertySpan']);

/** A copy without positions, for comparing ASTs and storing them. */
export function stripSpans<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => stripSpans(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!SPAN_KEYS.has(k) && v !== undefined) out[k] = stripSpans(v);
    }
    return out as T;
  }
  return value;
}

/**
 * `in segment "<from>"` becomes `in segment "<to>"` throughout a rule, the names compared as the
 * compiler resolves them (case and surrounding spaces aside). A rule with no such reference comes back
 * as the same node, so callers can tell whether anything changed.
 */
export function renameSegmentRefs(node: RuleNode, from: string, to: string): RuleNode {
  const key = (name: string) => name.trim().toLowerCase();
  const old = key(from);
  const rename = (n: RuleNode): RuleNode => {
    switch (n.type) {
      case 'in-segment':
        return key(n.segment) === old ? { ...n, segment: to } : n;
      case 'not': {
        const child = rename(n.child);
        return child === n.child ? n : { ...n, child };
      }
      case 'and':
      case 'or': {
        const children = n.children.map(rename);
        return children.every((c, i) => c === n.children[i]) ? n : { ...n, children };
      }
      default:
        return n;
    }
  };
  return rename(node);
}
