// Page models for static lists, overlap and the export column chooser: what a user sees and does there.
import { expect, type Page } from '@playwright/test';
import { readDownload } from './pages';

/** Uploading a CSV list (new static segment, or into an existing one). */
export class ListUploadPanel {
  constructor(readonly page: Page) {}

  async choose(fileName: string, text: string): Promise<void> {
    await this.pick(fileName, text);
    await expect(this.report()).toBeVisible();
  }

  /** Picks the file; matching starts (without waiting for the report). */
  async pick(fileName: string, text: string): Promise<void> {
    await this.page.getByLabel('Choose a CSV list of customers').setInputFiles({
      name: fileName,
      mimeType: 'text/csv',
      buffer: Buffer.from(text, 'utf8')
    });
  }

  /** The progress shown while the list is matched, and its Cancel. */
  matching() {
    return this.page.getByTestId('list-matching');
  }

  async cancel(): Promise<void> {
    await this.matching().getByRole('button', { name: 'Cancel' }).click();
  }

  report() {
    return this.page.getByTestId('list-report');
  }

  async counts(): Promise<{
    rows: number;
    matched: number;
    unmatched: number;
    duplicates: number;
  }> {
    const read = async (id: string) =>
      Number((await this.page.getByTestId(id).innerText()).replace(/,/g, ''));
    return {
      rows: await read('list-rows'),
      matched: await read('list-matched'),
      unmatched: await read('list-unmatched'),
      duplicates: await read('list-duplicates')
    };
  }

  async downloadUnmatched(): Promise<{ fileName: string; text: string }> {
    const download = this.page.waitForEvent('download');
    await this.page.getByRole('button', { name: 'Download unmatched rows' }).click();
    return readDownload(await download);
  }

  /** Creates the static segment and waits for its page. */
  async create(name: string): Promise<void> {
    await this.page.getByLabel('Segment name').fill(name);
    await this.page.getByRole('button', { name: 'Create static segment' }).click();
    await expect(this.page).toHaveURL(/\/segments\/[0-9a-f-]{36}$/);
    await expect(this.page.getByTestId('static-note')).toBeVisible();
  }
}

export class StaticSegmentPage {
  constructor(readonly page: Page) {}

  memberCount() {
    return this.page.getByTestId('member-count');
  }

  async search(text: string): Promise<void> {
    await this.page.getByLabel('Find a customer by id, email, phone or name').fill(text);
  }

  candidate(id: string) {
    return this.page
      .getByTestId('member-candidate')
      .filter({ has: this.page.getByRole('link', { name: id, exact: true }) });
  }

  async add(id: string): Promise<void> {
    await this.search(id);
    await this.candidate(id)
      .getByRole('button', { name: `Add ${id}` })
      .click();
    await expect(this.candidate(id).getByRole('button', { name: `Remove ${id}` })).toBeVisible();
  }

  async remove(id: string): Promise<void> {
    await this.search(id);
    await this.candidate(id)
      .getByRole('button', { name: `Remove ${id}` })
      .click();
    await expect(this.candidate(id).getByRole('button', { name: `Add ${id}` })).toBeVisible();
  }

  logRows() {
    return this.page.getByTestId('membership-log').locator('tbody tr');
  }

  /** Opens the export's column chooser (if not open yet). */
  async openExport() {
    const panel = this.page.getByTestId('export-panel');
    if (!(await panel.isVisible()))
      await this.page.getByRole('button', { name: 'Export CSV' }).click();
    await expect(panel).toBeVisible();
    return panel;
  }

  /** Opens the column chooser, keeps only `columns` (and segment/entered-at as asked), downloads. */
  async exportColumns(
    columns: readonly string[],
    extras: { segment: boolean; enteredAt: boolean }
  ): Promise<{ fileName: string; text: string }> {
    const panel = await this.openExport();
    await panel.getByLabel('All attributes').uncheck();
    for (const column of columns) await panel.getByLabel(column, { exact: true }).check();
    await panel.getByLabel('Segment name (segment)').setChecked(extras.segment);
    await panel.getByLabel('When they entered (entered_at)').setChecked(extras.enteredAt);
    const download = this.page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Download CSV' }).click();
    return readDownload(await download);
  }
}

export class OverlapPage {
  constructor(readonly page: Page) {}

  async pick(name: string): Promise<void> {
    await this.page.getByTestId('overlap-pick').getByLabel(name).check();
  }

  table() {
    return this.page.getByTestId('overlap-table');
  }

  /** The row of a combination, named as `A ∩ B`: [exactly, all]. */
  async row(names: string): Promise<[number, number]> {
    const row = this.table()
      .getByTestId('overlap-row')
      .filter({ has: this.page.getByRole('rowheader', { name: names, exact: true }) });
    const cells = await row.locator('td').allInnerTexts();
    return [Number(cells[0].replace(/,/g, '')), Number(cells[1].replace(/,/g, ''))];
  }
}
