// Journeys, all with the network off after the first load: upload a list of customers with unmatched and
// duplicate rows, read the report and download the unmatched rows; create a static segment from it and
// add / remove members by search; compare two segments' overlap; export chosen columns and import the
// file back as customers, getting the same data.
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, ImportPage, OverviewPage, parseCsv } from './pages';
import { ListUploadPanel, OverlapPage, StaticSegmentPage } from './lists-pages';

// Each journey loads the sample data first; on this shared machine that alone can take half a minute.
test.describe.configure({ timeout: 180_000 });

const LIST = [
  'customer_id,note',
  'C000001,first',
  'C000002,second',
  'NOPE-1,not a customer',
  'C000003,third',
  'C000002,again',
  '"=HYPERLINK(""http://evil.example"")",formula',
  ''
].join('\n');

/** Loads the sample data online, waits for the service worker, then cuts the network. */
async function sampleDataOffline(page: Page, setOffline: (offline: boolean) => Promise<void>) {
  const overview = new OverviewPage(page);
  await overview.open();
  await overview.loadSampleData();
  await overview.waitUntilLoaded();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await setOffline(true);
  await expect(page.getByTestId('connectivity')).toHaveText('Offline');
}

/** The segments list, reached through the app's navigation (no reload: the worker keeps its data). */
async function openSegments(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Segments', exact: true })
    .click();
  await expect(page.getByRole('heading', { name: 'Segments', level: 1 })).toBeVisible();
}

async function openUpload(page: Page): Promise<ListUploadPanel> {
  await openSegments(page);
  await page.getByRole('link', { name: 'New from a list' }).click();
  await expect(page.getByRole('heading', { name: 'New static segment from a list' })).toBeVisible();
  return new ListUploadPanel(page);
}

test('a static segment from a list: report, unmatched rows download, add and remove by search', async ({
  page,
  context
}) => {
  await sampleDataOffline(page, (o) => context.setOffline(o));
  const upload = await openUpload(page);
  await upload.choose('vip-list.csv', LIST);
  await expect(page.getByTestId('list-column')).toHaveValue('0');
  await expect(page.getByTestId('list-by')).toHaveValue('id');
  expect(await upload.counts()).toEqual({ rows: 6, matched: 3, unmatched: 2, duplicates: 1 });
  await expect(page.getByTestId('list-duplicate-rows')).toContainText('Same customer as row 3.');
  await expect(page.getByTestId('list-unmatched-rows').locator('tbody tr')).toHaveCount(2);
  await expectAccessible(page);

  // The unmatched rows, with the file's columns and why; the formula is neutralised.
  const unmatched = await upload.downloadUnmatched();
  expect(unmatched.fileName).toBe('vip-list-unmatched.csv');
  expect(parseCsv(unmatched.text)).toEqual([
    ['row', 'customer_id', 'note', 'reason'],
    ['4', 'NOPE-1', 'not a customer', 'No customer with this id on this device.'],
    [
      '7',
      `'=HYPERLINK("http://evil.example")`,
      'formula',
      'No customer with this id on this device.'
    ]
  ]);

  await upload.create('VIP list');
  const segment = new StaticSegmentPage(page);
  await expect(segment.memberCount()).toHaveText('3');
  await expect(page.getByTestId('members-table').locator('tbody tr')).toHaveCount(3);
  await expect(segment.logRows()).toHaveCount(3);

  // Add and remove single members found by search; each change is in the log.
  await segment.add('C000010');
  await expect(segment.memberCount()).toHaveText('4');
  await segment.remove('C000001');
  await expect(segment.memberCount()).toHaveText('3');
  await expect(segment.logRows()).toHaveCount(5);
  await expect(segment.logRows().first()).toContainText(/C000001\s*left/);
  await expect(
    page.getByTestId('members-table').getByRole('link', { name: 'C000010', exact: true })
  ).toBeVisible();
  await expectAccessible(page);

  // Another list, uploaded in remove mode, takes its customers out.
  await page.getByText('Upload a list to add, remove or replace members').click();
  await upload.choose('leavers.csv', 'customer_id\nC000002\n');
  await page.getByLabel('Remove these customers').check();
  await page.getByRole('button', { name: 'Apply to VIP list' }).click();
  await expect(segment.memberCount()).toHaveText('2');

  // A dynamic rule can name the static segment.
  await openSegments(page);
  await page.getByRole('link', { name: 'New segment', exact: true }).click();
  await page.getByLabel('Rule', { exact: true }).fill('in segment "VIP list"');
  await expect(page.getByTestId('preview-count')).toHaveText('2');
  await context.setOffline(false);
});

test('the overlap of two segments, and an export of chosen columns that imports back', async ({
  page,
  context
}) => {
  await sampleDataOffline(page, (o) => context.setOffline(o));
  const ids = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `C${String(from + i).padStart(6, '0')}`);
  let upload = await openUpload(page);

  // A large list shows how far matching has got, and Cancel stops it, keeping nothing.
  const big = ['customer_id'];
  for (let i = 0; i < 1_000_000; i++) big.push(`X${i}`);
  await upload.pick('huge.csv', big.join('\n'));
  await expect(upload.matching().getByRole('status')).toContainText(/[1-9][\d,]* rows/);
  await expect(upload.matching().getByRole('progressbar')).toBeVisible();
  await expectAccessible(page);
  await upload.cancel();
  await expect(page.getByTestId('list-notice')).toContainText('nothing was kept');
  await expect(upload.matching()).toBeHidden();
  await expect(upload.report()).toBeHidden();
  await expect(page.getByLabel('Choose a CSV list of customers')).toHaveValue('');

  await upload.choose('a.csv', ['customer_id', ...ids(1, 30)].join('\n'));
  await upload.create('List A');
  upload = await openUpload(page);
  await upload.choose('b.csv', ['customer_id', ...ids(21, 45)].join('\n'));
  await upload.create('List B');

  // A = 1–30, B = 21–45: 20 only in A, 15 only in B, 10 in both, 45 in either.
  await openSegments(page);
  await page.getByRole('link', { name: 'Compare segments' }).click();
  const overlap = new OverlapPage(page);
  await overlap.pick('List A');
  await overlap.pick('List B');
  await expect(overlap.table()).toBeVisible();
  expect(await overlap.row('List A')).toEqual([20, 30]);
  expect(await overlap.row('List B')).toEqual([15, 25]);
  expect(await overlap.row('List A ∩ List B')).toEqual([10, 10]);
  await expect(page.getByTestId('overlap-union')).toHaveText('45');
  await expect(page.getByTestId('overlap-venn')).toHaveAttribute(
    'aria-label',
    /20 only in List A; 15 only in List B; 10 only in List A and List B/
  );
  await expectAccessible(page);

  // Export List B with three chosen columns; the file name carries the name and the date.
  await openSegments(page);
  await page.getByRole('link', { name: 'List B', exact: true }).click();
  const segment = new StaticSegmentPage(page);
  await expect(segment.memberCount()).toHaveText('25');
  await segment.openExport();
  await expectAccessible(page);
  const file = await segment.exportColumns(['email', 'city', 'total_spent'], {
    segment: false,
    enteredAt: false
  });
  expect(file.fileName).toBe(`list-b-${new Date().toISOString().slice(0, 10)}.csv`);
  const rows = parseCsv(file.text);
  expect(rows[0]).toEqual(['customer_id', 'email', 'city', 'total_spent']);
  expect(rows.slice(1).map((r) => r[0])).toEqual(ids(21, 45));

  // The file goes back in through the app's own import: same customers, same values.
  const importPage = new ImportPage(page);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Import', exact: true })
    .click();
  await importPage.chooseFile(await saveText(file.fileName, file.text));
  await expect(importPage.mapping()).toBeVisible();
  await importPage.start();
  await expect(importPage.report()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('count-updated')).toHaveText('25');
  await expect(page.getByTestId('count-inserted')).toHaveText('0');
  await expect(page.getByTestId('count-rejected')).toHaveText('0');
  await openSegments(page);
  await page.getByRole('link', { name: 'List B', exact: true }).click();
  await expect(segment.memberCount()).toHaveText('25');
  const again = await segment.exportColumns(['email', 'city', 'total_spent'], {
    segment: false,
    enteredAt: false
  });
  expect(again.text).toBe(file.text);
  await context.setOffline(false);
});

/** Writes text to a temporary file for a file input, returning its path. */
async function saveText(name: string, text: string): Promise<string> {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'lists-e2e-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
