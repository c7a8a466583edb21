// Journeys: build a segment from the seed template with a live count, see a mistake underlined at its
// place, save it, export its members as CSV (and download the export again), manage segments in the
// list (rename, duplicate, delete with undo), and all of it with the network off.
import { expect, test, type Page } from '@playwright/test';
import {
  expectAccessible,
  ExportsPage,
  OverviewPage,
  SegmentEditorPage,
  SegmentsPage,
  parseCsv
} from './pages';

const SEED = 'total_spent > 10000 AND NOT performed Purchased in last 3 months';
const TYPO = 'total_spnt > 10000 AND NOT performed Purchased in last 3 months';

async function createSeedSegment(
  page: Page
): Promise<{ editor: SegmentEditorPage; count: number }> {
  const list = new SegmentsPage(page);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Segments', exact: true })
    .click();
  await expect(page.getByTestId('segments-empty')).toBeVisible();
  await expect(page.getByTestId('templates').getByRole('link')).toHaveCount(6);
  await expectAccessible(page);
  await list.startFromTemplate('Inactive loyal customers');
  const editor = new SegmentEditorPage(page);
  await expect(editor.name()).toHaveValue('Inactive loyal customers');
  await expect(editor.query()).toHaveValue(SEED);
  await expect(editor.previewCount()).toBeVisible();
  const count = await editor.count();
  expect(count).toBeGreaterThan(0);
  await editor.create();
  await expect(editor.memberCount()).toHaveText(count.toLocaleString('en'));
  await expect(page.getByTestId('log-empty')).toBeVisible();
  // A segment made today has one day of size: the chart shows it as a dot, not an empty frame.
  await expect(page.getByTestId('size-chart').locator('circle.size-dot')).toHaveCount(1);
  return { editor, count };
}

test('the seed segment from its template: live count, a mistake shown at its place, export', async ({
  page
}) => {
  const overview = new OverviewPage(page);
  await overview.open();
  await overview.loadSampleData();
  const customers = await overview.customerCount();

  const { editor, count } = await createSeedSegment(page);
  await expect(page.getByText(`of ${customers.toLocaleString('en')} customers`)).toBeVisible();
  await expect(editor.delta()).toContainText('+0 entering');

  // A typo: the attribute is underlined where it is, with the engine's message and hint.
  await editor.write(TYPO);
  await expect(editor.issues()).toHaveCount(1);
  await expect(editor.issues().first()).toContainText('There is no attribute `total_spnt`.');
  await expect(editor.issues().first()).toContainText('did you mean `total_spent`?');
  await expect(editor.issues().first().getByTestId('issue-position')).toHaveText('column 1');
  await expect(editor.underlinedErrors()).toHaveText(['total_spnt']);
  await expect(editor.query()).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toBeDisabled();
  await expectAccessible(page);

  // Widening the rule shows who would enter, against the saved version, while typing.
  await editor.write('total_spent > 5000 AND NOT performed Purchased in last 3 months');
  await expect(editor.issues()).toHaveCount(0);
  await expect.poll(() => editor.count()).toBeGreaterThan(count);
  await expect(editor.delta()).not.toContainText('+0 entering');
  await expect(editor.delta()).toContainText('−0 leaving');
  await editor.write(SEED);
  await expect.poll(() => editor.count()).toBe(count);

  // Sample members link to their customer page.
  await expect(page.getByTestId('preview-sample').getByRole('link').first()).toBeVisible();

  // Export: one row per member, every attribute, the segment's name; no cell runs as a formula.
  const file = await editor.exportCsv();
  expect(file.fileName).toMatch(/^inactive-loyal-customers-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = parseCsv(file.text);
  expect(rows[0][0]).toBe('customer_id');
  expect(rows[0]).toEqual(expect.arrayContaining(['email', 'total_spent', 'segment']));
  expect(rows).toHaveLength(count + 1);
  expect(rows[0].slice(-2)).toEqual(['segment', 'entered_at']);
  const spent = rows[0].indexOf('total_spent');
  const segment = rows[0].indexOf('segment');
  for (const row of rows.slice(1)) {
    expect(Number(row[spent])).toBeGreaterThan(10000);
    expect(row[segment]).toBe('Inactive loyal customers');
    for (const cell of row) expect(cell).not.toMatch(/^[=+@\t\r]/);
  }

  // The export is recorded and can be downloaded again.
  const exportsPage = new ExportsPage(page);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Exports', exact: true })
    .click();
  await expect(exportsPage.rows()).toHaveCount(1);
  await expect(exportsPage.rows().first()).toContainText('Inactive loyal customers');
  await expectAccessible(page);
  const again = await exportsPage.download(file.fileName);
  expect(again.text).toBe(file.text);

  // The list shows it with its count; rename, duplicate, delete and undo.
  const list = new SegmentsPage(page);
  await list.open();
  expect(await list.memberCount('Inactive loyal customers')).toBe(count);
  await expectAccessible(page);
  await list.rename('Inactive loyal customers', 'Lapsed big spenders');
  await list.duplicate('Lapsed big spenders');
  await expect(list.row('Lapsed big spenders (copy)')).toBeVisible();
  expect(await list.memberCount('Lapsed big spenders (copy)')).toBe(count);
  await list.remove('Lapsed big spenders (copy)');
  await expect(list.row('Lapsed big spenders (copy)')).toHaveCount(0);
  await list.undo();
  await expect(list.row('Lapsed big spenders (copy)')).toBeVisible();
  // Renaming from the keyboard: Escape gives up and puts the focus back where it was.
  const renameButton = list
    .row('Lapsed big spenders (copy)')
    .getByRole('button', { name: 'Rename Lapsed big spenders (copy)' });
  await renameButton.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('New name for Lapsed big spenders (copy)')).toBeFocused();
  await page.keyboard.type(' 2');
  await page.keyboard.press('Escape');
  await expect(page.getByLabel('New name for Lapsed big spenders (copy)')).toBeHidden();
  await expect(renameButton).toBeFocused();

  // A member's page says which segments they are in, and why.
  await page.goto(`/customers/${encodeURIComponent(rows[1][0])}`);
  const mine = page
    .getByTestId('customer-segment')
    .filter({ has: page.getByRole('link', { name: 'Lapsed big spenders', exact: true }) });
  await expect(mine).toContainText('in');
  await mine.getByText('Why in?').click();
  await expect(mine.locator('details')).toContainText('total_spent > 10000');
  await expect(mine.locator('details')).toContainText('✓');
  await expectAccessible(page);
});

test('before any data, each segments screen says what to do next, and is accessible', async ({
  page
}) => {
  await new OverviewPage(page).open();
  await expect(page.getByRole('button', { name: 'Load sample data' })).toBeVisible();
  const screens: [string, string, RegExp][] = [
    ['/segments', 'segments-no-data', /import them from CSV files.*sample data/],
    ['/segments/new', 'preview-no-data', /no customers on this device yet: import some/],
    ['/segments/upload', 'list-no-customers', /Import customers first/],
    ['/segments/overlap', 'overlap-empty', /Create a segment or upload a list first/],
    ['/exports', 'exports-empty', /Open a segment from Segments and choose Export CSV/],
    ['/customers', 'customers-empty', /Import a CSV file or load the sample data/]
  ];
  for (const [url, testId, text] of screens) {
    await page.goto(url);
    await expect(page.getByTestId(testId)).toContainText(text);
    await expectAccessible(page);
  }
  // The templates do not call themselves broken when there is simply no data yet.
  await page.goto('/segments');
  await expect(page.getByTestId('templates').getByRole('link')).toHaveCount(6);
  await expect(page.getByTestId('templates')).not.toContainText('Does not fit your data');
});

test('segments work with the network off: list, editor, live preview and export', async ({
  page,
  context
}) => {
  const overview = new OverviewPage(page);
  await overview.open();
  await overview.loadSampleData();
  const { count } = await createSeedSegment(page);
  const url = page.url();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });

  await context.setOffline(true);
  await page.goto('/segments');
  await expect(page.getByTestId('connectivity')).toHaveText('Offline');
  const list = new SegmentsPage(page);
  await expect.poll(() => list.memberCount('Inactive loyal customers')).toBe(count);

  // A deep link to the segment, offline.
  await page.goto(url);
  const editor = new SegmentEditorPage(page);
  await expect(editor.query()).toHaveValue(
    'total_spent > 10000 AND not performed Purchased in last 3 months'
  );
  await expect.poll(() => editor.count()).toBe(count);
  await editor.write('NOT performed Purchased');
  await expect(editor.issues()).toHaveCount(0);
  await editor.save();
  await expect(editor.delta()).toContainText('+0 entering');
  const saved = await editor.count();
  await expect(editor.memberCount()).toHaveText(saved.toLocaleString('en'));
  // Changing the rule moved customers in and out: the log shows who, newest first.
  await expect(editor.logRows().first()).toContainText(/entered|left/);
  const file = await editor.exportCsv();
  expect(parseCsv(file.text)).toHaveLength(saved + 1);

  // Freezing keeps today's members as a static segment.
  await editor.freeze();
  await expect(editor.memberCount()).toHaveText(saved.toLocaleString('en'));
  // Its members entered the snapshot when it was made: the log and the chart start with them.
  await expect(page.getByTestId('log-status')).toContainText(
    `of ${saved.toLocaleString('en')} changes`
  );
  await expect(editor.logRows().first()).toContainText('entered');
  await expect(page.getByTestId('size-chart-summary')).toContainText(
    `${saved.toLocaleString('en')} entered and 0 left`
  );
  await list.open();
  await expect(
    list.row(`Inactive loyal customers ${new Date().toISOString().slice(0, 10)}`)
  ).toContainText('static');
  await context.setOffline(false);
});
