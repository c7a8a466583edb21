// Page models: what a user sees and does on each screen, so specs read as user journeys.
import { expect, type Page } from '@playwright/test';

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
