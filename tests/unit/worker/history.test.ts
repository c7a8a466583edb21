// The worker's membership history: sizes over time walked back from the current size, daily
// entered/left buckets and the filtered, paged log, compared with a forward-replaying reference model
// on random histories; and following storage (new records, records from other tabs, an erased table).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshDb } from '../../builders/data-service';
import { SegmentsRepo } from '$lib/storage/segments-repo';
import type { MembershipChangeRecord } from '$lib/storage/db';
import { DAY_MS, MembershipHistory, dayStart } from '$lib/worker/history';

const T0 = Date.UTC(2026, 0, 10, 7, 30);

/** A fake source over an array, as storage would serve it. */
function memorySource(rows: MembershipChangeRecord[]) {
  return {
    async changeIdRange() {
      if (rows.length === 0) return undefined;
      const ids = rows.map((r) => r.id ?? 0);
      return { first: Math.min(...ids), last: Math.max(...ids) };
    },
    async changesAfter(afterId: number) {
      return rows.filter((r) => (r.id ?? 0) > afterId).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    }
  };
}

interface Toggle {
  readonly customer: number;
  readonly at: number;
}

/**
 * A consistent history from toggles: each customer flips in or out, starting from `initial`
 * members, in time order (ids assigned in a shuffled order, as several writers might).
 */
function buildHistory(initial: readonly number[], toggles: readonly Toggle[], idOrder: number[]) {
  const inside = new Set(initial);
  const sorted = [...toggles].sort((a, b) => a.at - b.at);
  const records = sorted.map((t, i) => {
    const kind: 'enter' | 'leave' = inside.has(t.customer) ? 'leave' : 'enter';
    if (kind === 'enter') inside.add(t.customer);
    else inside.delete(t.customer);
    return { segmentId: 's', customerId: `C${t.customer}`, kind, at: t.at, seq: i };
  });
  const rows: MembershipChangeRecord[] = records.map((r, i) => ({
    id: idOrder[i] + 1,
    segmentId: r.segmentId,
    customerId: r.customerId,
    kind: r.kind,
    at: r.at
  }));
  return { rows, final: inside.size, records };
}

/** The reference: replay forward from the initial size. */
function refSize(initial: number, rows: readonly MembershipChangeRecord[], t: number): number {
  let size = initial;
  for (const r of rows) if (r.at <= t) size += r.kind === 'enter' ? 1 : -1;
  return size;
}

const historyArb = fc
  .record({
    initial: fc.uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 8 }),
    toggles: fc.array(
      fc.record({
        customer: fc.integer({ min: 0, max: 7 }),
        // Some instants coincide, some fall on day boundaries.
        at: fc.oneof(
          fc.integer({ min: 0, max: 40 }).map((d) => T0 + d * DAY_MS),
          fc.integer({ min: 0, max: 40 * 24 }).map((h) => T0 + h * 3_600_000)
        )
      }),
      { maxLength: 60 }
    )
  })
  .chain(({ initial, toggles }) =>
    fc
      .shuffledSubarray(
        toggles.map((_, i) => i),
        { minLength: toggles.length, maxLength: toggles.length }
      )
      .map((idOrder) => ({ initial, toggles, idOrder }))
  );

describe('membership history', () => {
  it('sizes at any instant walked back from now equal the forward replay', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.array(fc.integer({ min: -2, max: 42 * 24 }), { maxLength: 12 }),
        async ({ initial, toggles, idOrder }, hours) => {
          const { rows, final } = buildHistory(initial, toggles, idOrder);
          const history = new MembershipHistory(memorySource(rows));
          await history.sync();
          const byTime = [...rows].sort((a, b) => a.at - b.at || (a.id ?? 0) - (b.id ?? 0));
          const instants = hours.map((h) => T0 + h * 3_600_000).sort((a, b) => a - b);
          const since = T0 + 3 * 3_600_000;
          const sizes = history.sizesAt('s', final, instants, since);
          expect(sizes).toEqual(
            instants.map((t) => (t < since ? null : refSize(initial.length, byTime, t)))
          );
          expect(history.count('s')).toBe(rows.length);
          expect(history.lastChangeAt('s')).toBe(
            rows.length ? Math.max(...rows.map((r) => r.at)) : null
          );
        }
      ),
      { numRuns: 150 }
    );
  });

  it('daily buckets count the entries and exits of each UTC day and end with its size', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ initial, toggles, idOrder }) => {
        const { rows, final } = buildHistory(initial, toggles, idOrder);
        const history = new MembershipHistory(memorySource(rows));
        await history.sync();
        const now = T0 + 41 * DAY_MS + 5 * 3_600_000;
        const from = T0 + 5 * DAY_MS;
        const { days, entered, left } = history.daily('s', final, from, now, -Infinity);
        expect(days[0].day).toBe(dayStart(from));
        expect(days[days.length - 1].day).toBe(dayStart(now));
        for (const d of days) {
          const inDay = rows.filter((r) => r.at >= d.day && r.at < d.day + DAY_MS);
          expect([d.entered, d.left]).toEqual([
            inDay.filter((r) => r.kind === 'enter').length,
            inDay.filter((r) => r.kind === 'leave').length
          ]);
          expect(d.size).toBe(refSize(initial.length, rows, Math.min(d.day + DAY_MS - 1, now)));
        }
        expect(entered).toBe(days.reduce((n, d) => n + d.entered, 0));
        expect(left).toBe(days.reduce((n, d) => n + d.left, 0));
      }),
      { numRuns: 100 }
    );
  });

  it('the log filters by kind, customer and date range, newest first, in pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.record({
          kind: fc.constantFrom(undefined, 'enter' as const, 'leave' as const),
          customer: fc.constantFrom(undefined, '', 'c1', 'C3', '9'),
          from: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
          to: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
          offset: fc.integer({ min: 0, max: 30 }),
          limit: fc.integer({ min: 0, max: 20 })
        }),
        async ({ initial, toggles, idOrder }, q) => {
          const { rows } = buildHistory(initial, toggles, idOrder);
          const history = new MembershipHistory(memorySource(rows));
          await history.sync();
          const query = {
            kind: q.kind,
            customer: q.customer,
            from: q.from === undefined ? undefined : T0 + q.from * DAY_MS,
            to: q.to === undefined ? undefined : T0 + q.to * DAY_MS,
            offset: q.offset,
            limit: q.limit
          };
          const expected = rows
            .filter(
              (r) =>
                (query.kind === undefined || r.kind === query.kind) &&
                (!query.customer ||
                  r.customerId.toLowerCase().includes(query.customer.toLowerCase())) &&
                (query.from === undefined || r.at >= query.from) &&
                (query.to === undefined || r.at <= query.to)
            )
            .sort((a, b) => b.at - a.at || (b.id ?? 0) - (a.id ?? 0));
          const page = history.log('s', query);
          expect(page.total).toBe(expected.length);
          expect(page.rows).toEqual(
            expected.slice(q.offset, q.offset + q.limit).map((r) => ({ ...r }))
          );
        }
      ),
      { numRuns: 150 }
    );
  });

  it('the 30-day trend ends now, one point a day, null before the segment existed', async () => {
    const rows: MembershipChangeRecord[] = [
      { id: 1, segmentId: 's', customerId: 'a', kind: 'enter', at: T0 + 2 * DAY_MS },
      { id: 2, segmentId: 's', customerId: 'b', kind: 'enter', at: T0 + 20 * DAY_MS },
      { id: 3, segmentId: 's', customerId: 'a', kind: 'leave', at: T0 + 25 * DAY_MS },
      { id: 4, segmentId: 'other', customerId: 'z', kind: 'enter', at: T0 + 26 * DAY_MS }
    ];
    const history = new MembershipHistory(memorySource(rows));
    await history.sync();
    const now = T0 + 29 * DAY_MS;
    const trend = history.trend('s', 1, now, T0, 30);
    expect(trend.at).toHaveLength(30);
    expect(trend.at[29]).toBe(now);
    expect(trend.at[0]).toBe(T0);
    // Created at T0 with nobody; a in on day 2, b on day 20, a out on day 25.
    expect(trend.sizes[0]).toBe(0);
    expect(trend.sizes[2]).toBe(1);
    expect(trend.sizes[20]).toBe(2);
    expect(trend.sizes[25]).toBe(1);
    expect(trend.sizes[29]).toBe(1);
    const later = history.trend('s', 1, now, T0 + 10 * DAY_MS, 30);
    expect(later.sizes.slice(0, 10)).toEqual(new Array(10).fill(null));
    expect(history.trend('unknown', 4, now, -Infinity, 3).sizes).toEqual([4, 4, 4]);
  });

  it('follows storage: new records, records written elsewhere, and an erased history', async () => {
    const db = freshDb();
    const repo = new SegmentsRepo(db);
    const history = new MembershipHistory(repo);
    await history.sync();
    expect(history.count('s')).toBe(0);
    await repo.addChanges([
      { segmentId: 's', customerId: 'a', kind: 'enter', at: T0 },
      { segmentId: 's', customerId: 'b', kind: 'enter', at: T0 + 1 }
    ]);
    await history.sync();
    expect(history.count('s')).toBe(2);
    // Another writer (another tab) adds a change with an earlier instant: it lands in time order.
    await db.membershipChanges.add({ segmentId: 's', customerId: 'c', kind: 'enter', at: T0 - 5 });
    await history.sync();
    expect(history.log('s', { offset: 0, limit: 10 }).rows.map((r) => r.customerId)).toEqual([
      'b',
      'a',
      'c'
    ]);
    // Erased (delete all data), then written again: nothing of the old history remains.
    await db.membershipChanges.clear();
    await repo.addChanges([{ segmentId: 's', customerId: 'd', kind: 'leave', at: T0 + 9 }]);
    await history.sync();
    expect(history.log('s', { offset: 0, limit: 10 }).rows.map((r) => r.customerId)).toEqual(['d']);
    await db.membershipChanges.clear();
    await history.sync();
    expect(history.count('s')).toBe(0);
  });
});
