// The import page's state machine: choose a file → review the column mapping → import with progress →
// report. Data work happens in the worker; this only holds what the page shows.
import { editPlan, validatePlan, type PlanEdit } from '$lib/csv/columns';
import type { Issue } from '$lib/engine/result';
import type { ImportKind, ImportRecord } from '$lib/storage/db';
import type { FileInspection, ImportProgress, ImportSetup } from '$lib/worker/api';
import { callback, dataWorker } from '$lib/worker/client';
import { downloadText } from '$lib/download';
import { app, handleError, requestPersistentStorage } from './app.svelte';

export type ImportStep = 'choose' | 'inspecting' | 'mapping' | 'importing' | 'done';

export class ImportFlow {
  step = $state<ImportStep>('choose');
  file = $state<File | null>(null);
  inspection = $state<FileInspection | null>(null);
  setup = $state<ImportSetup | null>(null);
  /** Problems with the file itself (empty, binary, …): shown in place of the mapping. */
  fileIssues = $state<readonly Issue[]>([]);
  progress = $state<ImportProgress | null>(null);
  result = $state<ImportRecord | null>(null);
  failure = $state<readonly Issue[]>([]);

  readonly planIssues = $derived(
    this.setup && this.setup.kind !== 'orders'
      ? validatePlan(this.setup.plan).filter((i) => i.severity === 'error')
      : []
  );

  async choose(file: File, kind?: ImportKind): Promise<void> {
    this.reset();
    this.file = file;
    this.step = 'inspecting';
    try {
      const settings = await dataWorker().settings();
      const result = await dataWorker().inspectFile(file, file.name, {
        kind,
        defaultCountry: settings.defaultCountry
      });
      if (!result.ok) {
        this.fileIssues = result.issues;
        this.step = 'choose';
        return;
      }
      this.inspection = result.value;
      this.setup = result.value.setup;
      this.step = 'mapping';
    } catch (error) {
      this.step = 'choose';
      handleError(error, `Could not read ${file.name}`);
    }
  }

  edit(edit: PlanEdit): void {
    if (this.setup && this.setup.kind !== 'orders')
      this.setup = { ...this.setup, plan: editPlan(this.setup.plan, edit) };
  }

  keyOrdersBy(keyBy: 'email' | 'customerId'): void {
    if (this.setup?.kind === 'orders') this.setup = { ...this.setup, keyBy };
  }

  setCountry(defaultCountry: string): void {
    if (this.setup) this.setup = { ...this.setup, defaultCountry };
    void dataWorker().saveSettings({ defaultCountry });
  }

  async start(): Promise<void> {
    const { file, setup } = this;
    if (!file || !setup || this.planIssues.length > 0) return;
    this.step = 'importing';
    void requestPersistentStorage();
    this.progress = null;
    this.failure = [];
    try {
      const result = await dataWorker().importFile(
        file,
        file.name,
        $state.snapshot(setup) as ImportSetup,
        callback((p: ImportProgress) => {
          this.progress = p;
        })
      );
      if (result.ok) {
        this.result = result.value;
        this.step = 'done';
        await app.refreshSummary();
      } else {
        this.failure = result.issues;
        this.step = 'mapping';
      }
    } catch (error) {
      this.step = 'mapping';
      handleError(error, 'The import failed');
    }
  }

  async cancel(): Promise<void> {
    await dataWorker().cancelImport();
  }

  reset(): void {
    this.step = 'choose';
    this.file = null;
    this.inspection = null;
    this.setup = null;
    this.fileIssues = [];
    this.progress = null;
    this.result = null;
    this.failure = [];
  }
}

export async function downloadReport(record: ImportRecord): Promise<void> {
  try {
    const result = await dataWorker().importReportCsv(record.id);
    if (!result.ok) {
      app.notify(result.issues.map((i) => i.message).join(' '), 'error');
      return;
    }
    const base = record.fileName.replace(/\.[^.]*$/, '');
    downloadText(`${base}-rejected-rows.csv`, result.value, 'text/csv;charset=utf-8');
  } catch (error) {
    handleError(error, 'Could not prepare the report');
  }
}
