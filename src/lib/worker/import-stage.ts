// The reading half of an import: stream a file through the CSV parser, map its rows with the column
// plan, and encode each chunk as typed columns ready to store. It runs in the import worker (so that
// parsing overlaps with the engine worker's writing), or inline where there are no workers (Node tests).
import type { CountryCode } from 'libphonenumber-js';
import { createCustomerMapper, createEventMapper, e164Def, toE164 } from '$lib/csv/mapper';
import { createOrdersTransform } from '$lib/csv/orders';
import type { RejectedRow } from '$lib/csv/report';
import { parseCsv, type ParseSummary } from '$lib/csv/stream';
import { ok, type Result } from '$lib/engine/result';
import { PHONE_KEY, type CustomerBatch, type EventBatch, type FieldDef } from '$lib/engine/schema';
import type { StoredColumn } from '$lib/storage/db';
import {
  columnEncoder,
  encodeColumn,
  encodeStrings,
  type CustomerColumns,
  type EventColumns
} from '$lib/storage/data-repo';
import type { ImportSetup } from './api';

/** Rows per parse chunk and per stored chunk: large enough for fast IndexedDB writes. */
export const CHUNK_ROWS = 20_000;
/** Rejected rows kept with an import; counts.rejected has the true total. */
export const MAX_REPORTED_ROWS = 50_000;

export type { CustomerColumns, EventColumns };

/** What one chunk of rows became. */
export interface StagedPiece {
  /** Data rows read (blank lines excluded), rows not imported, and the first rejections. */
  readonly rows: number;
  readonly rejectedRows: number;
  readonly rejected: readonly RejectedRow[];
  /** Bytes of the file consumed so far. */
  readonly bytesDone: number;
  readonly customers?: CustomerColumns;
  /** The customers' E.164 column is left to the receiver (see `withE164`). */
  readonly e164?: E164Request;
  readonly events?: EventColumns;
}

/** How to derive the E.164 column from a piece's phone column. */
export interface E164Request {
  readonly def: FieldDef;
  readonly defaultCountry: string;
}

export type PieceHandler = (piece: StagedPiece) => void | Promise<void>;

/** Messages between the engine worker and the import worker. */
export type ToImportWorker =
  | {
      readonly type: 'start';
      readonly file: Blob;
      readonly setup: ImportSetup;
      readonly window: number;
    }
  | { readonly type: 'ack' };

export type FromImportWorker =
  | { readonly type: 'piece'; readonly piece: WirePiece }
  | { readonly type: 'done'; readonly result: Result<ParseSummary>; readonly busyMs: number };

export function encodeCustomerColumns(batch: CustomerBatch): CustomerColumns {
  return { ids: [...batch.ids], columns: batch.columns.map(encodeColumn) };
}

export function encodeEventColumns(
  batch: EventBatch,
  fingerprints: readonly number[]
): EventColumns {
  return {
    customerIds: encodeStrings(batch.customerIds),
    names: encodeStrings(batch.names),
    timestamps: Float64Array.from(batch.timestamps),
    fingerprints: Float64Array.from(fingerprints),
    properties: batch.properties.map(encodeColumn)
  };
}

/**
 * Customers with the E.164 column derived from their phone column and placed right after it, as the
 * mapper would have made it: one libphonenumber call per distinct phone.
 */
export function withE164(customers: CustomerColumns, request: E164Request): CustomerColumns {
  const at = customers.columns.findIndex((c) => c.def.key === PHONE_KEY && c.kind === 'string');
  const phones = customers.columns[at];
  if (!phones || phones.kind !== 'string') return customers;
  const dict: string[] = [];
  const lookup = new Map<string, number>();
  const country = request.defaultCountry as CountryCode;
  const mapped = Int32Array.from(phones.dict, (phone) => {
    const e164 = toE164(phone, country);
    if (e164 === null) return -1;
    let code = lookup.get(e164);
    if (code === undefined) {
      code = dict.push(e164) - 1;
      lookup.set(e164, code);
    }
    return code;
  });
  const codes = Int32Array.from(phones.codes, (c) => (c < 0 ? -1 : mapped[c]));
  const columns = [...customers.columns];
  columns.splice(at + 1, 0, { def: request.def, kind: 'string', dict, codes });
  return { ...customers, columns };
}

/**
 * Strings as one text and where each ends. Posting a chunk's ids and dictionaries as arrays clones
 * every string one by one (a third of the reading thread's time on 100k customers); one text per array
 * is cloned at memory speed, and cut up again on the receiving side.
 */
export interface PackedStrings {
  readonly text: string;
  readonly ends: Int32Array;
}

export function packStrings(values: readonly string[]): PackedStrings {
  const ends = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    at += values[i].length;
    ends[i] = at;
  }
  return { text: values.join(''), ends };
}

export function unpackStrings({ text, ends }: PackedStrings): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

type WireColumn =
  | Exclude<StoredColumn, { kind: 'string' }>
  | {
      readonly def: FieldDef;
      readonly kind: 'string';
      readonly dict: PackedStrings;
      readonly codes: Int32Array;
    };

interface WireStrings {
  readonly dict: PackedStrings;
  readonly codes: Int32Array;
}

/** A piece as it travels between workers: its strings packed (see `PackedStrings`). */
export interface WirePiece extends Omit<StagedPiece, 'customers' | 'events'> {
  readonly customers?: { readonly ids: PackedStrings; readonly columns: readonly WireColumn[] };
  readonly events?: Omit<EventColumns, 'customerIds' | 'names' | 'properties'> & {
    readonly customerIds: WireStrings;
    readonly names: WireStrings;
    readonly properties: readonly WireColumn[];
  };
}

const packColumn = (column: StoredColumn): WireColumn =>
  column.kind === 'string' ? { ...column, dict: packStrings(column.dict) } : column;

const unpackColumn = (column: WireColumn): StoredColumn =>
  column.kind === 'string' ? { ...column, dict: unpackStrings(column.dict) } : column;

/** A piece ready to post, and the buffers to transfer (not copy) with it. */
export function toWire(piece: StagedPiece): { piece: WirePiece; transfer: ArrayBuffer[] } {
  const { customers, events } = piece;
  const wire: WirePiece = {
    ...piece,
    customers: customers && {
      ids: packStrings(customers.ids),
      columns: customers.columns.map(packColumn)
    },
    events: events && {
      ...events,
      customerIds: { ...events.customerIds, dict: packStrings(events.customerIds.dict) },
      names: { ...events.names, dict: packStrings(events.names.dict) },
      properties: events.properties.map(packColumn)
    }
  };
  const buffers = new Set<ArrayBuffer>();
  const add = (array: { buffer: ArrayBufferLike }) => {
    if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  };
  const columns = [...(wire.customers?.columns ?? []), ...(wire.events?.properties ?? [])];
  for (const column of columns) {
    if (column.kind === 'string') {
      add(column.codes);
      add(column.dict.ends);
    } else add(column.data);
  }
  if (wire.customers) add(wire.customers.ids.ends);
  if (wire.events) {
    for (const strings of [wire.events.customerIds, wire.events.names]) {
      add(strings.codes);
      add(strings.dict.ends);
    }
    add(wire.events.timestamps);
    add(wire.events.fingerprints);
  }
  return { piece: wire, transfer: [...buffers] };
}

/** The piece `toWire` packed. */
export function fromWire(wire: WirePiece): StagedPiece {
  const { customers, events } = wire;
  return {
    ...wire,
    customers: customers && {
      ids: unpackStrings(customers.ids),
      columns: customers.columns.map(unpackColumn)
    },
    events: events && {
      ...events,
      customerIds: { ...events.customerIds, dict: unpackStrings(events.customerIds.dict) },
      names: { ...events.names, dict: unpackStrings(events.names.dict) },
      properties: events.properties.map(unpackColumn)
    }
  };
}

type Mapper = (
  rows: string[][],
  firstRowNumber: number,
  flush: boolean
) => Omit<StagedPiece, 'bytesDone'>;

/**
 * Whether the next customers chunk leaves its E.164 column to the receiver (see `withE164`).
 * Absent: every other chunk does.
 */
export type DeferE164 = () => boolean;

function createMapper(setup: ImportSetup, deferE164?: DeferE164): Result<Mapper> {
  const defaultCountry = setup.defaultCountry as CountryCode;
  if (setup.kind === 'orders') {
    const transform = createOrdersTransform(setup.orders, { keyBy: setup.keyBy });
    return ok((rows, first, flush) => {
      const mapped = flush ? transform.flush() : transform.push(rows, first);
      return {
        rows: rows.length - mapped.blankRows,
        rejectedRows: mapped.rejectedRows,
        rejected: mapped.rejected,
        events:
          mapped.fingerprints.length > 0
            ? encodeEventColumns(mapped.batch, mapped.fingerprints)
            : undefined
      };
    });
  }
  if (setup.kind === 'customers') {
    const mapper = createCustomerMapper(setup.plan, { defaultCountry });
    if (!mapper.ok) return mapper;
    // Phone numbers are the slowest cells by far (libphonenumber): every other chunk leaves its E.164
    // column to the engine worker, which is otherwise mostly waiting during a customers import.
    const phone = setup.plan.columns.find((c) => c.role === 'phone' && !c.skip);
    const deferred = phone
      ? createCustomerMapper(setup.plan, { defaultCountry, withoutE164: true })
      : undefined;
    const e164: E164Request | undefined = phone
      ? { def: e164Def(phone.header), defaultCountry }
      : undefined;
    let chunks = 0;
    return ok((rows, first) => {
      if (rows.length === 0) return { rows: 0, rejectedRows: 0, rejected: [] };
      const defer = deferred?.ok === true && (deferE164 ? deferE164() : chunks++ % 2 === 1);
      const chosen = (defer && deferred?.ok ? deferred : mapper).value;
      // Values go straight into the stored columns' typed arrays and dictionaries.
      const encoders = chosen.attributes.map((def) => columnEncoder(def, rows.length));
      const mapped = chosen.mapCustomerRowsInto(rows, first, encoders);
      const customers: CustomerColumns | undefined =
        mapped.ids.length > 0
          ? { ids: mapped.ids, columns: encoders.map((e) => e.finish()) }
          : undefined;
      return {
        rows: rows.length - mapped.blankRows,
        rejectedRows: mapped.rejectedRows,
        rejected: mapped.rejected,
        customers,
        e164: customers && defer ? e164 : undefined
      };
    });
  }
  const mapper = createEventMapper(setup.plan, { defaultCountry });
  if (!mapper.ok) return mapper;
  return ok((rows, first) => {
    if (rows.length === 0) return { rows: 0, rejectedRows: 0, rejected: [] };
    const mapped = mapper.value.mapEventRows(rows, first);
    return {
      rows: rows.length - mapped.blankRows,
      rejectedRows: mapped.rejectedRows,
      rejected: mapped.rejected,
      events:
        mapped.fingerprints.length > 0
          ? encodeEventColumns(mapped.batch, mapped.fingerprints)
          : undefined
    };
  });
}

/**
 * Reads `file` with `setup`, handing each chunk's typed columns to `onPiece` (awaited: backpressure).
 * Fails with the plan's issues, `cancelled` when the signal aborts, or the parser's failure.
 */
export async function readImport(
  file: Blob,
  setup: ImportSetup,
  onPiece: PieceHandler,
  options: {
    readonly signal?: AbortSignal;
    readonly chunkRows?: number;
    readonly deferE164?: DeferE164;
  } = {}
): Promise<Result<ParseSummary>> {
  const mapper = createMapper(setup, options.deferE164);
  if (!mapper.ok) return mapper;
  let bytesDone = 0;
  let reported = 0;
  const deliver = async (mapped: Omit<StagedPiece, 'bytesDone'>) => {
    // Only the first rejections travel: one bad file must not ship a million objects around.
    const room = MAX_REPORTED_ROWS - reported;
    const rejected =
      mapped.rejected.length <= room ? mapped.rejected : mapped.rejected.slice(0, room);
    reported += rejected.length;
    await onPiece({ ...mapped, rejected, bytesDone });
  };
  const parsed = await parseCsv(file, {
    delimiter: setup.delimiter,
    encoding: setup.encoding,
    chunkRows: options.chunkRows ?? CHUNK_ROWS,
    signal: options.signal,
    onProgress: (consumed) => {
      bytesDone = consumed;
    },
    onRows: (rows, firstRowNumber) => deliver(mapper.value(rows, firstRowNumber, false))
  });
  if (parsed.ok) await deliver(mapper.value([], Number.MAX_SAFE_INTEGER, true));
  return parsed;
}
