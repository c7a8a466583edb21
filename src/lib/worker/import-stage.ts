// The reading half of an import: stream a file through the CSV parser, map its rows with the column
// plan, and encode each chunk as typed columns ready to store. It runs in the import worker (so that
// parsing overlaps with the engine worker's writing), or inline where there are no workers (Node tests).
import type { CountryCode } from 'libphonenumber-js';
import { createCustomerMapper, createEventMapper } from '$lib/csv/mapper';
import { createOrdersTransform } from '$lib/csv/orders';
import type { RejectedRow } from '$lib/csv/report';
import { parseCsv, type ParseSummary } from '$lib/csv/stream';
import { ok, type Result } from '$lib/engine/result';
import type { CustomerBatch, EventBatch } from '$lib/engine/schema';
import {
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
  readonly events?: EventColumns;
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
  | { readonly type: 'piece'; readonly piece: StagedPiece }
  | { readonly type: 'done'; readonly result: Result<ParseSummary> };

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

/** The buffers of a piece's typed arrays, to transfer (not copy) it to another worker. */
export function transferables(piece: StagedPiece): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: { buffer: ArrayBufferLike }) => {
    if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  };
  const columns = [...(piece.customers?.columns ?? []), ...(piece.events?.properties ?? [])];
  for (const column of columns) add(column.kind === 'string' ? column.codes : column.data);
  if (piece.events) {
    add(piece.events.customerIds.codes);
    add(piece.events.names.codes);
    add(piece.events.timestamps);
    add(piece.events.fingerprints);
  }
  return [...buffers];
}

type Mapper = (
  rows: string[][],
  firstRowNumber: number,
  flush: boolean
) => Omit<StagedPiece, 'bytesDone'>;

function createMapper(setup: ImportSetup): Result<Mapper> {
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
    return ok((rows, first) => {
      if (rows.length === 0) return { rows: 0, rejectedRows: 0, rejected: [] };
      const mapped = mapper.value.mapCustomerRows(rows, first);
      return {
        rows: rows.length - mapped.blankRows,
        rejectedRows: mapped.rejectedRows,
        rejected: mapped.rejected,
        customers: mapped.batch.ids.length > 0 ? encodeCustomerColumns(mapped.batch) : undefined
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
  signal?: AbortSignal
): Promise<Result<ParseSummary>> {
  const mapper = createMapper(setup);
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
    chunkRows: CHUNK_ROWS,
    signal,
    onProgress: (consumed) => {
      bytesDone = consumed;
    },
    onRows: (rows, firstRowNumber) => deliver(mapper.value(rows, firstRowNumber, false))
  });
  if (parsed.ok) await deliver(mapper.value([], Number.MAX_SAFE_INTEGER, true));
  return parsed;
}
