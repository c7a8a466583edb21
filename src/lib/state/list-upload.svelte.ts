// The state of one list upload: the chosen file, its inspection (headers, proposed column and key), the
// match report from the worker (re-run whenever the column, key or country changes), and applying it:
// a new static segment, or add / remove / replace on an existing one.
import type { Result } from '$lib/engine/result';
import type {
  ListInspection,
  ListMatchReport,
  ListProgress,
  MatchBy,
  SegmentSummary,
  StaticChange,
  StaticChangeMode
} from '$lib/worker/api';
import { callback, dataWorker } from '$lib/worker/client';
import { app, handleError } from './app.svelte';

export class ListUpload {
  file = $state<File | null>(null);
  inspection = $state.raw<ListInspection | null>(null);
  column = $state(0);
  by = $state<MatchBy>('id');
  defaultCountry = $state('IN');
  // Raw: the report can hold many ids, and it goes back to the worker (a proxy cannot be cloned).
  report = $state.raw<ListMatchReport | null>(null);
  /** Why the file cannot be used (shown next to the file input). */
  problem = $state<string | null>(null);
  busy = $state(false);
  /** True while a file is read and matched (not while a segment is being changed). */
  matching = $state(false);
  /** Share of the file matched so far (0–1) while matching. */
  fraction = $state(0);
  /** Rows matched so far while matching. */
  rowsDone = $state(0);
  /** Said after the user cancelled a match (nothing of it is kept). */
  notice = $state<string | null>(null);
  #seq = 0;

  async loadSettings(): Promise<void> {
    try {
      this.defaultCountry = (await dataWorker().settings()).defaultCountry;
    } catch (error) {
      handleError(error, 'Could not read the settings');
    }
  }

  async choose(file: File | null): Promise<void> {
    const seq = ++this.#seq;
    this.file = file;
    this.inspection = null;
    this.report = null;
    this.problem = null;
    this.notice = null;
    if (!file) return;
    this.busy = true;
    this.matching = true;
    try {
      const inspected = await dataWorker().inspectList(file, file.name);
      if (seq !== this.#seq) return;
      if (!inspected.ok) {
        this.problem = inspected.issues.map((i) => i.message).join(' ');
        return;
      }
      this.inspection = inspected.value;
      this.column = inspected.value.column;
      this.by = inspected.value.by;
      await this.match();
    } catch (error) {
      handleError(error, 'Could not read the list');
    } finally {
      if (seq === this.#seq) this.busy = this.matching = false;
    }
  }

  /** Matches the whole file with the current column, key and country (a newer call wins). */
  async match(): Promise<void> {
    const { file, inspection } = this;
    if (!file || !inspection) return;
    const seq = ++this.#seq;
    this.busy = true;
    this.matching = true;
    this.fraction = 0;
    this.rowsDone = 0;
    try {
      const result = await dataWorker().matchList(
        file,
        file.name,
        {
          column: this.column,
          by: this.by,
          defaultCountry: this.defaultCountry,
          encoding: inspection.encoding,
          delimiter: inspection.delimiter
        },
        callback((p: ListProgress) => {
          if (seq !== this.#seq) return;
          if (p.totalBytes > 0) this.fraction = p.bytesDone / p.totalBytes;
          this.rowsDone = p.rowsDone;
        })
      );
      if (seq !== this.#seq) return;
      if (!result.ok) {
        this.report = null;
        this.problem = result.issues.map((i) => i.message).join(' ');
        return;
      }
      this.problem = null;
      this.report = result.value;
    } catch (error) {
      handleError(error, 'Could not match the list');
    } finally {
      if (seq === this.#seq) this.busy = this.matching = false;
    }
  }

  async setCountry(country: string): Promise<void> {
    this.defaultCountry = country;
    void dataWorker().saveSettings({ defaultCountry: country });
    await this.match();
  }

  async create(name: string): Promise<Result<SegmentSummary> | null> {
    if (!this.report) return null;
    return this.#apply(() =>
      dataWorker().createStaticSegment(name, this.report?.customerIds ?? [])
    );
  }

  async applyTo(id: string, mode: StaticChangeMode): Promise<Result<StaticChange> | null> {
    if (!this.report) return null;
    return this.#apply(() =>
      dataWorker().changeStaticMembers(id, mode, this.report?.customerIds ?? [])
    );
  }

  /**
   * Stops matching the chosen file and forgets it, like cancelling an import: no report, nothing
   * kept. The worker stops at its next chunk of rows.
   */
  cancel(): void {
    this.reset();
    this.notice = 'Matching was cancelled; nothing was kept. Choose a file to start again.';
    dataWorker()
      .cancelListMatch()
      .catch((error: unknown) => handleError(error, 'Could not cancel the matching'));
  }

  reset(): void {
    this.#seq++;
    this.file = null;
    this.inspection = null;
    this.report = null;
    this.problem = null;
    this.notice = null;
    this.busy = this.matching = false;
  }

  async #apply<T>(call: () => Promise<Result<T>>): Promise<Result<T> | null> {
    this.busy = true;
    try {
      const result = await call();
      if (!result.ok) app.notify(result.issues.map((i) => i.message).join(' '), 'error');
      return result;
    } catch (error) {
      handleError(error, 'Could not change the segment');
      return null;
    } finally {
      this.busy = false;
    }
  }
}
