// The segment editor's state: the query text, its issues and the live preview, recomputed in the worker
// as the user types. At most one request is in flight: keystrokes made meanwhile are coalesced into one
// request for the newest text, sent when the answer comes (no fixed delay: `npm run bench -- --only
// preview` measures the last keystroke to the count). An answer older than the newest request is
// dropped, so a slow stale answer never overwrites a newer one.
import type { Issue } from '$lib/engine/result';
import type { SegmentPreview } from '$lib/worker/api';
import { dataWorker } from '$lib/worker/client';
import { handleError } from './app.svelte';
import { latestOnly } from './latest';

export class SegmentEditor {
  text = $state('');
  issues = $state<readonly Issue[]>([]);
  preview = $state<SegmentPreview | null>(null);
  /** The canonical text of the current rule, when valid. */
  canonical = $state<string | null>(null);
  checking = $state(false);
  /** A request is on its way to the worker; `#again`: the text changed since it was sent. */
  #inFlight = false;
  #again = false;
  #disposed = false;
  readonly #ask = latestOnly((text: string, savedId: string | undefined) =>
    Promise.all([
      dataWorker().checkQuery(text, savedId),
      dataWorker().previewSegment(text, savedId, 10)
    ])
  );

  /** `savedId`: the stored segment the preview compares with (none while creating). */
  constructor(private readonly savedId: () => string | undefined) {}

  get errors(): readonly Issue[] {
    return this.issues.filter((i) => i.severity === 'error');
  }

  /** Sets the text and asks for a check and a preview (now, or when the one in flight is back). */
  edit(text: string): void {
    this.text = text;
    this.checking = true;
    this.#send();
  }

  #send(): void {
    if (this.#disposed) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#inFlight = true;
    void this.refresh().finally(() => {
      this.#inFlight = false;
      if (this.#again) {
        this.#again = false;
        this.#send();
      }
    });
  }

  async refresh(): Promise<void> {
    try {
      const text = this.text;
      const answer = await this.#ask(text, this.savedId());
      if (answer.stale) return;
      const [check, preview] = answer.value;
      this.issues = check.issues;
      this.canonical = check.canonical;
      this.preview = preview.ok ? preview.value : null;
      // Typed on meanwhile: the answer for the newest text is still to come.
      this.checking = text !== this.text;
    } catch (error) {
      this.checking = false;
      handleError(error, 'Could not check the rule');
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#again = false;
    this.#ask.cancel();
  }
}
