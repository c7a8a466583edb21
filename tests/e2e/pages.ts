// Page models: what a user sees and does on each screen, so specs read as user journeys.
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Download, type Page } from '@playwright/test';

export class OverviewPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/');
  }

  async loadSampleData(): Promise<void> {
    await this.page
      .getByRole('button', { name: /Load sample data/ })
      .first()
      .click();
    await expect(this.page.getByText(/^Sample data loaded/)).toBeVisible({ timeout: 60_000 });
    await expect(this.page.getByTestId('import-progress')).toBeHidden();
  }

  /** At start the customers are listed first; the counts are final once the events are in too. */
  async waitUntilLoaded(): Promise<void> {
    await expect(this.page.getByTestId('customer-count')).toBeVisible();
    await expect(this.page.getByTestId('loading-activity')).toBeHidden();
  }

  async customerCount(): Promise<number> {
    await this.waitUntilLoaded();
    return Number((await this.page.getByTestId('customer-count').innerText()).replace(/,/g, ''));
  }

  async eventCount(): Promise<number> {
    await this.waitUntilLoaded();
    return Number((await this.page.getByTestId('event-count').innerText()).replace(/,/g, ''));
  }
}

export class CustomersPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/customers');
    await expect(this.table()).toBeVisible();
  }

  table() {
    return this.page.getByTestId('customers-table');
  }

  async search(text: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Search customers' }).fill(text);
  }

  matched() {
    return this.page.getByTestId('customers-matched');
  }

  async sortBy(label: string): Promise<void> {
    await this.table().getByRole('button', { name: label, exact: true }).click();
  }

  /** The ids of the rendered rows, top to bottom. */
  async visibleIds(): Promise<string[]> {
    return this.table().locator('tbody tr.row td:first-child a').allInnerTexts();
  }
}

export class ImportPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/import');
  }

  async chooseFile(path: string): Promise<void> {
    await this.page.getByLabel(/Choose a CSV file/).setInputFiles(path);
  }

  mapping() {
    return this.page.getByTestId('column-mapping');
  }

  async start(): Promise<void> {
    await this.page.getByRole('button', { name: /^Import \d|^Import$|^Import rows/ }).click();
  }

  report() {
    return this.page.getByTestId('import-report');
  }

  async importFile(path: string): Promise<void> {
    await this.chooseFile(path);
    await expect(this.mapping()).toBeVisible();
    await this.start();
    await expect(this.report()).toBeVisible({ timeout: 60_000 });
  }
}

export class SegmentsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/segments');
    await expect(this.page.getByRole('heading', { name: 'Segments', level: 1 })).toBeVisible();
  }

  table() {
    return this.page.getByTestId('segments-table');
  }

  row(name: string) {
    return this.table()
      .getByTestId('segment-row')
      .filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }

  async memberCount(name: string): Promise<number> {
    const text = await this.row(name).getByTestId('segment-members').innerText();
    return Number(text.replace(/,/g, ''));
  }

  async startFromTemplate(name: string): Promise<void> {
    await this.page.getByTestId('templates').getByRole('link', { name, exact: true }).click();
  }

  async rename(name: string, to: string): Promise<void> {
    await this.row(name)
      .getByRole('button', { name: `Rename ${name}` })
      .click();
    await this.page.getByLabel(`New name for ${name}`).fill(to);
    await this.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(this.row(to)).toBeVisible();
  }

  async duplicate(name: string): Promise<void> {
    await this.row(name)
      .getByRole('button', { name: `Duplicate ${name}` })
      .click();
  }

  async remove(name: string): Promise<void> {
    await this.row(name)
      .getByRole('button', { name: `Delete ${name}` })
      .click();
  }

  async undo(): Promise<void> {
    await this.page.getByRole('button', { name: 'Undo' }).click();
  }
}

export class SegmentEditorPage {
  constructor(readonly page: Page) {}

  name() {
    return this.page.getByLabel('Name', { exact: true });
  }

  query() {
    return this.page.getByLabel('Rule', { exact: true });
  }

  /** Replaces the rule text, as typing would. */
  async write(text: string): Promise<void> {
    await this.query().fill(text);
  }

  previewCount() {
    return this.page.getByTestId('preview-count');
  }

  async count(): Promise<number> {
    return Number((await this.previewCount().innerText()).replace(/,/g, ''));
  }

  delta() {
    return this.page.getByTestId('preview-delta');
  }

  issues() {
    return this.page.getByTestId('query-issue');
  }

  /** The text currently underlined as an error in the highlighted copy of the rule. */
  underlinedErrors() {
    return this.page.locator('.query-editor .mark-error');
  }

  createButton() {
    return this.page.getByRole('button', { name: 'Create segment' });
  }

  async create(): Promise<void> {
    await this.createButton().click();
    await expect(this.page).toHaveURL(/\/segments\/[0-9a-f-]{36}$/);
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(this.page.getByText('All changes saved.')).toBeVisible();
  }

  memberCount() {
    return this.page.getByTestId('member-count');
  }

  /** Freezes today's members into a static segment and opens it. */
  async freeze(): Promise<void> {
    const before = this.page.url();
    await this.page.getByRole('button', { name: 'Freeze' }).click();
    await expect(this.page).not.toHaveURL(before);
    await expect(this.page.getByTestId('static-note')).toBeVisible();
  }

  /** Rows of the entered/left log, newest first. */
  logRows() {
    return this.page.getByTestId('membership-log').locator('tbody tr');
  }

  /** Exports the members (every column, as proposed) and returns the downloaded file's name and text. */
  async exportCsv(): Promise<{ fileName: string; text: string }> {
    await this.page.getByRole('button', { name: 'Export CSV' }).click();
    const download = this.page.waitForEvent('download');
    await this.page.getByRole('button', { name: 'Download CSV' }).click();
    return readDownload(await download);
  }
}

export class ExportsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/exports');
    await expect(this.page.getByRole('heading', { name: 'Exports', level: 1 })).toBeVisible();
  }

  rows() {
    return this.page.getByTestId('export-row');
  }

  async download(fileName: string): Promise<{ fileName: string; text: string }> {
    const download = this.page.waitForEvent('download');
    await this.rows()
      .filter({ hasText: fileName })
      .first()
      .getByRole('button', { name: /Download/ })
      .click();
    return readDownload(await download);
  }
}

export async function readDownload(
  download: Download
): Promise<{ fileName: string; text: string }> {
  const path = await download.path();
  return { fileName: download.suggestedFilename(), text: await readFile(path, 'utf8') };
}

/** axe-core finds no serious or critical accessibility violations on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
  expect(serious).toEqual([]);
}

/** Parses the app's CSV (quoted cells with doubled quotes, CRLF line ends). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}
