// The segments list as the UI sees it: summaries (with live counts) from the worker, reloaded when the
// segments or their history change in storage (here or in another tab) and when new data arrives; and
// the list's actions, with an Undo notice for deletes.
import { observeSegmentChanges } from '$lib/storage/live';
import type { Issue, Result } from '$lib/engine/result';
import type { SegmentSummary, SegmentTemplate } from '$lib/worker/api';
import { dataWorker } from '$lib/worker/client';
import { app, handleError } from './app.svelte';

const issueText = (issues: readonly Issue[]): string => issues.map((i) => i.message).join(' ');

class SegmentsState {
  list = $state<SegmentSummary[]>([]);
  templates = $state<SegmentTemplate[]>([]);
  loaded = $state(false);
  #seq = 0;

  async load(): Promise<void> {
    const seq = ++this.#seq;
    try {
      const [list, templates] = await Promise.all([
        dataWorker().segments(),
        dataWorker().segmentTemplates()
      ]);
      if (seq !== this.#seq) return;
      this.list = [...list];
      this.templates = [...templates];
      this.loaded = true;
    } catch (error) {
      handleError(error, 'Could not load the segments');
    }
  }

  /** Reloads on storage changes until the returned function is called. */
  watch(): () => void {
    return observeSegmentChanges(
      () => void this.load(),
      (error) => handleError(error, 'Could not watch the segments')
    );
  }

  async rename(id: string, name: string): Promise<Result<SegmentSummary>> {
    return this.#run(() => dataWorker().updateSegment(id, { name }), 'Could not rename');
  }

  async duplicate(id: string): Promise<Result<SegmentSummary>> {
    const r = await this.#run(() => dataWorker().duplicateSegment(id), 'Could not duplicate');
    if (r.ok) app.notify(`Created “${r.value.name}”.`);
    return r;
  }

  async remove(id: string): Promise<void> {
    const r = await this.#run(() => dataWorker().deleteSegment(id), 'Could not delete');
    if (!r.ok) return;
    app.notify(`Deleted “${r.value.name}”.`, 'info', {
      label: 'Undo',
      run: () => void this.restore(id)
    });
  }

  async restore(id: string): Promise<void> {
    const r = await this.#run(() => dataWorker().restoreSegment(id), 'Could not restore');
    if (r.ok) app.notify(`Restored “${r.value.name}”.`);
  }

  async #run<T>(call: () => Promise<Result<T>>, context: string): Promise<Result<T>> {
    try {
      const r = await call();
      if (!r.ok) app.notify(`${context}: ${issueText(r.issues)}`, 'error');
      await this.load();
      return r;
    } catch (error) {
      handleError(error, context);
      return { ok: false, issues: [] };
    }
  }
}

export const segments = new SegmentsState();
