// Fitting a rule written for other data (a template) to the user's data: which attributes and events
// it names that the data does not have, which existing ones could stand in (same type, closest name
// first), and the rule with the chosen replacements.
import type { ConditionNode, RuleNode, SegmentAst } from '$lib/engine/model';
import type { DataSchema, FieldDef, ValueType } from '$lib/engine/schema';
import { editDistance } from '$lib/engine/suggest';
import { inferType } from './tree';

export interface MissingAttribute {
  readonly key: string;
  /** The type the rule uses it as. */
  readonly type: ValueType;
  /** Attributes of that type in the data, most similar name first. */
  readonly candidates: readonly FieldDef[];
}

export interface MissingEvent {
  readonly name: string;
  /** Events in the data, most similar name first. */
  readonly candidates: readonly string[];
}

export interface MissingNames {
  readonly attributes: readonly MissingAttribute[];
  readonly events: readonly MissingEvent[];
}

function walk(
  n: RuleNode,
  onCondition: (c: ConditionNode) => void,
  onEvent: (name: string) => void
): void {
  switch (n.type) {
    case 'condition':
      onCondition(n);
      return;
    case 'performed':
      onEvent(n.event);
      return;
    case 'in-segment':
      return;
    case 'not':
      walk(n.child, onCondition, onEvent);
      return;
    case 'and':
    case 'or':
      for (const c of n.children) walk(c, onCondition, onEvent);
  }
}

const bySimilarity = <T>(target: string, items: readonly T[], name: (t: T) => string): T[] =>
  [...items].sort(
    (a, b) =>
      editDistance(target.toLowerCase(), name(a).toLowerCase()) -
        editDistance(target.toLowerCase(), name(b).toLowerCase()) || name(a).localeCompare(name(b))
  );

const eventKey = (name: string): string => name.trim().toLowerCase();

/** The customer attributes and events the rule names that the data does not have. */
export function missingNames(ast: SegmentAst, schema: DataSchema): MissingNames {
  const known = new Set(schema.attributes.map((a) => a.key));
  const knownEvents = new Set(schema.events.map((e) => eventKey(e.name)));
  const attributes = new Map<string, MissingAttribute>();
  const events = new Map<string, MissingEvent>();
  walk(
    ast.root,
    (c) => {
      if (known.has(c.field) || attributes.has(c.field)) return;
      const type = inferType(c);
      const fitting = schema.attributes.filter((a) => a.type === type);
      attributes.set(c.field, {
        key: c.field,
        type,
        candidates: bySimilarity(c.field, fitting, (a) => a.key)
      });
    },
    (name) => {
      const key = eventKey(name);
      if (knownEvents.has(key) || events.has(key)) return;
      events.set(key, {
        name,
        candidates: bySimilarity(
          name,
          schema.events.map((e) => e.name),
          (e) => e
        )
      });
    }
  );
  return { attributes: [...attributes.values()], events: [...events.values()] };
}

export interface NameMapping {
  /** Old attribute key → new key. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Old event name (as written in the rule) → new event name. */
  readonly events?: Readonly<Record<string, string>>;
}

/** The rule with attributes and events replaced as mapped (customer attributes only, not properties). */
export function applyMapping(ast: SegmentAst, mapping: NameMapping): SegmentAst {
  const attrs = mapping.attributes ?? {};
  const events = new Map(
    Object.entries(mapping.events ?? {}).map(([from, to]) => [eventKey(from), to])
  );
  const rename = (n: RuleNode): RuleNode => {
    switch (n.type) {
      case 'condition': {
        const to = Object.hasOwn(attrs, n.field) ? attrs[n.field] : undefined;
        return to ? { ...n, field: to } : n;
      }
      case 'performed': {
        const to = events.get(eventKey(n.event));
        return to ? { ...n, event: to } : n;
      }
      case 'in-segment':
        return n;
      case 'not':
        return { ...n, child: rename(n.child) };
      case 'and':
      case 'or':
        return { ...n, children: n.children.map(rename) };
    }
  };
  return { ...ast, root: rename(ast.root) };
}
