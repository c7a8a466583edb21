// The import worker's entry: wiring only. It reads one file at a time for the engine worker
// (import-stage.ts), posting each chunk's typed columns transferred, at most `window` chunks ahead of
// the engine's acknowledgements.
import { fail, issue } from '$lib/engine/result';
import {
  readImport,
  toWire,
  type FromImportWorker,
  type StagedPiece,
  type ToImportWorker
} from './import-stage';

let credits = 0;
let wake: (() => void) | null = null;
/** Time spent waiting for the engine worker, so that the time spent reading can be told apart. */
let waitedMs = 0;

const post = (message: FromImportWorker, transfer: ArrayBuffer[] = []) =>
  (self as unknown as Worker).postMessage(message, transfer);

async function send(piece: StagedPiece): Promise<void> {
  const start = performance.now();
  while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
  waitedMs += performance.now() - start;
  credits--;
  const wire = toWire(piece);
  post({ type: 'piece', piece: wire.piece }, wire.transfer);
}

self.onmessage = async (event: MessageEvent<ToImportWorker>) => {
  const message = event.data;
  if (message.type === 'ack') {
    credits++;
    const resume = wake;
    wake = null;
    resume?.();
    return;
  }
  credits = message.window;
  waitedMs = 0;
  const started = performance.now();
  const busyMs = () => Math.round(performance.now() - started - waitedMs);
  try {
    // Phones are the costliest cells (libphonenumber): every chunk leaves its E.164 column to the
    // engine worker, which spends most of a customers import waiting for this one.
    const result = await readImport(message.file, message.setup, send, { deferE164: () => true });
    post({ type: 'done', result, busyMs: busyMs() });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const result = fail(issue('import-failed', `The import failed: ${text}`));
    post({ type: 'done', result, busyMs: busyMs() });
  }
};
