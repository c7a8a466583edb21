// What the visual builder's components share through Svelte context: the data's names, the problems
// of the current tree, and the edits (each a pure function of the tree, see edit.ts).
import type { DataSchema } from '$lib/engine/schema';
import type { BuilderNode, Problem } from './tree';
import type { FieldRef } from './values';

export const BUILDER_CONTEXT = Symbol('rule-builder');

export interface BuilderContext {
  readonly schema: () => DataSchema;
  readonly segments: () => readonly string[];
  readonly problems: () => ReadonlyMap<string, readonly Problem[]>;
  /** Replaces node `id` by `fn(node)`. */
  update<T extends BuilderNode>(id: string, fn: (node: T) => BuilderNode): void;
  add(groupId: string, node: BuilderNode): void;
  remove(id: string, groupId: string): void;
  move(id: string, delta: -1 | 1): void;
  wrap(id: string): void;
  suggestions(field: FieldRef, typed: string): Promise<readonly string[]>;
  /** Moves keyboard focus, once the DOM has caught up, to the control marked `data-focus={key}`. */
  focus(key: string, fallback?: string): void;
}

/** The message for one input of a node, if it has a problem. */
export function problemOf(
  problems: ReadonlyMap<string, readonly Problem[]>,
  id: string,
  input: string
): string | undefined {
  return problems.get(id)?.find((p) => p.input === input)?.message;
}
