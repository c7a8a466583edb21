// Loading customers and events CSVs from disk into a ColumnarStore with the app's own CSV layer
// (sniffing, header normalisation, type inference on the first chunk, row mapping, event dedupe).
import { planColumns, type ImportKind } from '../lib/csv/columns';
import { createCustomerMapper, createEventMapper } from '../lib/csv/mapper';
import { parseCsvFile, sniffFile } from '../lib/csv/node';
import { fail, issue, ok, type Issue, type Result } from '../lib/engine/result';
import type { ColumnarStore } from '../lib/engine/store';

export interface LoadReport {
  readonly rows: number;
  readonly rejectedRows: number;
  /** Events dropped as exact duplicates of an earlier one (the importer's rule). */
  readonly duplicates: number;
  readonly warnings: readonly Issue[];
}

export interface LoadOptions {
  /** Drop events whose fingerprint was already seen, as the app's importer does. Default true. */
  readonly dedupe?: boolean;
}

/** Streams one CSV file into the store. Issues (unreadable file, unusable columns) come back as data. */
export async function loadCsv(
  store: ColumnarStore,
  path: string,
  kind: ImportKind,
  options: LoadOptions = {}
): Promise<Result<LoadReport>> {
  let sniffed;
  try {
    sniffed = await sniffFile(path);
  } catch (e) {
    return fail(issue('unreadable-file', `Cannot read ${path}: ${(e as Error).message}`));
  }
  if (!sniffed.ok) return sniffed;
  let headers: string[] = [];
  let planIssues: readonly Issue[] = [];
  let mapRows: ((rows: string[][], first: number) => { rejectedRows: number }) | undefined;
  const seen = new Set<number>();
  const dedupe = options.dedupe ?? true;
  let rows = 0;
  let rejectedRows = 0;
  let duplicates = 0;
  const summary = await parseCsvFile(path, {
    delimiter: sniffed.value.delimiter,
    encoding: sniffed.value.encoding,
    onHeader: (h) => {
      headers = h;
    },
    onRows: (chunk, first) => {
      rows += chunk.length;
      if (!mapRows && planIssues.length === 0) {
        // Types are inferred from the first chunk, as the app's import preview does.
        const plan = planColumns(headers, chunk, kind);
        if (kind === 'customers') {
          const mapper = createCustomerMapper(plan);
          if (!mapper.ok) planIssues = mapper.issues;
          else
            mapRows = (r, f) => {
              const m = mapper.value.mapCustomerRows(r, f);
              store.upsertCustomers(m.batch);
              return m;
            };
        } else {
          const mapper = createEventMapper(plan);
          if (!mapper.ok) planIssues = mapper.issues;
          else
            mapRows = (r, f) => {
              const m = mapper.value.mapEventRows(r, f);
              let batch = m.batch;
              if (dedupe) {
                const keep: number[] = [];
                m.fingerprints.forEach((fp, i) => {
                  if (seen.has(fp)) duplicates++;
                  else {
                    seen.add(fp);
                    keep.push(i);
                  }
                });
                if (keep.length < m.fingerprints.length) {
                  batch = {
                    customerIds: keep.map((i) => batch.customerIds[i]),
                    names: keep.map((i) => batch.names[i]),
                    timestamps: keep.map((i) => batch.timestamps[i]),
                    properties: batch.properties.map((p) => ({
                      def: p.def,
                      values: keep.map((i) => p.values[i])
                    }))
                  };
                }
              }
              store.addEvents(batch);
              return m;
            };
        }
      }
      if (mapRows) rejectedRows += mapRows(chunk, first).rejectedRows;
    }
  });
  if (!summary.ok) return summary;
  if (planIssues.length > 0)
    return fail(...planIssues.map((i) => ({ ...i, message: `${path}: ${i.message}` })));
  if (headers.length === 0) return fail(issue('empty-file', `${path} has no header row.`));
  const warnings =
    rejectedRows > 0
      ? [
          issue(
            'rejected-rows',
            `${path}: ${rejectedRows} row(s) could not be used and were skipped.`,
            { severity: 'warning' }
          )
        ]
      : [];
  return ok({ rows, rejectedRows, duplicates, warnings });
}
