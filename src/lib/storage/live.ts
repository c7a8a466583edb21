// Read-only observation of small tables for the UI (liveQuery): it sees changes made by the worker and by
// other tabs. Anything proportional to customers or events goes through the worker instead.
import { liveQuery } from 'dexie';
import { openDb, type ExportRecord, type ImportRecord, type SegmentsDb } from './db';

let db: SegmentsDb | undefined;
const database = (): SegmentsDb => (db ??= openDb());

export function observeImports(
  onChange: (imports: ImportRecord[]) => void,
  onError: (error: unknown) => void
): () => void {
  const subscription = liveQuery(() =>
    database().imports.orderBy('startedAt').reverse().toArray()
  ).subscribe({ next: onChange, error: onError });
  return () => subscription.unsubscribe();
}

/** Fires whenever segments or their membership history change (here or in another tab). */
export function observeSegmentChanges(
  onChange: () => void,
  onError: (error: unknown) => void
): () => void {
  const subscription = liveQuery(async () => {
    const [segments, changes] = await Promise.all([
      database().segments.toArray(),
      database().membershipChanges.count()
    ]);
    return segments.map((s) => `${s.id}:${s.version}`).join() + `|${changes}`;
  }).subscribe({ next: () => onChange(), error: onError });
  return () => subscription.unsubscribe();
}

export function observeExports(
  onChange: (exports: ExportRecord[]) => void,
  onError: (error: unknown) => void
): () => void {
  const subscription = liveQuery(() =>
    database().exports.orderBy('at').reverse().toArray()
  ).subscribe({ next: onChange, error: onError });
  return () => subscription.unsubscribe();
}
