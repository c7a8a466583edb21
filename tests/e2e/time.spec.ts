// Journey: time passing, with the network off. A test build's clock moves the worker's now: the member
// whose last purchase falls out of a 30-day window leaves at that exact instant, the log and the chart
// show it, the list's count follows without a reload; then the app is closed, the clock moves on, and
// on reopening the catch-up records the flips missed meanwhile at their true instants.
import { expect, test } from '@playwright/test';
import { expectAccessible, OverviewPage, SegmentEditorPage, SegmentsPage } from './pages';
import { SegmentTimePage, TestClock } from './time-pages';

const DAY = 86_400_000;
const RULE = 'performed Purchased in last 30 days';
const NAME = 'Recent buyers';
const SECOND = 1000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

test('time passing makes members leave at their true instants, also while the app was closed', async ({
  page,
  context
}) => {
  test.setTimeout(300_000);
  const overview = new OverviewPage(page);
  await overview.open();
  const clock = new TestClock(page);
  await clock.expectAvailable();
  await overview.loadSampleData();
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await context.setOffline(true);

  // A segment of recent buyers, created in the editor.
  await page.goto('/segments/new');
  const editor = new SegmentEditorPage(page);
  // The editor has settled (an empty rule is reported) before typing.
  await expect(editor.issues().first()).toContainText('The query is empty.');
  await editor.name().fill(NAME);
  await editor.write(RULE);
  await expect(editor.previewCount()).toBeVisible();
  await editor.create();
  const segmentUrl = page.url();
  const before = Number((await editor.memberCount().innerText()).replace(/,/g, ''));
  expect(before).toBeGreaterThan(2);
  await expect(page.getByTestId('log-empty')).toBeVisible();

  // Leaving soon: the members whose answer changes first, each with its instant.
  const time = new SegmentTimePage(page);
  await time.sortBySoonestToLeave();
  const soonest = await time.leaving();
  const first = soonest[0];
  expect(first.at).not.toBeNull();
  const firstAt = first.at as number;
  // The next one to leave strictly later (several may share an instant).
  const second = soonest.find((m) => m.at !== null && m.at > firstAt + SECOND);
  expect(second).toBeDefined();
  const secondAt = second?.at as number;
  const sorted = soonest.map((m) => m.at ?? Infinity);
  expect(sorted).toEqual([...sorted].sort((a, b) => a - b));

  // That instant is the customer's last purchase turning 30 days old.
  await page.goto(`/customers/${encodeURIComponent(first.id)}`);
  const lastPurchase = page
    .getByTestId('timeline')
    .locator('li')
    .filter({ has: page.getByText('Purchased', { exact: true }) })
    .first()
    .locator('time');
  const purchasedAt = Date.parse((await lastPurchase.getAttribute('datetime')) ?? '');
  expect(firstAt).toBe(purchasedAt + 30 * DAY);
  // The customer page says so too, in words: when they leave and why.
  const next = page
    .getByTestId('customer-segment')
    .filter({ has: page.getByRole('link', { name: NAME, exact: true }) })
    .getByTestId('segment-next-change');
  await expect(next).toContainText('Leaves on');
  await expect(next).toContainText('when their last Purchased turns 30 days old');
  await expect(next.locator('time')).toHaveAttribute('datetime', new Date(firstAt).toISOString());
  await expectAccessible(page);

  // Time passes just beyond the first instant: that member leaves, recorded at the true instant.
  await page.goto(segmentUrl);
  const startedAt = await clock.now();
  expect(firstAt).toBeGreaterThan(startedAt);
  await clock.set(firstAt + SECOND);
  await expect(time.logRows().first()).toContainText(first.id);
  const log = await time.log();
  expect(log.find((r) => r.id === first.id)).toEqual({ id: first.id, kind: 'left', at: firstAt });
  // Whoever else left did so at their own instant, none later than now.
  const listed = new Map(soonest.map((m) => [m.id, m.at]));
  for (const row of log) {
    expect(row.at).toBeLessThanOrEqual(firstAt + SECOND);
    if (listed.has(row.id)) expect(row.at).toBe(listed.get(row.id));
  }
  const leftNow = log.filter((r) => r.kind === 'left').length;
  await expect(editor.memberCount()).toHaveText((before - leftNow).toLocaleString('en'));

  // The chart shows the leave on its day.
  const leaveDay = await time.chartDay(day(firstAt));
  expect(leaveDay.left).toBeGreaterThanOrEqual(1);
  await expect(time.chart().locator(`[data-day="${day(firstAt)}"] rect.bar.leave`)).toHaveCount(1);
  await expect(time.chart().getByTestId('size-chart-summary')).toContainText(`${leftNow} left`);

  // The log filters: this customer only, then leaves only.
  await time.filterLog({ customer: first.id.toLowerCase() });
  await expect(time.logRows()).toHaveCount(1);
  await time.clearLogFilters();
  await time.filterLog({ kind: 'Entered' });
  await expect(page.getByTestId('log-status')).toHaveText('No changes match these filters.');
  await time.clearLogFilters();
  await expectAccessible(page);

  // The list follows as time passes, without a reload: the next member leaves at their instant.
  const list = new SegmentsPage(page);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Segments', exact: true })
    .click();
  const countBefore = await list.memberCount(NAME);
  expect(countBefore).toBe(before - leftNow);
  await expect(list.row(NAME).getByTestId('segment-trend').locator('svg')).toHaveAttribute(
    'aria-label',
    new RegExp(`to ${countBefore.toLocaleString('en')} members`)
  );
  await clock.set(secondAt + SECOND);
  await expect.poll(() => list.memberCount(NAME)).toBeLessThan(countBefore);
  await expect(list.row(NAME).getByTestId('segment-last-change').locator('time')).toHaveAttribute(
    'datetime',
    new Date(secondAt).toISOString()
  );
  await expectAccessible(page);

  // The app closes; ten days pass; it opens again (still offline).
  await page.goto(segmentUrl);
  await time.sortBySoonestToLeave();
  const expected = (await time.leaving()).filter((m) => m.at !== null);
  const closedAt = await clock.now();
  const reopenAt = closedAt + 10 * DAY;
  const missed = expected.filter((m) => (m.at as number) <= reopenAt);
  expect(missed.length).toBeGreaterThan(0);
  await page.goto('about:blank');
  await clock.setWhileClosed(reopenAt);
  await page.goto(segmentUrl);
  await expect(page.getByTestId('connectivity')).toHaveText('Offline');
  await expect.poll(async () => Math.abs((await clock.now()) - reopenAt)).toBeLessThan(60_000);

  // Every flip missed meanwhile is in the log with its true instant (the list was sorted soonest
  // first, so these are the earliest leavers shown), none of them recorded twice.
  // The earliest few and the last one before the reopening (each a filtered look-up of the log).
  for (const m of [...missed.slice(0, 3), ...missed.slice(3).slice(-1)]) {
    await time.filterLog({ customer: m.id });
    await expect
      .poll(async () => (await time.log()).filter((r) => r.id === m.id))
      .toEqual([{ id: m.id, kind: 'left', at: m.at }]);
  }
  await time.clearLogFilters();
  const lastMissed = missed[missed.length - 1].at as number;
  const missedDay = await time.chartDay(day(lastMissed));
  expect(missedDay.left).toBeGreaterThanOrEqual(1);
  await context.setOffline(false);
});

test('with two tabs open, one records each time flip and the other follows', async ({
  page,
  context
}) => {
  test.setTimeout(240_000);
  const overview = new OverviewPage(page);
  await overview.open();
  const clock = new TestClock(page);
  await clock.expectAvailable();
  await overview.loadSampleData();
  await page.goto('/segments/new');
  const editor = new SegmentEditorPage(page);
  await expect(editor.issues().first()).toContainText('The query is empty.');
  await editor.name().fill(NAME);
  await editor.write(RULE);
  await expect(editor.previewCount()).toBeVisible();
  await editor.create();
  const segmentUrl = page.url();
  const time = new SegmentTimePage(page);
  await time.sortBySoonestToLeave();
  const first = (await time.leaving())[0];
  const firstAt = first.at as number;
  expect(firstAt).toBeGreaterThan(await clock.now());

  // A second tab of the app on the same segment: the first tab's worker leads.
  const other = await context.newPage();
  await other.goto(segmentUrl);
  const otherTime = new SegmentTimePage(other);
  await expect(other.getByTestId('log-empty')).toBeVisible();
  await expect(other.getByTestId('member-count')).toHaveText(
    await editor.memberCount().innerText()
  );

  // Time passes in both tabs: the flip is recorded once, and the other tab shows it too.
  await new TestClock(other).set(firstAt + SECOND);
  await clock.set(firstAt + SECOND);
  await expect(time.logRows().first()).toContainText(first.id);
  await expect(otherTime.logRows().first()).toContainText(first.id);
  for (const [p, t] of [
    [page, time],
    [other, otherTime]
  ] as const) {
    await t.filterLog({ customer: first.id });
    await expect(p.getByTestId('log-status')).toContainText('of 1 changes');
    expect(await t.log()).toEqual([{ id: first.id, kind: 'left', at: firstAt }]);
  }
  await other.close();
});
