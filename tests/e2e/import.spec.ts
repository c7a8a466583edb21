// Journeys through the import page: real files picked in the UI, the mapping step, the report, bad
// files, store exports, and the history.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { ImportPage } from './pages';

const fixture = (name: string) => `tests/fixtures/${name}`;

test('importing customers then events, and browsing the result', async ({ page }) => {
  const importer = new ImportPage(page);
  await importer.open();
  await importer.chooseFile(fixture('customers.csv'));
  const mapping = importer.mapping();
  await expect(mapping).toBeVisible();
  // Inferred types and roles are shown before anything is written.
  await expect(mapping.getByLabel('Type of column total_spent')).toHaveValue('number');
  await expect(mapping.getByLabel('Type of column signup_date')).toHaveValue('date');
  await expect(mapping.getByLabel('Type of column vip')).toHaveValue('boolean');
  await expect(mapping.getByLabel('Use of column id')).toHaveValue('id');
  await expect(mapping.getByLabel('Use of column phone')).toHaveValue('phone');
  // Rename a key and skip a column.
  await mapping.getByLabel('Key of column city').fill('home_city');
  await mapping.getByLabel('Key of column city').press('Tab');
  await mapping.getByLabel('Import column vip').uncheck();
  await importer.start();
  await expect(importer.report()).toBeVisible();
  await expect(importer.report().getByTestId('count-inserted')).toHaveText('4');
  await expect(importer.report().getByTestId('count-rejected')).toHaveText('0');

  await page.getByRole('button', { name: 'Import another file' }).click();
  await importer.importFile(fixture('events.csv'));
  await expect(importer.report().getByTestId('count-events')).toHaveText('5');
  await expect(importer.report()).toContainText('1 new customers created from events');

  const history = page.getByTestId('import-history');
  await expect(history.getByRole('row')).toHaveCount(3);
  await expect(history).toContainText('customers.csv');

  await page.goto('/attributes');
  const table = page.getByTestId('attributes-table');
  await expect(table.getByRole('row', { name: /home_city/ })).toBeVisible();
  await expect(table.getByRole('row', { name: /^vip/ })).toHaveCount(0);

  await page.goto('/customers/1001');
  await expect(page.getByTestId('customer-id')).toHaveText('1001');
  await expect(page.getByText('Pune')).toHaveCount(0);
  await expect(page.getByTestId('timeline').getByRole('listitem')).toHaveCount(2);
  await expect(page.getByTestId('timeline').getByRole('listitem').first()).toContainText(
    'Purchased'
  );
});

test('a file with bad rows imports the good ones and reports the rest, downloadable as CSV', async ({
  page
}) => {
  const importer = new ImportPage(page);
  await importer.open();
  await importer.importFile(fixture('ragged.csv'));
  await expect(importer.report().getByTestId('count-inserted')).toHaveText('3');
  await expect(importer.report().getByTestId('count-rejected')).toHaveText('2');
  const rejected = importer.report().getByTestId('rejected-rows');
  await expect(rejected.getByRole('row', { name: /^3 .*wrong number of fields/ })).toBeVisible();
  await expect(rejected.getByRole('row', { name: /^4 .*wrong number of fields/ })).toBeVisible();
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the report (CSV)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('ragged-rejected-rows.csv');
  const text = readFileSync(await download.path(), 'utf8');
  expect(text.split('\r\n')[0]).toBe('row,column,value,reason');
  expect(text).toContain('wrong number of fields');
});

test('empty, header-only and binary files get a clear message and import nothing', async ({
  page
}) => {
  const importer = new ImportPage(page);
  await importer.open();
  for (const [name, message] of [
    ['empty.csv', 'The file is empty.'],
    ['header-only.csv', 'The file has a header row but no data rows.'],
    ['binary.bin', 'does not look like a CSV text file']
  ]) {
    await importer.chooseFile(fixture(name));
    await expect(page.getByTestId('file-issues')).toContainText(message);
  }
  await expect(page.getByText('Nothing imported yet.')).toBeVisible();
});

test('a Shopify orders export becomes one Purchased event per order', async ({ page }) => {
  const importer = new ImportPage(page);
  await importer.open();
  await importer.chooseFile(fixture('shopify-orders.csv'));
  await expect(page.getByTestId('orders-note')).toContainText('shopify');
  await importer.start();
  await expect(importer.report()).toBeVisible();
  const events = Number(await importer.report().getByTestId('count-events').innerText());
  expect(events).toBeGreaterThanOrEqual(3);
  await page.goto('/events');
  await expect(
    page.getByTestId('event-types').getByRole('rowheader', { name: 'Purchased' })
  ).toBeVisible();
  await page.goto('/customers/ana.silva%40example.com');
  await expect(page.getByTestId('timeline')).toContainText('amount: 1299');
});

test('files in other encodings and delimiters import with the right characters', async ({
  page
}) => {
  const importer = new ImportPage(page);
  await importer.open();
  for (const name of ['windows-1252.csv', 'utf16le-bom.csv', 'semicolon.csv']) {
    await importer.importFile(fixture(name));
    await expect(importer.report().getByTestId('count-rejected')).toHaveText('0');
    await page.getByRole('button', { name: 'Import another file' }).click();
  }
  await page.goto('/customers');
  await page.getByRole('searchbox', { name: 'Search customers' }).fill('é');
  await expect(page.getByTestId('customers-matched')).not.toContainText(/^0 of/);
});

test('a Shopify customers export without an id column is keyed by email', async ({ page }) => {
  const importer = new ImportPage(page);
  await importer.open();
  await importer.chooseFile(fixture('shopify-customers.csv'));
  await expect(page.getByTestId('key-note')).toContainText('matched by the email address');
  const mapping = importer.mapping();
  await expect(mapping.getByLabel('Type of column Accepts Marketing')).toHaveValue('boolean');
  await expect(mapping.getByLabel('Type of column Total Spent')).toHaveValue('number');
  await importer.start();
  await expect(importer.report().getByTestId('count-inserted')).toHaveText('3');
  await page.goto('/customers/ana.silva%40example.com');
  await expect(page.getByTestId('customer-id')).toHaveText('ana.silva@example.com');
  await expect(page.getByRole('definition').filter({ hasText: '1,299' })).toBeVisible();
});
