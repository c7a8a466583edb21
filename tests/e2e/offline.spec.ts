// Journey: after one visit the app is installed as a PWA; with the network off it still loads, deep links
// included, and all the local data is there.
import { expect, test } from '@playwright/test';
import { CustomersPage, OverviewPage } from './pages';

test('with the network off, the app reloads, deep links open, and the data is all there', async ({
  page,
  context
}) => {
  const overview = new OverviewPage(page);
  await overview.open();
  await overview.loadSampleData();
  const customers = await overview.customerCount();
  const events = await overview.eventCount();
  await expect(page.getByTestId('connectivity')).toHaveText('Online');
  // The service worker has precached the shell.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });

  await context.setOffline(true);
  await expect(page.getByTestId('connectivity')).toHaveText('Offline');
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('connectivity')).toHaveText('Offline');
  expect(await overview.customerCount()).toBe(customers);
  expect(await overview.eventCount()).toBe(events);

  // A deep link typed into the address bar, offline.
  await page.goto('/customers/C000042');
  await expect(page.getByTestId('customer-id')).toHaveText('C000042');
  await expect(page.getByRole('heading', { name: 'Attributes' })).toBeVisible();

  const list = new CustomersPage(page);
  await list.open();
  await expect(list.matched()).toContainText(`${customers.toLocaleString('en')} customers`);
  await page.goto('/events');
  await expect(
    page.getByTestId('event-types').getByRole('rowheader', { name: 'Purchased' })
  ).toBeVisible();
  await context.setOffline(false);
});

test('the app can be installed: it has a manifest with icons and a service worker', async ({
  page
}) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const manifest = await (await page.request.get(href ?? '')).json();
  expect(manifest).toMatchObject({
    name: expect.any(String),
    display: 'standalone',
    theme_color: expect.any(String)
  });
  const sizes = manifest.icons.map(
    (i: { sizes: string; purpose?: string }) => `${i.sizes}:${i.purpose ?? 'any'}`
  );
  expect(sizes).toEqual(expect.arrayContaining(['192x192:any', '512x512:any', '512x512:maskable']));
  for (const icon of manifest.icons) expect((await page.request.get(icon.src)).ok()).toBe(true);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toMatch(/\/$/);
});
