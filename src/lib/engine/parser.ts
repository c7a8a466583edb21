// Query text to AST (recursive descent; NOT binds tightest, then AND, then OR). Never throws: every
// problem becomes an issue with the span of the text it concerns.
import { lex, type Token } from './lexer';
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
import { AGGREGATE_FNS } from './model';
import { fail, issue, ok, type Issue, type Result, type Span } from './result';
import { unitFromWord, type Unit } from './time';

class ParseError extends Error {
  constructor(readonly found: Issue) {
    super(found.message);
  }
}

const COMPARE: readonly string[] = ['=', '!=', '>', '>=', '<', '<='];

const describe = (t: Token): string =>
  t.kind === 'eof' ? 'the end of the query' : t.kind === 'string' ? `“"${t.text}"”` : `“${t.text}”`;

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly text: string
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.text === p;
  }

  private error(code: string, message: string, span: Span, hint?: string): ParseError {
    return new ParseError(issue(code, message, { span, hint }));
  }

  private unexpected(expected: string): ParseError {
    const t = this.peek();
    if (t.kind === 'eof' && expected === '“)”') {
      return this.error('unbalanced-parenthesis', 'A “(” is never closed.', t.span, 'add “)”');
    }
    return this.error('unexpected-token', `Expected ${expected} but found ${describe(t)}.`, t.span);
  }

  private expectWord(word: string): Token {
    if (!this.isWord(word)) throw this.unexpected(`“${word}”`);
    return this.next();
  }

  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) throw this.unexpected(`“${p}”`);
    return this.next();
  }

  private spanFrom(start: number): Span {
    const prev = this.tokens[Math.max(0, this.pos - 1)];
    return { start, end: Math.max(start, prev.span.end) };
  }

  parseQuery(): RuleNode {
    if (this.peek().kind === 'eof') {
      throw this.error('empty-query', 'The query is empty.', { start: 0, end: this.text.length });
    }
    const root = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') {
      if (t.kind === 'punct' && t.text === ')') {
        throw this.error('unbalanced-parenthesis', 'This “)” has no matching “(”.', t.span);
      }
      throw this.error(
        'unexpected-token',
        `Expected AND, OR or the end of the query but found ${describe(t)}.`,
        t.span
      );
    }
    return root;
  }

  private parseOr(): RuleNode {
    const start = this.peek().span.start;
    const children = [this.parseAnd()];
    while (this.isWord('or')) {
      this.next();
      children.push(this.parseAnd());
    }
    return children.length === 1
      ? children[0]
      : { type: 'or', children, span: this.spanFrom(start) };
  }

  private parseAnd(): RuleNode {
    const start = this.peek().span.start;
    const children = [this.parseUnary()];
    while (this.isWord('and')) {
      this.next();
      children.push(this.parseUnary());
    }
    return children.length === 1
      ? children[0]
      : { type: 'and', children, span: this.spanFrom(start) };
  }

  private parseUnary(): RuleNode {
    const start = this.peek().span.start;
    if (this.isWord('not')) {
      this.next();
      const child = this.parseUnary();
      return { type: 'not', child, span: this.spanFrom(start) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): RuleNode {
    const t = this.peek();
    if (this.isPunct('(')) {
      this.next();
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (this.isWord('performed')) return this.parsePerformed();
    if (this.isWord('in') && this.isWord('segment', 1)) {
      this.next();
      this.next();
      const name = this.next();
      if (name.kind !== 'string' && name.kind !== 'word') throw this.unexpected('a segment name');
      return { type: 'in-segment', segment: name.text, span: this.spanFrom(t.span.start) };
    }
    return this.parseCondition();
  }

  private parsePerformed(): PerformedNode {
    const start = this.next().span.start;
    const ev = this.peek();
    if (ev.kind !== 'word' && ev.kind !== 'string') throw this.unexpected('an event name');
    this.next();
    let where: WhereNode | undefined;
    let count: PerformedNode['count'];
    let aggregate: PerformedNode['aggregate'];
    let window: TimeWindow | undefined;
    let existedForWindow = false;
    const seen = new Set<string>();
    const once = (clause: string, at: Token): void => {
      if (seen.has(clause)) {
        throw this.error('duplicate-clause', `The “${clause}” clause appears twice.`, at.span);
      }
      seen.add(clause);
    };
    for (;;) {
      const t = this.peek();
      if (this.isWord('where')) {
        once('where', t);
        this.next();
        if (this.isPunct('(')) {
          this.next();
          where = this.parseWhereOr();
          this.expectPunct(')');
        } else {
          where = this.parseCondition();
        }
      } else if (this.isWord('at') && (this.isWord('least', 1) || this.isWord('most', 1))) {
        once('count', t);
        this.next();
        const op: CountOp = this.next().text.toLowerCase() === 'least' ? 'at least' : 'at most';
        count = { op, n: this.parseTimes() };
      } else if (this.isWord('exactly')) {
        once('count', t);
        this.next();
        count = { op: 'exactly', n: this.parseTimes() };
      } else if (this.isWord('with')) {
        once('with', t);
        this.next();
        const fnTok = this.next();
        const fn = fnTok.text.toLowerCase();
        if (fnTok.kind !== 'word' || !(AGGREGATE_FNS as readonly string[]).includes(fn)) {
          throw this.error(
            'unexpected-token',
            `Expected sum, avg, min or max but found ${describe(fnTok)}.`,
            fnTok.span
          );
        }
        this.expectPunct('(');
        const prop = this.next();
        if (prop.kind !== 'word') {
          throw this.error(
            'unexpected-token',
            `Expected a property name but found ${describe(prop)}.`,
            prop.span
          );
        }
        this.expectPunct(')');
        const opTok = this.next();
        if (opTok.kind !== 'punct' || !COMPARE.includes(opTok.text)) {
          throw this.error(
            'unexpected-token',
            `Expected a comparison such as > but found ${describe(opTok)}.`,
            opTok.span
          );
        }
        const value = this.parseNumber();
        aggregate = {
          fn: fn as AggregateFn,
          property: prop.text,
          op: opTok.text as CompareOp,
          value,
          propertySpan: prop.span
        };
      } else if (this.isWord('in') && this.isWord('last', 1)) {
        once('time window', t);
        this.next();
        this.next();
        const { amount, unit } = this.parseDuration();
        window = { kind: 'last', amount, unit };
      } else if (this.isWord('since')) {
        once('time window', t);
        this.next();
        window = { kind: 'since', from: this.parseInstant() };
      } else if (this.isWord('before')) {
        once('time window', t);
        this.next();
        window = { kind: 'before', to: this.parseInstant() };
      } else if (this.isWord('between')) {
        once('time window', t);
        this.next();
        const from = this.parseInstant();
        this.expectWord('and');
        window = { kind: 'between', from, to: this.parseInstant() };
      } else if (this.isWord('for')) {
        once('for whole window', t);
        this.next();
        this.expectWord('whole');
        this.expectWord('window');
        existedForWindow = true;
      } else {
        break;
      }
    }
    const node: PerformedNode = {
      type: 'performed',
      event: ev.text,
      ...(where ? { where } : {}),
      ...(count ? { count } : {}),
      ...(aggregate ? { aggregate } : {}),
      ...(window ? { window } : {}),
      ...(existedForWindow ? { existedForWindow } : {}),
      span: this.spanFrom(start),
      eventSpan: ev.span
    };
    return node;
  }

  private parseTimes(): number {
    const t = this.peek();
    const n = this.parseNumber();
    if (!Number.isInteger(n) || n < 0) {
      throw this.error('bad-count', 'A count must be a whole number, 0 or more.', t.span);
    }
    if (!this.isWord('time') && !this.isWord('times')) throw this.unexpected('“times”');
    this.next();
    return n;
  }

  private parseNumber(): number {
    const t = this.peek();
    if (t.kind !== 'number') throw this.unexpected('a number');
    this.next();
    return t.value ?? NaN;
  }

  private parseDuration(): { amount: number; unit: Unit } {
    const t = this.peek();
    const amount = this.parseNumber();
    if (!(amount > 0)) throw this.error('bad-duration', 'A duration must be more than 0.', t.span);
    const u = this.peek();
    const unit = u.kind === 'word' ? unitFromWord(u.text) : undefined;
    if (!unit) {
      throw this.error(
        'bad-unit',
        `Expected hours, days, weeks or months but found ${describe(u)}.`,
        u.span
      );
    }
    this.next();
    return { amount, unit };
  }

  /** A date, a date-time, `N unit ago`, or a quoted date. */
  private parseInstant(): Literal {
    const t = this.peek();
    const lit = this.parseValue();
    if (lit.kind === 'date' || lit.kind === 'relative') return lit;
    throw this.error(
      'bad-date',
      `Expected a date such as 2026-01-31 or “30 days ago” but found ${describe(t)}.`,
      t.span
    );
  }

  private parseValue(): Literal {
    const t = this.peek();
    switch (t.kind) {
      case 'string':
        this.next();
        return { kind: 'string', value: t.text };
      case 'date':
        this.next();
        return { kind: 'date', text: t.text };
      case 'number': {
        this.next();
        const unitTok = this.peek();
        const unit = unitTok.kind === 'word' ? unitFromWord(unitTok.text) : undefined;
        if (unit) {
          this.next();
          this.expectWord('ago');
          if (!((t.value ?? NaN) >= 0))
            throw this.error('bad-duration', 'A duration cannot be negative.', t.span);
          return { kind: 'relative', amount: t.value ?? NaN, unit };
        }
        return { kind: 'number', value: t.value ?? NaN };
      }
      case 'word': {
        const w = t.text.toLowerCase();
        if (w === 'true' || w === 'false') {
          this.next();
          return { kind: 'boolean', value: w === 'true' };
        }
        break;
      }
    }
    throw this.unexpected('a value');
  }

  private parseWhereOr(): WhereNode {
    const start = this.peek().span.start;
    const children = [this.parseWhereAnd()];
    while (this.isWord('or')) {
      this.next();
      children.push(this.parseWhereAnd());
    }
    return children.length === 1
      ? children[0]
      : { type: 'or', children, span: this.spanFrom(start) };
  }

  private parseWhereAnd(): WhereNode {
    const start = this.peek().span.start;
    const children = [this.parseWhereUnary()];
    while (this.isWord('and')) {
      this.next();
      children.push(this.parseWhereUnary());
    }
    return children.length === 1
      ? children[0]
      : { type: 'and', children, span: this.spanFrom(start) };
  }

  private parseWhereUnary(): WhereNode {
    const start = this.peek().span.start;
    if (this.isWord('not')) {
      this.next();
      return { type: 'not', child: this.parseWhereUnary(), span: this.spanFrom(start) };
    }
    if (this.isPunct('(')) {
      this.next();
      const inner = this.parseWhereOr();
      this.expectPunct(')');
      return inner;
    }
    return this.parseCondition();
  }

  private parseCondition(): ConditionNode {
    const field = this.peek();
    if (field.kind !== 'word') {
      if (this.isPunct(')')) {
        throw this.error('unbalanced-parenthesis', 'This “)” has no matching “(”.', field.span);
      }
      throw this.unexpected('an attribute, “performed”, “in segment” or “(”');
    }
    this.next();
    const start = field.span.start;
    const build = (op: Operator, values: Literal[], unit?: Unit): ConditionNode => ({
      type: 'condition',
      field: field.text,
      op,
      values,
      ...(unit ? { unit } : {}),
      span: this.spanFrom(start),
      fieldSpan: field.span
    });
    const t = this.peek();
    if (t.kind === 'punct' && COMPARE.includes(t.text)) {
      this.next();
      return build(t.text as CompareOp, [this.parseValue()]);
    }
    const w = t.kind === 'word' ? t.text.toLowerCase() : '';
    switch (w) {
      case 'before':
      case 'after':
      case 'contains':
        this.next();
        return build(w, [this.parseValue()]);
      case 'starts':
      case 'ends':
        this.next();
        this.expectWord('with');
        return build(w === 'starts' ? 'starts with' : 'ends with', [this.parseValue()]);
      case 'in':
        this.next();
        return build('in', this.parseList());
      case 'not':
        this.next();
        this.expectWord('in');
        return build('not in', this.parseList());
      case 'between': {
        this.next();
        const a = this.parseValue();
        this.expectWord('and');
        return build('between', [a, this.parseValue()]);
      }
      case 'is':
        this.next();
        if (this.isWord('not')) {
          this.next();
          this.expectWord('set');
          return build('is not set', []);
        }
        this.expectWord('set');
        return build('is set', []);
      case 'within': {
        this.next();
        this.expectWord('last');
        const { amount, unit } = this.parseDuration();
        return build('within last', [{ kind: 'number', value: amount }], unit);
      }
    }
    throw this.error(
      'expected-operator',
      `Expected an operator after “${field.text}” but found ${describe(t)}.`,
      t.span,
      'operators: = != > >= < <= in, not in, contains, starts with, ends with, between, is set, within last'
    );
  }

  private parseList(): Literal[] {
    this.expectPunct('(');
    const values = [this.parseValue()];
    while (this.isPunct(',')) {
      this.next();
      values.push(this.parseValue());
    }
    this.expectPunct(')');
    return values;
  }
}

/** Parses query text into a segment AST, or the issues that prevent it. */
export function parse(text: string): Result<SegmentAst> {
  try {
    const { tokens, issues } = lex(text);
    if (issues.length > 0) return fail(...issues);
    const root = new Parser(tokens, text).parseQuery();
    return ok({ v: 1, root });
  } catch (e) {
    if (e instanceof ParseError) return fail(e.found);
    // A bug must not take the UI down: report it as an issue instead.
    return fail(issue('internal-error', `The query could not be read (${String(e)}).`));
  }
}
