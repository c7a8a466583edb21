// AST to canonical query text: keywords AND/OR/NOT upper case, the rest lower case, clauses in a fixed
// order, parentheses only where precedence needs them, so parse(print(ast)) gives the AST back.
import type {
  ConditionNode,
  PerformedNode,
  RuleNode,
  SegmentAst,
  TimeWindow,
  WhereNode
} from './model';
import { RESERVED_WORDS } from './model';
import { printLiteral, printNumber } from './operators';

const KEYWORDS = new Set(RESERVED_WORDS);

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A name printed bare when it reads back as the same word, quoted otherwise. */
const name = (s: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s.toLowerCase()) ? s : quote(s);

const unitText = (amount: number, unit: string): string =>
  `${printNumber(amount)} ${amount === 1 ? unit.slice(0, -1) : unit}`;

export function printCondition(c: ConditionNode): string {
  const v = c.values;
  switch (c.op) {
    case 'is set':
    case 'is not set':
      return `${c.field} ${c.op}`;
    case 'in':
    case 'not in':
      return `${c.field} ${c.op} (${v.map(printLiteral).join(', ')})`;
    case 'between':
      return `${c.field} between ${printLiteral(v[0])} and ${printLiteral(v[1])}`;
    case 'within last': {
      const amount = v[0]?.kind === 'number' ? v[0].value : NaN;
      return `${c.field} within last ${unitText(amount, c.unit ?? 'days')}`;
    }
    default:
      return `${c.field} ${c.op} ${printLiteral(v[0])}`;
  }
}

function printWindow(w: TimeWindow): string {
  switch (w.kind) {
    case 'last':
      return `in last ${unitText(w.amount, w.unit)}`;
    case 'since':
      return `since ${printLiteral(w.from)}`;
    case 'before':
      return `before ${printLiteral(w.to)}`;
    case 'between':
      return `between ${printLiteral(w.from)} and ${printLiteral(w.to)}`;
  }
}

function printWhere(w: WhereNode, top: boolean): string {
  switch (w.type) {
    case 'condition':
      return printCondition(w);
    case 'not':
      return `NOT ${printWhere(w.child, false)}`;
    case 'and':
    case 'or': {
      const sep = w.type === 'and' ? ' AND ' : ' OR ';
      // Children of the same kind keep their own parentheses so the tree shape survives a round trip.
      const inner = w.children
        .map((c) =>
          c.type === 'and' || c.type === 'or' ? `(${printWhere(c, true)})` : printWhere(c, false)
        )
        .join(sep);
      return top ? inner : `(${inner})`;
    }
  }
}

export function printPerformed(p: PerformedNode): string {
  const parts = [`performed ${name(p.event)}`];
  if (p.where) {
    const w = p.where;
    parts.push(
      w.type === 'condition' ? `where ${printCondition(w)}` : `where (${printWhere(w, true)})`
    );
  }
  if (p.count)
    parts.push(`${p.count.op} ${printNumber(p.count.n)} ${p.count.n === 1 ? 'time' : 'times'}`);
  if (p.aggregate) {
    const a = p.aggregate;
    parts.push(`with ${a.fn}(${a.property}) ${a.op} ${printNumber(a.value)}`);
  }
  if (p.window) parts.push(printWindow(p.window));
  if (p.existedForWindow) parts.push('for whole window');
  return parts.join(' ');
}

function printNode(n: RuleNode, context: 'top' | 'or' | 'and' | 'not'): string {
  switch (n.type) {
    case 'condition':
      return printCondition(n);
    case 'performed':
      return printPerformed(n);
    case 'in-segment':
      return `in segment ${quote(n.segment)}`;
    case 'not':
      if (n.child.type === 'performed') return `not ${printPerformed(n.child)}`;
      if (n.child.type === 'in-segment') return `not in segment ${quote(n.child.segment)}`;
      return `NOT ${printNode(n.child, 'not')}`;
    case 'and': {
      const text = n.children.map((c) => printNode(c, 'and')).join(' AND ');
      return context === 'top' || context === 'or' ? text : `(${text})`;
    }
    case 'or': {
      const text = n.children.map((c) => printNode(c, 'or')).join(' OR ');
      return context === 'top' ? text : `(${text})`;
    }
  }
}

/** Canonical text of a segment rule. */
export function print(ast: SegmentAst | RuleNode): string {
  return printNode('v' in ast ? ast.root : ast, 'top');
}
