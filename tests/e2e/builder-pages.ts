// Page models for the segment editor's visual builder and the query text's autocomplete.
import { expect, type Locator, type Page } from '@playwright/test';

export class RuleBuilderPage {
  constructor(readonly page: Page) {}

  root(): Locator {
    return this.page.getByTestId('rule-builder');
  }

  /** The predicates of the top group, in order (nested groups count as one). */
  items(): Locator {
    return this.root().locator('.group.root > .children > li');
  }

  item(index: number): Locator {
    return this.items().nth(index);
  }

  async add(what: 'Attribute' | 'Performed event' | 'Did not perform' | 'In segment' | 'Group') {
    await this.root()
      .getByRole('group', { name: 'Add to this group' })
      .last()
      .getByRole('button', { name: `+ ${what}`, exact: true })
      .click();
  }

  /** Sets attribute condition `index` of the top group to `key op value`. */
  async condition(index: number, key: string, operator: string, value: string): Promise<void> {
    const item = this.item(index);
    await item.getByRole('combobox', { name: 'Attribute', exact: true }).selectOption(key);
    await item
      .getByRole('combobox', { name: `Operator for ${key}` })
      .selectOption({ label: operator });
    await item.getByRole('textbox', { name: `Value of ${key}` }).fill(value);
  }

  /** Sets event predicate `index` of the top group. */
  async event(
    index: number,
    options: { event: string; performed: boolean; last?: { amount: string; unit: string } }
  ): Promise<void> {
    const item = this.item(index);
    await item
      .getByRole('combobox', { name: 'Performed or not' })
      .selectOption(options.performed ? 'did' : 'not');
    await item.getByRole('combobox', { name: 'Event', exact: true }).selectOption(options.event);
    if (options.last) {
      await item.getByRole('combobox', { name: 'When' }).selectOption('last');
      await item.getByRole('textbox', { name: /^How many/ }).fill(options.last.amount);
      await item
        .getByRole('combobox', { name: 'Unit of the window' })
        .selectOption(options.last.unit);
    }
  }

  stale(): Locator {
    return this.page.getByTestId('builder-stale');
  }

  whoCounts(): Locator {
    return this.root().getByTestId('who-counts');
  }
}

export class AutocompletePage {
  constructor(readonly page: Page) {}

  input(): Locator {
    return this.page.getByLabel('Rule', { exact: true });
  }

  list(): Locator {
    return this.page.getByRole('listbox', { name: 'Suggestions' });
  }

  options(): Locator {
    return this.list().getByRole('option');
  }

  async expectOpen(): Promise<void> {
    await expect(this.list()).toBeVisible();
  }
}
