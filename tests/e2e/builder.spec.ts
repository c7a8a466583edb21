// Journeys of the visual builder and the text editor: build the seed example in the builder on the
// sample data and find the same rule in the text and the same member count as the CLI gives for the
// same data and instant; edit the text and see the builder follow; build with the keyboard only
// (builder and autocomplete); and all of it with the network off.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import {
  CUSTOMER_HEADER,
  EVENT_HEADER,
  sampleStore,
  toCsvLine
} from '../../src/lib/sample/generate';
import { operatorsFor } from '../../src/lib/engine/operators';
import { AutocompletePage, RuleBuilderPage } from './builder-pages';
import { expectAccessible, ImportPage, SegmentEditorPage } from './pages';

const SEED = 'total_spent > 10000 AND not performed Purchased in last 3 months';

/** The app's sample store, generated at `now` and written as the CSV files the app imports. */
function writeSample(now: number): { customers: string; events: string } {
  const dir = mkdtempSync(join(tmpdir(), 'builder-e2e-'));
  const store = sampleStore(now);
  const lines = (header: readonly string[], rows: Iterable<string[]>) => {
    const out = [toCsvLine(header)];
    for (const row of rows) out.push(toCsvLine(row));
    return `${out.join('\n')}\n`;
  };
  const customers = join(dir, 'customers.csv');
  const events = join(dir, 'events.csv');
  writeFileSync(customers, lines(CUSTOMER_HEADER, store.customerRows()));
  writeFileSync(events, lines(EVENT_HEADER, store.eventRows()));
  return { customers, events };
}

/** `npm run segments -- eval … --count` on the same files at the instant `now`. */
async function cliCount(files: { customers: string; events: string }, query: string, now: number) {
  const { stdout } = await promisify(execFile)(
    'npx',
    [
      'tsx',
      'src/cli/segments.ts',
      'eval',
      '--customers',
      files.customers,
      '--events',
      files.events,
      '--query',
      query,
      '--now',
      new Date(now).toISOString(),
      '--count'
    ],
    { cwd: process.cwd() }
  );
  return Number(stdout.trim());
}

async function importSample(page: Page, files: { customers: string; events: string }) {
  const importer = new ImportPage(page);
  await importer.open();
  await importer.importFile(files.customers);
  await page.getByRole('button', { name: 'Import another file' }).click();
  await importer.importFile(files.events);
}

test('the seed example built in the builder: same rule in the text, same count as the CLI', async ({
  page
}) => {
  test.setTimeout(300_000);
  const files = writeSample(Date.now());
  await importSample(page, files);

  await page.goto('/segments/new');
  const builder = new RuleBuilderPage(page);
  const editor = new SegmentEditorPage(page);
  await expect(builder.root()).toContainText('No conditions yet');
  await expect(builder.root().getByRole('button', { name: '+ Attribute' })).toBeVisible();

  await builder.add('Attribute');
  await builder.condition(0, 'total_spent', 'greater than', '10000');
  await expect(editor.query()).toHaveValue('total_spent > 10000');
  await builder.add('Did not perform');
  // Who counts is spelled out, with the option to count only customers there all along.
  await expect(builder.whoCounts()).toContainText('signed up after the window began');
  await expect(
    builder
      .whoCounts()
      .getByRole('checkbox', { name: 'Only customers who existed for the whole window' })
  ).not.toBeChecked();
  const before = Date.now();
  await builder.event(1, {
    event: 'Purchased',
    performed: false,
    last: { amount: '3', unit: 'months' }
  });

  // The same rule in the text editor, and the count the CLI gives for the same data and instant.
  await expect(editor.query()).toHaveValue(SEED);
  await expect(editor.issues()).toHaveCount(0);
  await expect(editor.previewCount()).toBeVisible();
  const count = await editor.count();
  const after = Date.now();
  const [cliBefore, cliAfter] = await Promise.all([
    cliCount(files, SEED, before),
    cliCount(files, SEED, after)
  ]);
  expect(cliBefore).toBeGreaterThan(0);
  // Time moved on while the app counted: its count is the CLI's at some instant in between.
  expect(count).toBeGreaterThanOrEqual(Math.min(cliBefore, cliAfter));
  expect(count).toBeLessThanOrEqual(Math.max(cliBefore, cliAfter));
  await expectAccessible(page);

  // Editing the text moves the builder along.
  await editor.write('total_spent > 5000 AND not performed Purchased in last 3 months');
  await expect(builder.item(0).getByRole('textbox', { name: 'Value of total_spent' })).toHaveValue(
    '5000'
  );
  await editor.write('total_spent > 5000 OR in segment "VIP"');
  await expect(builder.root().getByRole('combobox', { name: 'Customers who match' })).toHaveValue(
    'any'
  );
  await expect(builder.item(1)).toContainText('VIP (no such segment)');

  // A mistake in the text: the builder keeps the last valid rule and says so.
  await editor.write('total_spent > 5000 OR');
  await expect(builder.stale()).toBeVisible();
  await expect(builder.items()).toHaveCount(2);
  await expectAccessible(page);

  // An edit in the builder replaces the broken text with its rule.
  await builder.item(1).getByRole('button', { name: 'Remove segment condition 2' }).click();
  await expect(editor.query()).toHaveValue('total_spent > 5000');
  await expect(builder.stale()).toBeHidden();

  // A text attribute's value input suggests the values most common in the data.
  await builder.add('Attribute');
  await builder
    .item(1)
    .getByRole('combobox', { name: 'Attribute', exact: true })
    .selectOption('city');
  // An input with suggestions is a combobox to assistive technology.
  const city = builder.item(1).getByRole('combobox', { name: 'Value of city' });
  await city.focus();
  await expect(builder.item(1).locator('datalist option').first()).toHaveAttribute('value', /\w/);
  const suggested = await builder.item(1).locator('datalist option').first().getAttribute('value');
  await city.fill(suggested ?? '');
  await expect(editor.query()).toHaveValue(`total_spent > 5000 OR city = "${suggested}"`);
});

test('keyboard only: the builder and the text’s autocomplete, then the same offline', async ({
  page,
  context
}) => {
  test.setTimeout(300_000);
  const files = writeSample(Date.now());
  await importSample(page, files);
  await page.goto('/segments/new');
  const builder = new RuleBuilderPage(page);
  const editor = new SegmentEditorPage(page);
  await expect(builder.root().getByRole('button', { name: '+ Attribute' })).toBeVisible();

  // Reach the builder from the name field with Tab, then only keys.
  await editor.name().focus();
  await page.keyboard.type('Lapsed big spenders');
  const tabTo = async (name: string) => {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      if (label === name) return;
    }
    throw new Error(`Tab never reached “${name}”`);
  };
  await tabTo('+ Attribute');
  await page.keyboard.press('Enter');
  // Focus moved to the new condition's attribute picker.
  await expect(
    builder.item(0).getByRole('combobox', { name: 'Attribute', exact: true })
  ).toBeFocused();
  await page.keyboard.type('total_spent');
  await page.keyboard.press('Tab');
  await page.keyboard.type('greater');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('10000');
  await expect(editor.query()).toHaveValue('total_spent > 10000');
  await tabTo('+ Did not perform');
  await page.keyboard.press('Enter');
  await expect(builder.item(1).getByRole('combobox', { name: 'Performed or not' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.type('Purchased');
  await page.keyboard.press('Tab'); // how many times
  await page.keyboard.press('Tab'); // when: in the last
  await page.keyboard.press('Tab'); // amount
  await page.keyboard.press('Control+A');
  await page.keyboard.type('3');
  await page.keyboard.press('Tab'); // unit
  await page.keyboard.type('months');
  await expect(editor.query()).toHaveValue(SEED);

  // Reorder with the keyboard: the event predicate moves up and keeps the focus.
  await tabTo('↑');
  await expect(page.locator(':focus')).toHaveAttribute('aria-label', 'Move event condition 2 up');
  await page.keyboard.press('Enter');
  await expect(editor.query()).toHaveValue(
    'not performed Purchased in last 3 months AND total_spent > 10000'
  );

  // The text, typed with autocomplete: attributes, operators, events from the data.
  const auto = new AutocompletePage(page);
  await auto.input().focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('tot');
  await auto.expectOpen();
  await expect(auto.options().first()).toContainText('total_spent');
  await expect(auto.options().first()).toContainText('number');
  await expect(auto.input()).toHaveAttribute('aria-activedescendant', /completion-0$/);
  await expectAccessible(page);
  await page.keyboard.press('Enter');
  await expect(auto.input()).toHaveValue('total_spent ');
  // Operators for a number, from the registry.
  await expect(auto.options()).toHaveCount(operatorsFor('number').length);
  await expect(auto.options().nth(2)).toContainText('greater than');
  await page.keyboard.type('> 10000 AND not performed ');
  await auto.expectOpen();
  await page.keyboard.type('Purch');
  await expect(auto.options().first()).toContainText('Purchased');
  await page.keyboard.press('Tab');
  await page.keyboard.type('in la');
  await page.keyboard.press('Escape');
  await expect(auto.list()).toBeHidden();
  await page.keyboard.type('st 3 ');
  await auto.expectOpen();
  await page.keyboard.type('mo');
  await page.keyboard.press('Enter');
  await expect(auto.input()).toHaveValue(`${SEED} `);
  await expect(builder.items()).toHaveCount(2);
  await expect(builder.item(1).getByRole('combobox', { name: 'Unit of the window' })).toHaveValue(
    'months'
  );
  const count = await editor.count();
  // The list offers the next clause; Escape closes it before saving.
  await page.keyboard.press('Escape');
  await expect(auto.list()).toBeHidden();
  await editor.create();

  // Offline: the builder still edits the rule and the count still follows.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('connectivity')).toHaveText('Offline');
  await expect(builder.items()).toHaveCount(2);
  await expect.poll(() => editor.count()).toBe(count);
  await builder.item(0).getByRole('textbox', { name: 'Value of total_spent' }).fill('20000');
  await expect(editor.query()).toHaveValue(
    'total_spent > 20000 AND not performed Purchased in last 3 months'
  );
  await expect.poll(() => editor.count()).toBeLessThanOrEqual(count);
  await context.setOffline(false);
});

test('a template on other data: its missing attributes mapped to the data’s own', async ({
  page
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'builder-e2e-'));
  const customers = join(dir, 'shop-customers.csv');
  writeFileSync(
    customers,
    [
      'id,email,lifetime_value,orders_count,created_at',
      'a1,ana@example.com,25000,12,2024-01-15',
      'a2,ben@example.com,300,2,2025-02-01',
      'a3,cy@example.com,18000,7,2023-06-30'
    ].join('\n')
  );
  const importer = new ImportPage(page);
  await importer.open();
  await importer.importFile(customers);

  await page.goto(`/segments/new?template=${encodeURIComponent('Inactive loyal customers')}`);
  const editor = new SegmentEditorPage(page);
  const mapping = page.getByTestId('mapping');
  await expect(mapping).toContainText('The template “Inactive loyal customers” uses attributes');
  const spent = mapping.getByLabel('total_spent (number)');
  // Only number attributes are offered, the closest name first, and keeping is the default.
  await expect(spent.getByRole('option')).toHaveText([
    'keep total_spent',
    'use orders_count (number)',
    'use lifetime_value (number)'
  ]);
  await expectAccessible(page);
  await spent.selectOption('lifetime_value');
  await mapping.getByRole('button', { name: 'Apply' }).click();
  await expect(editor.query()).toHaveValue(
    'lifetime_value > 10000 AND not performed Purchased in last 3 months'
  );
  // The event is still missing (no events imported): it stays, and the panel says so.
  await expect(mapping).toContainText('Purchased');
  await expect(mapping.getByLabel('total_spent (number)')).toHaveCount(0);
  await expect(new RuleBuilderPage(page).item(0)).toContainText('lifetime_value (number)');
});
