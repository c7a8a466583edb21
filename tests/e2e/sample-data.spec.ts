// Journey: a new user opens the app, loads the demo store, and browses customers, a customer, events and
// attributes.
import { expect, test } from '@playwright/test';
import { CustomersPage, OverviewPage } from './pages';

test('a first visit invites to load sample data, which can then be browsed', async ({ page }) => {
  const overview = new OverviewPage(page);
  await overview.open();
  await expect(page.getByRole('heading', { name: 'Welcome to Segments' })).toBeVisible();
  await overview.loadSampleData();
  expect(await overview.customerCount()).toBeGreaterThan(2000);
  expect(await overview.eventCount()).toBeGreaterThan(20000);

  const customers = new CustomersPage(page);
  await page.getByRole('link', { name: 'Customers', exact: true }).click();
  await expect(customers.table()).toBeVisible();
  await expect(customers.matched()).toContainText('customers');
  await expect.poll(async () => (await customers.visibleIds()).length).toBeGreaterThan(5);
  const firstIds = await customers.visibleIds();

  // Sorting by total spent, descending, puts the biggest spender first.
  await customers.sortBy('total_spent');
  await customers.sortBy('total_spent');
  await expect(customers.table().locator('th[aria-sort="descending"]')).toHaveCount(1);

  // Search by id finds exactly that customer; open it and see the timeline, newest first.
  const target = firstIds[0];
  await customers.search(target);
  await expect(customers.matched()).toContainText(/^1 of /);
  await customers.table().getByRole('link', { name: target }).click();
  await expect(page.getByTestId('customer-id')).toHaveText(target);
  await expect(page.getByRole('heading', { name: 'Attributes' })).toBeVisible();
  const times = await page
    .getByTestId('timeline')
    .locator('time')
    .evaluateAll((nodes) => nodes.map((n) => Date.parse(n.getAttribute('datetime') ?? '')));
  expect(times.length).toBeGreaterThan(0);
  expect([...times].sort((a, b) => b - a)).toEqual(times);

  await page.getByRole('link', { name: 'Events', exact: true }).click();
  const events = page.getByTestId('event-types');
  for (const name of [
    'Purchased',
    'Viewed Product',
    'Added to Cart',
    'Opened Email',
    'Clicked Link',
    'Refunded'
  ]) {
    await expect(events.getByRole('rowheader', { name, exact: true })).toBeVisible();
  }

  await page.getByRole('link', { name: 'Attributes', exact: true }).click();
  const totalSpent = page.getByTestId('attributes-table').getByRole('row', { name: /total_spent/ });
  await expect(totalSpent).toContainText('number');

  // Starting over removes everything, after a confirmation.
  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  await page.getByRole('button', { name: 'Delete all data…' }).click();
  await page.getByRole('button', { name: 'Yes, delete everything' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Segments' })).toBeVisible();
});
