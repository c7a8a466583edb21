// Suggestions for text inputs from the data: the most common values of a text column (a customer
// attribute or an event property), optionally those containing what is typed. Runs in the worker.
import type { Column } from '$lib/engine/column';

/** Which column to suggest values from. */
export type FieldRef =
  { readonly attribute: string } | { readonly event: string; readonly property: string };

/** Up to `limit` distinct values of the first `rows` rows, most frequent first (ties: A–Z). */
export function topValues(
  column: Column | undefined,
  rows: number,
  typed: string,
  limit: number
): string[] {
  if (!column || column.type !== 'string' || limit <= 0) return [];
  const counts = new Int32Array(column.dict.length);
  const codes = column.codes;
  const n = Math.min(rows, codes.length);
  for (let i = 0; i < n; i++) if (column.has(i)) counts[codes[i]]++;
  const needle = typed.trim().toLowerCase();
  const found: number[] = [];
  const seen = new Set<string>();
  for (let code = 1; code < counts.length; code++) {
    if (counts[code] === 0) continue;
    const text = column.dict[code];
    // Raw-mode columns (nearly all distinct) can hold the same text under several codes.
    if (seen.has(text)) continue;
    if (needle !== '' && !text.toLowerCase().includes(needle)) continue;
    seen.add(text);
    found.push(code);
  }
  found.sort((a, b) => counts[b] - counts[a] || column.dict[a].localeCompare(column.dict[b]));
  return found.slice(0, limit).map((code) => column.dict[code]);
}
