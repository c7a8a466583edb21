// "Leaving soon" through the data service on the sample store: members sorted soonest first match
// each member's own next change sorted (the brute force), page after page, and each instant is a real
// change: just before it the customer is in, at it they are out.
import { describe, expect, it } from 'vitest';
import { freshService } from '../../builders/data-service';
import type { WorkerApi } from '$lib/worker/api';

const NOW = Date.UTC(2026, 8, 1, 9, 30);

async function allMembers(api: WorkerApi, id: string, order: 'default' | 'next-change') {
  const rows: { id: string; at: number | null }[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api.segmentMembers(id, offset, 500, order);
    if (!page.ok) throw new Error('no members');
    rows.push(...page.value.rows.map((r) => ({ id: r.id, at: r.nextChange ?? null })));
    if (offset + 500 >= page.value.total) return rows;
  }
}

describe('members by next change', () => {
  it('soonest first equals every member’s own instant sorted, and each is a real change', async () => {
    const clock = { now: NOW };
    const { api } = freshService(undefined, { now: () => clock.now });
    const loaded = await api.loadSampleData(() => undefined);
    expect(loaded.ok).toBe(true);
    for (const query of [
      'performed Purchased in last 30 days',
      'performed "Added to Cart" at least 2 times in last 3 months OR signup_date within last 60 days'
    ]) {
      const created = await api.createSegment({ name: query.slice(0, 40), query });
      if (!created.ok) throw new Error(created.issues.map((i) => i.message).join(' '));
      const id = created.value.id;
      const plain = await allMembers(api, id, 'default');
      const sorted = await allMembers(api, id, 'next-change');
      expect(plain.length).toBeGreaterThan(20);
      expect(sorted.map((r) => r.id).sort()).toEqual(plain.map((r) => r.id).sort());
      const key = (at: number | null) => at ?? Infinity;
      expect(sorted.map((r) => key(r.at))).toEqual(
        plain.map((r) => key(r.at)).sort((a, b) => a - b)
      );
      const own = new Map(plain.map((r) => [r.id, r.at]));
      for (const r of sorted) expect(r.at).toBe(own.get(r.id));
      // The customer page's explanation gives each member the same instant, or none alike.
      for (const r of sorted.filter((_, i) => i % 7 === 0)) {
        const explained = await api.customerSegments(r.id);
        if (!explained.ok) throw new Error('no explanation');
        const tree = explained.value.find((s) => s.id === id)?.explanation;
        expect(tree?.nextChange ?? null).toBe(r.at);
      }

      // The soonest really leaves at its instant, not a moment before.
      const first = sorted[0];
      if (first.at === null) throw new Error('nobody leaves');
      clock.now = first.at - 1;
      const before = await api.customerSegments(first.id);
      expect(before.ok && before.value.find((s) => s.id === id)?.member).toBe(true);
      clock.now = first.at;
      const after = await api.customerSegments(first.id);
      expect(after.ok && after.value.find((s) => s.id === id)?.member).toBe(false);
      clock.now = NOW;
    }
  }, 120_000);
});
