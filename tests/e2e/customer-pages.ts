// Page model for a customer's page: the attributes as shown, by key.
import type { Page } from '@playwright/test';

export class CustomerPage {
  constructor(readonly page: Page) {}

  async open(id: string): Promise<void> {
    await this.page.goto(`/customers/${encodeURIComponent(id)}`);
  }

  /** The shown value of the attribute with this key. */
  attribute(key: string) {
    return this.page.locator(`dt[title="${key}"] + dd`);
  }
}
