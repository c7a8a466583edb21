// Journey: the user reloads the tab in the middle of a large import. Nothing of that import is kept, the
// history says it was interrupted, and the data from before is intact.
import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { ImportPage, OverviewPage } from './pages';

/** A large events CSV written to disk (Playwright passes files over 50 MB by path). */
function bigEventsFile(path: string, rows: number): string {
  const lines = ['customer_id,event,timestamp,amount,category'];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < rows; i++) {
    const t = new Date(start + i * 60_000).toISOString();
    lines.push(`C${i % 5000},Purchased,${t},${(i % 997) + 0.5},cat${i % 13}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

test('reloading mid-import leaves no half-written import', async ({ page }, testInfo) => {
  const importer = new ImportPage(page);
  await importer.open();
  await importer.importFile('tests/fixtures/customers.csv');
  await page.getByRole('button', { name: 'Import another file' }).click();

  await page
    .getByLabel(/Choose a CSV file/)
    .setInputFiles(bigEventsFile(testInfo.outputPath('big-events.csv'), 1_500_000));
  await expect(importer.mapping()).toBeVisible();
  await importer.start();
  const progress = page.getByTestId('import-progress');
  await expect(progress).toContainText(/[1-9][\d,]* rows ·/);
  await page.reload();

  const history = page.getByTestId('import-history');
  await expect(history.getByRole('row', { name: /big-events\.csv/ })).toContainText('interrupted');
  await expect(history.getByRole('row', { name: /customers\.csv/ })).toContainText('imported');
  const overview = new OverviewPage(page);
  await overview.open();
  expect(await overview.customerCount()).toBe(4);
  expect(await overview.eventCount()).toBe(0);
  const chunks = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('segments');
        open.onsuccess = () => {
          const request = open.result.transaction('eventChunks').objectStore('eventChunks').count();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
        open.onerror = () => reject(open.error);
      })
  );
  expect(chunks).toBe(0);
});
