// Journey: the user starts a large import, watches its progress, and cancels it: nothing is kept.
import { expect, test } from '@playwright/test';
import { ImportPage, OverviewPage } from './pages';

test('cancel stops a large import and keeps nothing of it', async ({ page }) => {
  const importer = new ImportPage(page);
  await importer.open();
  const lines = ['id,email,total_spent'];
  for (let i = 0; i < 400_000; i++) lines.push(`K${i},k${i}@example.com,${i % 5000}`);
  await page.getByLabel(/Choose a CSV file/).setInputFiles({
    name: 'many.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(lines.join('\n'))
  });
  await expect(importer.mapping()).toBeVisible();
  await importer.start();
  const progress = page.getByTestId('import-progress');
  await expect(progress).toContainText(/rows\/s/);
  await expect(progress.getByRole('progressbar')).toBeVisible();
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(progress).toBeHidden();
  await expect(page.getByRole('alert')).toContainText('cancelled');
  await expect(
    page.getByTestId('import-history').getByRole('row', { name: /many\.csv/ })
  ).toContainText('cancelled');
  const overview = new OverviewPage(page);
  await overview.open();
  await expect(page.getByRole('heading', { name: 'Welcome to Segments' })).toBeVisible();
});
