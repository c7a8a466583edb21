// The import pipeline, run in the engine worker: sniff and plan a file, then have it read (parsed,
// mapped and encoded in the import worker: import-reader.ts), drop duplicate events, write chunks to
// IndexedDB, and commit. Chunks are staged and applied to memory only after the commit, so neither
// storage nor memory ever holds half an import; cancelling or failing deletes what was written.
import { normalizeHeader, planColumns, type ImportPlan } from '$lib/csv/columns';
import { detectOrdersExport } from '$lib/csv/orders';
import type { RejectedRow } from '$lib/csv/report';
import { SNIFF_BYTES, sniff } from '$lib/csv/sniff';
import { fail, issue, ok, type Issue, type Result } from '$lib/engine/result';
import { EMAIL_KEY } from '$lib/engine/schema';
import type {
  CustomerChunk,
  EventChunk,
  ImportCounts,
  ImportKind,
  ImportRecord
} from '$lib/storage/db';
import {
  encodeColumn,
  isQuotaError,
  selectEventRows,
  type CustomerColumns,
  type DataRepo,
  type EventColumns
} from '$lib/storage/data-repo';
import type {
  FileInspection,
  ImportSetup,
  InspectOptions,
  ProgressCallback,
  StorageInfo
} from './api';
import type { Workspace } from './workspace';
import { FingerprintSet } from './fingerprint-set';
import { MAX_REPORTED_ROWS, withE164, type StagedPiece } from './import-stage';
import { createImportReader, type ImportReader } from './import-reader';

export { MAX_REPORTED_ROWS };
const PROGRESS_INTERVAL_MS = 100;

const ZERO_COUNTS: ImportCounts = {
  rows: 0,
  inserted: 0,
  updated: 0,
  rejected: 0,
  duplicates: 0,
  createdCustomers: 0,
  events: 0
};

export interface StorageProbe {
  estimate(): Promise<StorageInfo>;
}

/** Runs `fn` while holding a Web Lock (so other tabs can tell this import is alive). */
async function holdingLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  return locks ? locks.request(name, fn) : fn();
}

export const importLockName = (id: string): string => `segments-import:${id}`;

export class Importer {
  #controller: AbortController | null = null;

  constructor(
    private readonly repo: DataRepo,
    private readonly workspace: Workspace,
    private readonly storage: StorageProbe,
    private readonly reader: ImportReader = createImportReader()
  ) {}

  get running(): boolean {
    return this.#controller !== null;
  }

  async inspect(
    file: Blob,
    fileName: string,
    options: InspectOptions
  ): Promise<Result<FileInspection>> {
    const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
    const sniffed = sniff(head, { totalBytes: file.size });
    if (!sniffed.ok) return sniffed;
    const tooBig = await this.#quotaProblem(file.size);
    if (tooBig) return fail(tooBig);
    const { headers, sampleRows, encoding, delimiter, decimalComma } = sniffed.value;
    const orders = detectOrdersExport(headers);
    const kind: ImportKind = options.kind ?? (orders ? 'orders' : guessKind(headers));
    const base = { encoding, delimiter, defaultCountry: options.defaultCountry ?? 'IN' };
    const sample = sampleRows.slice(0, 5);
    if (kind === 'orders') {
      if (!orders)
        return fail(
          issue(
            'not-orders',
            'This file does not look like an orders export: it needs an order number, a total, an order date, and a customer email or id.'
          )
        );
      const keyBy = orders.customerId >= 0 ? 'customerId' : 'email';
      return ok({
        fileName,
        fileSize: file.size,
        setup: { ...base, kind, orders, keyBy },
        sample,
        warnings: []
      });
    }
    const aligned = this.#alignWithSchema(planColumns(headers, sampleRows, kind, { decimalComma }));
    return ok({
      fileName,
      fileSize: file.size,
      setup: { ...base, kind, plan: aligned.plan },
      sample,
      warnings: aligned.warnings
    });
  }

  async run(
    file: Blob,
    fileName: string,
    setup: ImportSetup,
    onProgress: ProgressCallback
  ): Promise<Result<ImportRecord>> {
    if (this.#controller)
      return fail(issue('import-running', 'Another import is running: wait for it or cancel it.'));
    const tooBig = await this.#quotaProblem(file.size);
    if (tooBig) return fail(tooBig);
    const controller = new AbortController();
    this.#controller = controller;
    const record: ImportRecord = {
      id: crypto.randomUUID(),
      fileName,
      fileSize: file.size,
      kind: setup.kind,
      startedAt: Date.now(),
      status: 'running',
      counts: ZERO_COUNTS,
      rejectedRows: []
    };
    try {
      return await holdingLock(importLockName(record.id), () =>
        this.#run(file, setup, record, controller.signal, onProgress)
      );
    } finally {
      this.#controller = null;
    }
  }

  cancel(): void {
    this.#controller?.abort();
  }

  async #run(
    file: Blob,
    setup: ImportSetup,
    record: ImportRecord,
    signal: AbortSignal,
    onProgress: ProgressCallback
  ): Promise<Result<ImportRecord>> {
    const staged = new Staging(this.workspace);
    const started = performance.now();
    let bytesDone = 0;
    let lastReport = 0;
    const report = (phase: 'reading' | 'saving' | 'finishing', force = false) => {
      const now = performance.now();
      if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = now;
      const seconds = (now - started) / 1000;
      const fraction = file.size > 0 ? bytesDone / file.size : 0;
      onProgress({
        phase,
        rowsDone: staged.rows,
        bytesDone,
        totalBytes: file.size,
        rowsPerSecond: seconds > 0 ? staged.rows / seconds : 0,
        etaSeconds: fraction > 0.02 && seconds > 0.5 ? (seconds * (1 - fraction)) / fraction : null
      });
    };

    let seq = 0;
    /** Time this (engine) worker spent staging pieces, as opposed to waiting for them. */
    let stagingMs = 0;
    /** Wall time of the chunk writes (IndexedDB serialisation and the write itself). */
    let writesMs = 0;
    let writing: Promise<void> = Promise.resolve();
    const write = (task: () => Promise<void>) => {
      // One write in flight while the next chunk is staged: reading, staging and storing overlap.
      const previous = writing;
      writing = previous.then(async () => {
        const t = performance.now();
        await task();
        writesMs += performance.now() - t;
      });
      return previous;
    };
    const writeCustomers = (customers: CustomerColumns) => {
      const chunk: CustomerChunk = { importId: record.id, seq: seq++, ...customers };
      return write(() => this.repo.writeCustomerChunk(chunk));
    };
    const writeEvents = (events: EventColumns) => {
      const chunk: EventChunk = { importId: record.id, seq: seq++, ...events };
      return write(() => this.repo.writeEventChunk(chunk));
    };

    try {
      await this.repo.beginImport(record);
      const parsed = await this.reader.read(
        file,
        setup,
        async (piece) => {
          let t = performance.now();
          const pause = () => (stagingMs += performance.now() - t);
          const resume = () => (t = performance.now());
          staged.countRows(piece);
          bytesDone = piece.bytesDone;
          if (piece.customers) {
            const customers = piece.e164 ? withE164(piece.customers, piece.e164) : piece.customers;
            const written = writeCustomers(staged.stageCustomers(customers));
            pause();
            await written;
            resume();
          }
          if (piece.events) {
            const { customers, events } = staged.stageEvents(piece.events);
            const written = [customers && writeCustomers(customers), events && writeEvents(events)];
            pause();
            await Promise.all(written);
            resume();
          }
          report('reading');
          pause();
        },
        signal
      );
      const readDone = performance.now();
      report('saving', true);
      await writing;
      const writesDone = performance.now();
      if (signal.aborted || (!parsed.ok && parsed.issues.some((i) => i.code === 'cancelled'))) {
        await this.repo.abandonImport(
          record,
          'cancelled',
          'Cancelled; nothing from this file was kept.'
        );
        return fail(issue('cancelled', 'The import was cancelled; nothing from it was kept.'));
      }
      if (!parsed.ok) {
        await this.repo.abandonImport(
          record,
          'failed',
          parsed.issues.map((i) => i.message).join(' ')
        );
        return parsed;
      }
      if (staged.rows === 0) {
        await this.repo.abandonImport(record, 'failed', 'The file has no data rows.');
        return fail(issue('header-only', 'The file has a header row but no data rows.'));
      }
      report('finishing', true);
      this.workspace.claim(record.id);
      const committed = await this.repo.commitImport({
        ...record,
        counts: {
          ...ZERO_COUNTS,
          rows: staged.rows,
          rejected: staged.rejectedRowCount,
          duplicates: staged.duplicates
        },
        rejectedRows: staged.rejected
      });
      const committedAt = performance.now();
      const applied = this.workspace.apply(committed, staged.customers, staged.events, staged.seen);
      const counts: ImportCounts = {
        rows: staged.rows,
        rejected: staged.rejectedRowCount,
        duplicates: staged.duplicates,
        events: applied.events,
        ...(setup.kind === 'customers'
          ? { inserted: applied.inserted, updated: applied.updated, createdCustomers: 0 }
          : {
              inserted: 0,
              updated: 0,
              // Customers first seen in this file: those created with their email, and bare ids.
              createdCustomers: applied.inserted + applied.createdCustomers
            })
      };
      const appliedAt = performance.now();
      const durations = {
        readMs: Math.round(readDone - started),
        writeWaitMs: Math.round(writesDone - readDone),
        commitMs: Math.round(committedAt - writesDone),
        applyMs: Math.round(appliedAt - committedAt),
        readerBusyMs: parsed.value.busyMs,
        stagingMs: Math.round(stagingMs),
        writesMs: Math.round(writesMs)
      };
      const final = await this.repo.finishCommitted({ ...committed, durations }, counts);
      const schema = this.workspace.schemaRecords();
      await this.repo.saveSchema(schema.attributes, schema.eventTypes);
      return ok(final);
    } catch (error) {
      this.workspace.release(record.id);
      await writing.catch(() => undefined);
      const quota = isQuotaError(error);
      const message = quota
        ? await this.#quotaMessage()
        : `The import failed: ${error instanceof Error ? error.message : String(error)}`;
      await this.repo.abandonImport(record, 'failed', message).catch(() => undefined);
      return fail(issue(quota ? 'quota-exceeded' : 'import-failed', message));
    }
  }

  /** Keeps stored types for known keys, so re-importing a file does not re-type a column by accident. */
  #alignWithSchema(plan: ImportPlan): { plan: ImportPlan; warnings: Issue[] } {
    if (plan.kind !== 'customers') return { plan, warnings: [] };
    const stored = new Map(this.workspace.store.attributes().map((a) => [a.def.key, a.def.type]));
    const warnings: Issue[] = [];
    const columns = plan.columns.map((column) => {
      const type = stored.get(column.key);
      if (column.role !== 'attribute' || type === undefined || type === column.type) return column;
      warnings.push(
        issue(
          'type-kept',
          `“${column.header}” is stored as ${type}; it looks like ${column.type} in this file. It will be imported as ${type} unless you change it.`,
          { severity: 'warning' }
        )
      );
      return { ...column, type };
    });
    return { plan: { ...plan, columns }, warnings };
  }

  async #quotaProblem(bytes: number): Promise<Issue | undefined> {
    const info = await this.storage.estimate();
    if (info.quota === null || info.usage === null) return undefined;
    const available = info.quota - info.usage;
    if (bytes <= available) return undefined;
    return issue(
      'file-too-large',
      `This file is ${formatMb(bytes)}, but this browser only lets Segments store ${formatMb(available)} more. Free some space (or split the file) and try again.`
    );
  }

  async #quotaMessage(): Promise<string> {
    const info = await this.storage.estimate().catch(() => null);
    const available =
      info && info.quota !== null && info.usage !== null
        ? ` ${formatMb(Math.max(0, info.quota - info.usage))} is available.`
        : '';
    return `The device ran out of storage space. Nothing from this file was kept and your earlier data is intact.${available}`;
  }
}

const formatMb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Customers files have no event column; anything with an event name and a time is events. */
function guessKind(headers: readonly string[]): 'customers' | 'events' {
  const keys = headers.map(normalizeHeader);
  const hasEvent = keys.some((k) => ['event', 'event_name', 'event_type'].includes(k));
  const hasTime = keys.some((k) => ['timestamp', 'occurred_at', 'event_time', 'time'].includes(k));
  return hasEvent || (hasTime && keys.includes('name')) ? 'events' : 'customers';
}

/** What an import has read so far and will apply when committed. */
class Staging {
  rows = 0;
  rejectedRowCount = 0;
  duplicates = 0;
  readonly rejected: RejectedRow[] = [];
  readonly customers: CustomerColumns[] = [];
  readonly events: EventColumns[] = [];
  /** Fingerprints of the events this import adds. */
  readonly seen = new FingerprintSet();
  /** Emails of customers this import creates (events of unknown customers keyed by email). */
  readonly #newEmails = new Set<string>();

  constructor(private readonly workspace: Workspace) {}

  countRows(piece: StagedPiece): void {
    this.rows += piece.rows;
    this.rejectedRowCount += piece.rejectedRows;
    for (const r of piece.rejected) {
      if (this.rejected.length >= MAX_REPORTED_ROWS) break;
      this.rejected.push(r);
    }
  }

  stageCustomers(customers: CustomerColumns): CustomerColumns {
    if (customers.ids.length > 0) this.customers.push(customers);
    return customers;
  }

  /**
   * Drops duplicates, resolves email keys to customer ids (a key with `@` that is not a known id is an
   * email), and stages what is left. Works on the encoded chunk: emails are resolved once per distinct
   * key, and rows are copied only when some are dropped.
   */
  stageEvents(events: EventColumns): { customers?: CustomerColumns; events?: EventColumns } {
    const fingerprints = events.fingerprints;
    const n = fingerprints.length;
    const stored = this.workspace.fingerprints;
    this.seen.reserve(n);
    let keep: Int32Array | null = null;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const f = fingerprints[i];
      if (stored.has(f) || !this.seen.add(f)) {
        if (keep === null) {
          keep = new Int32Array(n);
          for (let j = 0; j < i; j++) keep[j] = j;
        }
        this.duplicates++;
        continue;
      }
      if (keep !== null) keep[kept] = i;
      kept++;
    }
    const rows = keep === null ? null : keep.slice(0, kept);
    if (kept === 0) return {};
    const store = this.workspace.store;
    const dict = events.customerIds.dict;
    const isEmail = (key: string) => key.includes('@') && store.indexOf(key) === -1;
    let resolved: string[] | undefined;
    const newCustomers: string[] = [];
    if (dict.some(isEmail)) {
      resolved = dict.map((key) =>
        isEmail(key) ? (this.workspace.customerIdByEmail(key) ?? key) : key
      );
      // New customers in the order their first kept event names them.
      const codes = events.customerIds.codes;
      const first = new Uint8Array(dict.length);
      for (let k = 0; k < kept; k++) {
        const code = codes[rows === null ? k : rows[k]];
        if (first[code] === 1) continue;
        first[code] = 1;
        const key = dict[code];
        if (resolved[code] === key && isEmail(key) && !this.#newEmails.has(key)) {
          this.#newEmails.add(key);
          newCustomers.push(key);
        }
      }
    }
    const staged = selectEventRows(events, rows, resolved);
    this.events.push(staged);
    let customers: CustomerColumns | undefined;
    if (newCustomers.length > 0) {
      customers = {
        ids: newCustomers,
        columns: [
          encodeColumn({
            def: { key: EMAIL_KEY, label: 'Email', type: 'string' },
            values: newCustomers
          })
        ]
      };
      this.customers.push(customers);
    }
    return { customers, events: staged };
  }
}
