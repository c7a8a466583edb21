// The whole surface of the data worker, in one typed interface. The main thread calls it through Comlink
// (client.ts); every expected failure comes back as a Result, never as a thrown error.
import type { Issue, Result } from '$lib/engine/result';
import type { ExplainNode } from '$lib/engine/explain';
import type { FieldDef, Value } from '$lib/engine/schema';
import type {
  ExportRecord,
  ImportKind,
  ImportRecord,
  MembershipChangeRecord,
  SegmentKind
} from '$lib/storage/db';
import type { ImportPlan } from '$lib/csv/columns';
import type { CsvDelimiter, CsvEncoding } from '$lib/csv/sniff';
import type { OrdersLayout } from '$lib/csv/orders';
import type { CustomerPage, CustomerQuery } from './browse';
import type { LoadTimings } from './workspace';
import type { FieldRef } from '$lib/builder/values';
import type {
  ListInspection,
  ListMatchReport,
  ListProgress,
  ListProgressCallback,
  ListSetup
} from './static-lists';
import type { OverlapRegion } from './overlap';
import type { MatchBy } from '$lib/csv/list-match';
import type { LogPage, LogQuery, SizeHistory, SizeTrend } from './history';
import type { NextChangeNote } from './next-change';

export type {
  ListInspection,
  ListProgress,
  ListProgressCallback,
  ListMatchReport,
  ListSetup,
  MatchBy,
  OverlapRegion,
  CustomerPage,
  CustomerQuery,
  ExplainNode,
  ExportRecord,
  ImportPlan,
  LogPage,
  LogQuery,
  MembershipChangeRecord,
  NextChangeNote,
  SizeHistory,
  SizeTrend
};

interface SetupBase {
  readonly encoding: CsvEncoding;
  readonly delimiter: CsvDelimiter;
  /** ISO 3166 alpha-2 country for phone numbers written without a country code. */
  readonly defaultCountry: string;
}

/**
 * Everything an import needs to know about a file. The mapping step edits the column plan (customers,
 * events) or the key of an orders export, which becomes one `Purchased` event per order.
 */
export type ImportSetup =
  | (SetupBase & { readonly kind: 'customers' | 'events'; readonly plan: ImportPlan })
  | (SetupBase & {
      readonly kind: 'orders';
      readonly orders: OrdersLayout;
      readonly keyBy: 'email' | 'customerId';
    });

export interface StorageInfo {
  /** Bytes used and available to this origin (navigator.storage.estimate()); null where unsupported. */
  readonly usage: number | null;
  readonly quota: number | null;
  readonly persisted: boolean;
}

export interface DataSummary {
  /** True while the stored events are still being loaded at start (customers are already in). */
  readonly loading: boolean;
  readonly customers: number;
  readonly events: number;
  readonly attributes: number;
  readonly eventTypes: number;
  readonly imports: number;
  /** Imports found unfinished at start (tab closed mid-import) and discarded. */
  readonly discardedImports: number;
  readonly storage: StorageInfo;
  /** How long loading the stored data into memory took at start (null before anything loaded). */
  readonly load: LoadTimings | null;
}

export interface FileInspection {
  readonly fileName: string;
  readonly fileSize: number;
  /** What the user reviews and edits in the mapping step, then passes to importFile. */
  readonly setup: ImportSetup;
  /** The first data rows, as text, for the preview. */
  readonly sample: readonly (readonly string[])[];
  /** Warnings about the file (e.g. columns whose type changes from the stored one). */
  readonly warnings: readonly Issue[];
}

export interface InspectOptions {
  /** Force a kind; by default it is guessed from the headers (an orders export is recognised). */
  readonly kind?: ImportKind;
  readonly defaultCountry?: string;
}

export interface ImportProgress {
  readonly phase: 'reading' | 'saving' | 'finishing';
  readonly rowsDone: number;
  readonly bytesDone: number;
  readonly totalBytes: number;
  readonly rowsPerSecond: number;
  /** Seconds left, estimated from bytes read so far; null until there is enough to go on. */
  readonly etaSeconds: number | null;
}

export type ProgressCallback = (progress: ImportProgress) => void;

export interface CustomerDetail {
  readonly id: string;
  readonly attributes: readonly { readonly def: FieldDef; readonly value: Value | null }[];
  readonly eventCount: number;
}

export interface TimelineEvent {
  readonly name: string;
  readonly timestamp: number;
  readonly properties: Readonly<Record<string, Value>>;
}

export interface TimelinePage {
  readonly total: number;
  readonly events: readonly TimelineEvent[];
}

export interface EventTypeSummary {
  readonly name: string;
  readonly count: number;
  readonly first: number;
  readonly last: number;
  readonly properties: readonly FieldDef[];
}

export interface AttributeSummary {
  readonly def: FieldDef;
  readonly present: number;
}

export interface Settings {
  /** ISO 3166 alpha-2 country used to read phone numbers written without a country code. */
  readonly defaultCountry: string;
}

export interface SegmentSummary {
  readonly id: string;
  readonly name: string;
  readonly kind: SegmentKind;
  /** The rule as canonical query text (dynamic segments; '' for static ones). */
  readonly query: string;
  /** Current members; null when the rule no longer fits the data (see issues). */
  readonly members: number | null;
  /** Why the rule does not fit the data (errors), or warnings such as events not imported yet. */
  readonly issues: readonly Issue[];
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When a customer last entered or left (null: never since it was created). */
  readonly lastChangeAt: number | null;
  /** Its size over the last 30 days, from the recorded changes (null when members is null). */
  readonly trend: SizeTrend | null;
}

export interface SegmentInput {
  readonly name: string;
  readonly query: string;
}

/** What the editor shows while the user types: every issue with its position, errors and warnings. */
export interface QueryCheck {
  readonly issues: readonly Issue[];
  /** The canonical text of the rule when it is valid. */
  readonly canonical: string | null;
}

export interface MemberSample {
  readonly id: string;
  /** A name or an email, when the data has one. */
  readonly label: string;
}

export interface SegmentPreview {
  readonly count: number;
  /** Customers in the data. */
  readonly total: number;
  /** Against the saved version of the segment (0 when there is none). */
  readonly entering: number;
  readonly leaving: number;
  readonly sample: readonly MemberSample[];
  readonly warnings: readonly Issue[];
}

export interface SegmentTemplate {
  readonly name: string;
  readonly description: string;
  readonly query: string;
  /** Issues of the query against the imported data (e.g. an attribute this data does not have). */
  readonly issues: readonly Issue[];
}

/** Members in the store's order, or those whose answer changes soonest with passing time first. */
export type MemberOrder = 'default' | 'next-change';

export interface MemberPage {
  readonly total: number;
  readonly offset: number;
  readonly columns: readonly FieldDef[];
  readonly rows: readonly {
    readonly id: string;
    readonly values: readonly (Value | null)[];
    /** Dynamic segments: when passing time alone next changes the answer (null: never). */
    readonly nextChange?: number | null;
  }[];
  readonly order?: MemberOrder;
}

/** One segment as seen from one customer: in or out, why, and their history in it. */
export interface CustomerSegment {
  readonly id: string;
  readonly name: string;
  readonly kind: SegmentKind;
  /** null when the segment's rule does not fit the data. */
  readonly member: boolean | null;
  /** The rule tree with each part's answer and the facts behind it (dynamic segments). */
  readonly explanation: ExplainNode | null;
  /** When passing time alone next changes the answer, and why (null: it does not). */
  readonly next: NextChangeNote | null;
  /** This customer's entries and exits, newest first. */
  readonly history: readonly MembershipChangeRecord[];
}

export interface ExportFile {
  readonly fileName: string;
  readonly csv: string;
}

/** What an export writes besides `customer_id`: attribute keys (default all), the segment's name, entered-at. */
export interface ExportOptions {
  readonly columns?: readonly string[];
  readonly segment?: boolean;
  readonly enteredAt?: boolean;
}

export interface ExportProgress {
  readonly rowsDone: number;
  readonly totalRows: number;
}

export type ExportProgressCallback = (progress: ExportProgress) => void;

/** How an uploaded list changes a static segment's members. */
export type StaticChangeMode = 'add' | 'remove' | 'replace';

export interface StaticChange {
  readonly segment: SegmentSummary;
  /** Customers who entered and left with this change. */
  readonly added: number;
  readonly removed: number;
}

/** A customer found by search, with whether they are in the segment. */
export interface MemberCandidate extends MemberSample {
  readonly member: boolean;
}

export interface SegmentOverlap {
  readonly segments: readonly {
    readonly id: string;
    readonly name: string;
    readonly kind: SegmentKind;
  }[];
  /** Customers in the data. */
  readonly total: number;
  /** Size of each segment, in the order asked. */
  readonly sizes: readonly number[];
  /** Customers in at least one of them. */
  readonly union: number;
  /** Every combination: `sets` are positions into `segments`. */
  readonly regions: readonly OverlapRegion[];
}

export interface WorkerApi {
  /**
   * Opens the database, discards unfinished imports, and loads the stored data into memory; resolves
   * as soon as the customers are in (see whenLoaded).
   */
  init(): Promise<Result<DataSummary>>;
  summary(): Promise<DataSummary>;
  /** Resolves once the stored events are loaded too (init resolves as soon as customers are). */
  whenLoaded(): Promise<DataSummary>;
  /** Loads imports that another tab committed since this worker last looked. */
  sync(): Promise<DataSummary>;

  inspectFile(
    file: Blob,
    fileName: string,
    options: InspectOptions
  ): Promise<Result<FileInspection>>;
  /** Runs an import; all-or-nothing at the storage level. Resolves with the import's record and report. */
  importFile(
    file: Blob,
    fileName: string,
    setup: ImportSetup,
    onProgress: ProgressCallback
  ): Promise<Result<ImportRecord>>;
  /** Stops the running import (if any); nothing of it is kept. */
  cancelImport(): Promise<void>;
  /** Generates the demo store (deterministic) and imports it through the same pipeline as a CSV. */
  loadSampleData(onProgress: ProgressCallback): Promise<Result<ImportRecord[]>>;
  /** The rejected rows of an import as CSV text (row, column, value, reason). */
  importReportCsv(importId: string): Promise<Result<string>>;

  customers(query: CustomerQuery): Promise<CustomerPage>;
  customer(id: string): Promise<Result<CustomerDetail>>;
  timeline(id: string, offset: number, limit: number): Promise<Result<TimelinePage>>;
  eventTypes(): Promise<readonly EventTypeSummary[]>;
  attributes(): Promise<readonly AttributeSummary[]>;

  settings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  /** Segments not deleted, oldest first, with live member counts. */
  segments(): Promise<readonly SegmentSummary[]>;
  segment(id: string): Promise<Result<SegmentSummary>>;
  /** Starting points for a new segment, each checked against the imported data. */
  segmentTemplates(): Promise<readonly SegmentTemplate[]>;
  createSegment(input: SegmentInput): Promise<Result<SegmentSummary>>;
  /** Renames and/or changes the rule; segments that refer to the old name follow a rename. */
  updateSegment(id: string, change: Partial<SegmentInput>): Promise<Result<SegmentSummary>>;
  duplicateSegment(id: string): Promise<Result<SegmentSummary>>;
  /** A static snapshot of a dynamic segment's current members, named with the date. */
  freezeSegment(id: string): Promise<Result<SegmentSummary>>;
  /** Deletes (a tombstone): restoreSegment undoes it. */
  deleteSegment(id: string): Promise<Result<SegmentSummary>>;
  restoreSegment(id: string): Promise<Result<SegmentSummary>>;
  /** Checks query text against the data (and the other segments, `segmentId` being the one edited). */
  checkQuery(text: string, segmentId?: string): Promise<QueryCheck>;
  /** Members of query text now, and the difference against the saved segment `savedId`. */
  previewSegment(
    text: string,
    savedId?: string,
    sampleSize?: number
  ): Promise<Result<SegmentPreview>>;
  segmentMembers(
    id: string,
    offset: number,
    limit: number,
    order?: MemberOrder
  ): Promise<Result<MemberPage>>;
  /** Entered, left and size per UTC day over the last `days` days (up to now). */
  segmentHistory(id: string, days: number): Promise<Result<SizeHistory>>;
  /** The entered/left log, newest first, filtered and paged (up to 500 rows a page). */
  segmentLog(id: string, query: LogQuery): Promise<Result<LogPage>>;
  /** The most common values of a text attribute or event property (containing `typed`), for the builder. */
  fieldValues(field: FieldRef, typed: string, limit: number): Promise<readonly string[]>;
  /** Every segment with whether the customer is in it, why, and their history in it. */
  customerSegments(customerId: string): Promise<Result<readonly CustomerSegment[]>>;
  /**
   * Writes the members as CSV, records the export, and returns its record (download: exportFile).
   * Options choose the columns (default: all); progress is reported as rows are written.
   */
  exportSegment(
    id: string,
    options?: ExportOptions,
    onProgress?: ExportProgressCallback
  ): Promise<Result<ExportRecord>>;
  /** Stops the export being written (it resolves with a `cancelled` issue; nothing is recorded). */
  cancelExport(): Promise<void>;
  /** Past exports, newest first. */
  exports(): Promise<readonly ExportRecord[]>;
  exportFile(exportId: string): Promise<Result<ExportFile>>;

  /** Sniffs an uploaded list of customers and proposes the column (and kind of key) to match on. */
  inspectList(file: Blob, fileName: string): Promise<Result<ListInspection>>;
  /** Matches every row of a list against the customers on this device: matched, unmatched, duplicates. */
  matchList(
    file: Blob,
    fileName: string,
    setup: ListSetup,
    onProgress?: ListProgressCallback
  ): Promise<Result<ListMatchReport>>;
  /** Stops the list being matched (it resolves with a `cancelled` issue; nothing is kept). */
  cancelListMatch(): Promise<void>;
  /** A static segment of these customers (e.g. a list's matches). */
  createStaticSegment(
    name: string,
    customerIds: readonly string[]
  ): Promise<Result<SegmentSummary>>;
  /** Adds or removes these customers, or replaces the members with them (static segments only). */
  changeStaticMembers(
    id: string,
    mode: StaticChangeMode,
    customerIds: readonly string[]
  ): Promise<Result<StaticChange>>;
  /** Customers matching a search (id, email, phone, name), each with whether they are in the segment. */
  findSegmentCandidates(
    id: string,
    search: string,
    limit: number
  ): Promise<Result<readonly MemberCandidate[]>>;
  /** How two or three segments overlap: the size of every intersection. */
  segmentOverlap(ids: readonly string[]): Promise<Result<SegmentOverlap>>;

  /** Erases every customer, event and import on this device. */
  deleteAllData(): Promise<void>;

  /**
   * Test builds only (VITE_TEST_CLOCK=1): runs the worker's clock `offsetMs` ahead of real time and
   * applies the membership flips that fall due; resolves with the worker's now. Fails elsewhere.
   */
  setTestClock(offsetMs: number): Promise<Result<number>>;
}

/** Where sync stands, for a run started by hand (the status itself is observed from storage). */
export interface SyncReport {
  readonly ok: boolean;
  readonly message: string;
  readonly pushed: number;
  readonly pulled: number;
  readonly uploaded: number;
  readonly rejected: number;
}

export interface SyncSettings {
  readonly workspace: { readonly id: string; readonly name: string; readonly token: string } | null;
  readonly device: { readonly id: string; readonly name: string };
}

/** The sync part of the worker's surface (src/lib/worker/sync.ts), exposed beside WorkerApi. */
export interface SyncApi {
  /** Syncs now (push, uploads, pull) and says how it went. */
  syncNow(): Promise<SyncReport>;
  /** The page saw the network come or go: sync at once on reconnect. */
  setOnline(online: boolean): Promise<void>;
  syncSettings(): Promise<SyncSettings>;
  /** Links this device to the workspace of an access token (or a connect link holding one). */
  connectWorkspace(tokenOrLink: string): Promise<Result<SyncSettings>>;
  renameDevice(name: string): Promise<Result<SyncSettings>>;
  /** Puts a conflict copy's version back in place of the one that won (see SyncRepo). */
  restoreConflictCopy(id: string): Promise<Result<void>>;
  discardConflictCopy(id: string): Promise<Result<void>>;
  /** A change the server refused: send it again, or give up on it (it stays on this device). */
  retrySyncItem(seq: number): Promise<void>;
  dismissSyncItem(seq: number): Promise<void>;
}
