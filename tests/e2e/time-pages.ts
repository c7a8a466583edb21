// Page models for membership over time: the test clock (test builds only), a segment's members with
// their "leaves on" instants, its size chart and its entered/left log.
import { expect, type Page } from '@playwright/test';

/** localStorage key of the clock offset; the same as TEST_CLOCK_KEY in src/lib/worker/clock.ts. */
const CLOCK_KEY = 'segments:test-clock-offset';

/** The worker's clock, moved through the hook a test build installs (VITE_TEST_CLOCK=1). */
export class TestClock {
  constructor(readonly page: Page) {}

  /** Fails with instructions when the app was built without the test clock. */
  async expectAvailable(): Promise<void> {
    await expect
      .poll(() => this.page.evaluate(() => typeof window.__segmentsClock), {
        message:
          'This build has no test clock: build with VITE_TEST_CLOCK=1 (npm run build:test) for the time tests.'
      })
      .toBe('object');
  }

  async now(): Promise<number> {
    return this.page.evaluate(() => {
      if (!window.__segmentsClock) throw new Error('no test clock in this build');
      return window.__segmentsClock.now();
    });
  }

  /** Moves the worker's now to `at` while the app is open; resolves once the flips are applied. */
  async set(at: number): Promise<void> {
    await this.page.evaluate(async (t) => {
      if (!window.__segmentsClock) throw new Error('no test clock in this build');
      await window.__segmentsClock.set(t);
    }, at);
  }

  /**
   * Moves the clock while the app is closed: the next page of the app to open starts at `at`
   * (the offset is written before any of the app's scripts run).
   */
  async setWhileClosed(at: number): Promise<void> {
    const offset = at - Date.now();
    await this.page.addInitScript(
      ([key, value]) => {
        if (!location.protocol.startsWith('http')) return;
        if (Number(localStorage.getItem(key) ?? '0') < value)
          localStorage.setItem(key, String(value));
      },
      [CLOCK_KEY, offset] as const
    );
  }
}

/** The parts of a segment's page that show membership over time. */
export class SegmentTimePage {
  constructor(readonly page: Page) {}

  memberRows() {
    return this.page.getByTestId('members-table').getByTestId('member-row');
  }

  async sortBySoonestToLeave(): Promise<void> {
    await this.page.getByRole('button', { name: /^Leaves on/ }).click();
    await expect(this.page.getByRole('columnheader', { name: /Leaves on/ })).toHaveAttribute(
      'aria-sort',
      'ascending'
    );
  }

  /** The id and leave instant (epoch ms) of each member row shown, top to bottom. */
  async leaving(): Promise<{ id: string; at: number | null }[]> {
    const rows = await this.memberRows().all();
    const out: { id: string; at: number | null }[] = [];
    for (const row of rows) {
      const id = await row.locator('td').first().innerText();
      const time = row.getByTestId('member-next-change').locator('time');
      const at = (await time.count())
        ? Date.parse((await time.getAttribute('datetime')) ?? '')
        : null;
      out.push({ id, at });
    }
    return out;
  }

  logRows() {
    return this.page.getByTestId('membership-log').locator('tbody tr');
  }

  /** The log's rows as shown: customer, change and exact instant. */
  async log(): Promise<{ id: string; kind: string; at: number }[]> {
    const out: { id: string; kind: string; at: number }[] = [];
    for (const row of await this.logRows().all()) {
      const cells = row.locator('td');
      out.push({
        at: Date.parse((await cells.nth(0).locator('time').getAttribute('datetime')) ?? ''),
        id: await cells.nth(1).innerText(),
        kind: await cells.nth(2).innerText()
      });
    }
    return out;
  }

  async filterLog(filters: { customer?: string; kind?: 'Entered' | 'Left' }): Promise<void> {
    if (filters.customer !== undefined)
      await this.page.getByRole('searchbox', { name: 'Customer id' }).fill(filters.customer);
    if (filters.kind) await this.page.getByLabel('Change').selectOption({ label: filters.kind });
  }

  async clearLogFilters(): Promise<void> {
    await this.page.getByRole('button', { name: 'Clear filters' }).click();
  }

  chart() {
    return this.page.getByTestId('size-chart');
  }

  /** The chart's numbers for one UTC day (from its table alternative). */
  async chartDay(day: string): Promise<{ entered: number; left: number; size: string }> {
    const details = this.chart().locator('details');
    if (!(await details.getAttribute('open'))) await details.locator('summary').click();
    const row = this.chart()
      .getByTestId('size-row')
      .filter({ has: this.page.getByRole('rowheader', { name: day, exact: true }) });
    const cells = row.locator('td');
    return {
      entered: Number((await cells.nth(0).innerText()).replace(/,/g, '')),
      left: Number((await cells.nth(1).innerText()).replace(/,/g, '')),
      size: await cells.nth(2).innerText()
    };
  }
}
