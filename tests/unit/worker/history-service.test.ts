// Membership over time through the data service, in Node over fake-indexeddb with a controllable
// clock: the list's 30-day trend and last change, the segment's daily chart data and log as time
// passes and data arrives, the catch-up after a restart in the history, and members ordered by when
// passing time will next change their answer.
import { describe, expect, it } from 'vitest';
import { csv, freshDb, freshService, importBlob } from '../../builders/data-service';
import { createDataService } from '$lib/worker/data-service';
import type { WorkerApi } from '$lib/worker/api';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15, 12);
const iso = (ms: number) => new Date(ms).toISOString();

const CUSTOMERS = ['id,name', 'c1,Ana', 'c2,Ben', 'c3,Chloé', 'c4,Dev'].join('\n');
/** Last purchases 25, 10 and 3 days ago (c4 never bought). */
const EVENTS = [
  'event_id,customer_id,event,timestamp',
  `e1,c1,Purchased,${iso(NOW - 25 * DAY)}`,
  `e2,c2,Purchased,${iso(NOW - 10 * DAY)}`,
  `e3,c3,Purchased,${iso(NOW - 3 * DAY)}`
].join('\n');

async function setUp() {
  const clock = { now: NOW };
  const { api, db } = freshService(freshDb(), { now: () => clock.now });
  await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
  await importBlob(api, csv(EVENTS), 'events.csv', 'events');
  const created = await api.createSegment({
    name: 'Recent buyers',
    query: 'performed Purchased in last 30 days'
  });
  if (!created.ok) throw new Error('not created');
  return { api, db, clock, id: created.value.id };
}

async function logOf(api: WorkerApi, id: string, query = {}) {
  const r = await api.segmentLog(id, { offset: 0, limit: 50, ...query });
  if (!r.ok) throw new Error('no log');
  return r.value;
}

describe('membership over time in the worker', () => {
  it('members leave at their true instants; log, daily chart and list trend show it', async () => {
    const { api, clock, id } = await setUp();
    const [fresh] = await api.segments();
    expect(fresh.members).toBe(3);
    expect(fresh.lastChangeAt).toBeNull();
    // Before the segment existed there is no size; from its creation on, 3.
    expect(fresh.trend?.sizes.at(-1)).toBe(3);
    expect(fresh.trend?.sizes.at(-2)).toBeNull();

    clock.now = NOW + 21 * DAY;
    const [listed] = await api.segments();
    expect(listed.members).toBe(1);
    const leftAt = [NOW + 5 * DAY, NOW + 20 * DAY];
    expect(listed.lastChangeAt).toBe(leftAt[1]);
    const log = await logOf(api, id);
    expect(log.rows.map((r) => [r.customerId, r.kind, r.at])).toEqual([
      ['c2', 'leave', leftAt[1]],
      ['c1', 'leave', leftAt[0]]
    ]);
    // The trend: a point a day up to now; sizes step down at each leave.
    const trend = listed.trend;
    if (!trend) throw new Error('no trend');
    expect(trend.at.at(-1)).toBe(clock.now);
    expect(trend.sizes.at(-1)).toBe(1);
    expect(trend.sizes.at(-10)).toBe(2);
    expect(trend.sizes.at(-20)).toBe(3);
    expect(trend.sizes.at(-23)).toBeNull();

    const history = await api.segmentHistory(id, 30);
    if (!history.ok) throw new Error('no history');
    const { days } = history.value;
    expect(days).toHaveLength(30);
    const byDay = new Map(days.map((d) => [d.day, d]));
    const dayOf = (t: number) => Math.floor(t / DAY) * DAY;
    expect(byDay.get(dayOf(leftAt[0]))).toMatchObject({ entered: 0, left: 1, size: 2 });
    expect(byDay.get(dayOf(leftAt[1]))).toMatchObject({ entered: 0, left: 1, size: 1 });
    expect(byDay.get(dayOf(NOW))).toMatchObject({ entered: 0, left: 0, size: 3 });
    expect(byDay.get(dayOf(NOW - DAY))?.size).toBeNull();
    expect([history.value.entered, history.value.left]).toEqual([0, 2]);

    // An import brings Dev in now: the log's newest row, and today's bucket.
    await importBlob(
      api,
      csv(`event_id,customer_id,event,timestamp\ne4,c4,Purchased,${iso(clock.now - DAY)}\n`),
      'more.csv',
      'events'
    );
    const after = await logOf(api, id);
    expect(after.rows[0]).toMatchObject({ customerId: 'c4', kind: 'enter', at: clock.now });
    const today = await api.segmentHistory(id, 1);
    expect(today.ok && today.value.days).toEqual([
      { day: dayOf(clock.now), entered: 1, left: 0, size: 2 }
    ]);

    // Filters: leaves only, a customer, a date range.
    expect((await logOf(api, id, { kind: 'leave' })).total).toBe(2);
    expect((await logOf(api, id, { customer: 'C4' })).rows.map((r) => r.kind)).toEqual(['enter']);
    const ranged = await logOf(api, id, { from: NOW, to: NOW + 10 * DAY });
    expect(ranged.rows.map((r) => r.customerId)).toEqual(['c1']);
    expect((await api.segmentLog('nope', { offset: 0, limit: 5 })).ok).toBe(false);
    expect((await api.segmentHistory('nope', 5)).ok).toBe(false);
  });

  it('a restart records the flips missed while closed, and the history shows them', async () => {
    const { db, id } = await setUp();
    await expect.poll(async () => (await db.meta.get('segmentsClock'))?.value).toBe(NOW);
    const reopened = createDataService(db, { now: () => NOW + 40 * DAY });
    const [listed] = await reopened.segments();
    expect(listed.members).toBe(0);
    expect(listed.lastChangeAt).toBe(NOW + 27 * DAY);
    const log = await logOf(reopened, id);
    expect(log.rows.map((r) => [r.customerId, r.at])).toEqual([
      ['c3', NOW + 27 * DAY],
      ['c2', NOW + 20 * DAY],
      ['c1', NOW + 5 * DAY]
    ]);
  });

  it('members carry when they will leave, soonest first on request', async () => {
    const { api, clock, id } = await setUp();
    const page = await api.segmentMembers(id, 0, 10, 'next-change');
    if (!page.ok) throw new Error('no members');
    expect(page.value.rows.map((r) => [r.id, r.nextChange])).toEqual([
      ['c1', NOW + 5 * DAY],
      ['c2', NOW + 20 * DAY],
      ['c3', NOW + 27 * DAY]
    ]);
    const second = await api.segmentMembers(id, 1, 1, 'next-change');
    expect(second.ok && second.value.rows.map((r) => r.id)).toEqual(['c2']);
    // The same instants as the customer page's explanation.
    const explained = await api.customerSegments('c2');
    expect(explained.ok && explained.value[0].explanation?.nextChange).toBe(NOW + 20 * DAY);

    // New data moves an instant: Ana buys again today.
    await importBlob(
      api,
      csv(`event_id,customer_id,event,timestamp\ne5,c1,Purchased,${iso(NOW)}\n`),
      'again.csv',
      'events'
    );
    const moved = await api.segmentMembers(id, 0, 10, 'next-change');
    expect(moved.ok && moved.value.rows.map((r) => [r.id, r.nextChange])).toEqual([
      ['c2', NOW + 20 * DAY],
      ['c3', NOW + 27 * DAY],
      ['c1', NOW + 30 * DAY]
    ]);
    // Time moves past c2's instant: it has left, and is no longer listed.
    clock.now = NOW + 21 * DAY;
    const later = await api.segmentMembers(id, 0, 10, 'next-change');
    expect(later.ok && later.value.rows.map((r) => r.id)).toEqual(['c3', 'c1']);

    // A rule whose answer passing time never changes: no instants.
    const timeless = await api.createSegment({ name: 'Named', query: 'name is set' });
    if (!timeless.ok) throw new Error('not created');
    const rows = await api.segmentMembers(timeless.value.id, 0, 10, 'next-change');
    expect(rows.ok && rows.value.rows.map((r) => r.nextChange)).toEqual([null, null, null, null]);
  });

  it('the test clock is refused outside a test build', async () => {
    const { api } = await setUp();
    const r = await api.setTestClock(DAY);
    expect(r.ok).toBe(false);
  });
});
