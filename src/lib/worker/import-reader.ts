// Where an import's file is read: in a dedicated import worker when workers exist (the browser), so that
// parsing and mapping run on one thread while the engine worker writes and applies on the other; inline
// otherwise (Node tests). Either way the pieces reach `onPiece` in order, one at a time.
import { fail, issue, ok, type Result } from '$lib/engine/result';
import type { ParseSummary } from '$lib/csv/stream';
import type { ImportSetup } from './api';
import {
  fromWire,
  readImport,
  type FromImportWorker,
  type PieceHandler,
  type ToImportWorker
} from './import-stage';

/** Chunks the import worker may read ahead of the engine worker. */
const WINDOW = 3;

/** A read file, and the time the reading thread spent on it (not waiting for the engine worker). */
export type ReadSummary = ParseSummary & { readonly busyMs: number };

export interface ImportReader {
  read(
    file: Blob,
    setup: ImportSetup,
    onPiece: PieceHandler,
    signal: AbortSignal
  ): Promise<Result<ReadSummary>>;
}

const cancelled = (): Result<ReadSummary> => fail(issue('cancelled', 'The import was cancelled.'));

export const inlineReader: ImportReader = {
  async read(file, setup, onPiece, signal) {
    // One thread does both halves: the reading time is the time outside the engine's handler.
    let handlingMs = 0;
    const started = performance.now();
    const result = await readImport(
      file,
      setup,
      async (piece) => {
        const t = performance.now();
        await onPiece(piece);
        handlingMs += performance.now() - t;
      },
      { signal }
    );
    if (!result.ok) return result;
    return ok({
      ...result.value,
      busyMs: Math.round(performance.now() - started - handlingMs)
    });
  }
};

/**
 * Reads in a worker made by `spawn`, kept between imports and replaced after a cancel or a failure
 * (terminating it is what stops the reading at once). Errors thrown by `onPiece` reject `read`.
 */
export class WorkerReader implements ImportReader {
  #worker: Worker | null = null;

  constructor(private readonly spawn: () => Worker) {}

  read(
    file: Blob,
    setup: ImportSetup,
    onPiece: PieceHandler,
    signal: AbortSignal
  ): Promise<Result<ReadSummary>> {
    const worker = (this.#worker ??= this.spawn());
    return new Promise((resolve, reject) => {
      let chain: Promise<void> = Promise.resolve();
      let settled = false;
      const settle = (finish: () => void, keep: boolean) => {
        if (settled) return;
        settled = true;
        worker.onmessage = null;
        worker.onerror = null;
        signal.removeEventListener('abort', onAbort);
        if (!keep) {
          worker.terminate();
          if (this.#worker === worker) this.#worker = null;
        }
        finish();
      };
      const onAbort = () => {
        // Stop reading now; what was handed over finishes first (its writes are awaited by the caller).
        const pending = chain;
        settle(() => void pending.then(() => resolve(cancelled()), reject), false);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort);
      worker.onmessage = (event: MessageEvent<FromImportWorker>) => {
        const message = event.data;
        if (message.type === 'piece') {
          chain = chain.then(async () => {
            if (settled) return;
            await onPiece(fromWire(message.piece));
            worker.postMessage({ type: 'ack' } satisfies ToImportWorker);
          });
          chain.catch((error: unknown) => settle(() => reject(error), false));
        } else {
          const result: Result<ReadSummary> = message.result.ok
            ? ok({ ...message.result.value, busyMs: message.busyMs })
            : message.result;
          chain.then(
            () => settle(() => resolve(result), true),
            () => undefined
          );
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        settle(() => reject(new Error(event.message || 'the import worker failed')), false);
      };
      worker.postMessage({ type: 'start', file, setup, window: WINDOW } satisfies ToImportWorker);
    });
  }
}

/** The reader for this environment. */
export function createImportReader(): ImportReader {
  if (typeof Worker === 'undefined') return inlineReader;
  return new WorkerReader(
    () =>
      new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'import' })
  );
}
