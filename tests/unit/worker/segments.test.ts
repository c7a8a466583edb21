// Segments in the data service, end to end in Node over fake-indexeddb with a controllable clock:
// creating from text, the editor's checks and previews, membership kept current by imports and by
// passing time (each change recorded with its instant), rename/duplicate/delete/undo, and exports.
import { describe, expect, it } from 'vitest';
import { csv, freshDb, freshService, importBlob } from '../../builders/data-service';
import { createDataService } from '$lib/worker/data-service';
import type { WorkerApi } from '$lib/worker/api';
import { SEGMENT_TEMPLATES } from '$lib/worker/segment-templates';

/** The segment's entered/left log, newest first (one page), as a Result of its rows. */
async function logOf(api: WorkerApi, id: string, limit: number) {
  const page = await api.segmentLog(id, { offset: 0, limit });
  return page.ok ? { ok: true as const, value: page.value.rows } : page;
}

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15, 12);
const SEED = 'total_spent > 10000 AND NOT performed Purchased in last 3 months';

const iso = (ms: number) => new Date(ms).toISOString();

const CUSTOMERS = [
  'id,name,email,total_spent,signup_date,city',
  `c1,Ana,ana@example.com,25000,2024-01-01,Mumbai`,
  `c2,Ben,ben@example.com,15000,2024-02-01,Pune`,
  `c3,Chloé,chloe@example.com,500,2024-03-01,Delhi`,
  `c4,=HYPERLINK("http://x"),evil@example.com,-20,2024-04-01,"@Goa"`
].join('\n');

/** c1 bought 100 days ago (inactive); c2 bought 10 days ago (active). */
const EVENTS = [
  'event_id,customer_id,event,timestamp,amount',
  `e1,c1,Purchased,${iso(NOW - 100 * DAY)},100`,
  `e2,c2,Purchased,${iso(NOW - 10 * DAY)},200`,
  `e3,c3,Added to Cart,${iso(NOW - 2 * DAY)},`
].join('\n');

async function withData(clock = { now: NOW }) {
  const { api, db } = freshService(freshDb(), { now: () => clock.now });
  await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
  await importBlob(api, csv(EVENTS), 'events.csv', 'events');
  return { api, db, clock };
}

async function create(api: WorkerApi, name: string, query: string) {
  const r = await api.createSegment({ name, query });
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  return r.value;
}

describe('segments in the worker', () => {
  it('creates the seed segment from text and lists it with its live member count', async () => {
    const { api } = await withData();
    const seg = await create(api, '  Inactive   loyal ', SEED);
    expect(seg).toMatchObject({ name: 'Inactive loyal', kind: 'dynamic', members: 1, issues: [] });
    // The canonical text: AND/OR upper case, `not performed` as one phrase.
    expect(seg.query).toBe('total_spent > 10000 AND not performed Purchased in last 3 months');
    const list = await api.segments();
    expect(list.map((s) => [s.name, s.members])).toEqual([['Inactive loyal', 1]]);
    const members = await api.segmentMembers(seg.id, 0, 10);
    expect(members.ok && members.value.rows.map((r) => r.id)).toEqual(['c1']);
  });

  it('refuses invalid rules and names with issues the editor can show', async () => {
    const { api } = await withData();
    const bad = await api.createSegment({ name: 'X', query: 'total_spnt > 10' });
    expect(bad.ok).toBe(false);
    await create(api, 'Big', 'total_spent > 1000');
    const taken = await api.createSegment({ name: 'big', query: 'total_spent > 1' });
    expect(!taken.ok && taken.issues[0].code).toBe('name-taken');
    const empty = await api.createSegment({ name: '  ', query: 'total_spent > 1' });
    expect(!empty.ok && empty.issues[0].code).toBe('empty-name');
  });

  it('checks query text: errors at their position with a hint, warnings for unknown events', async () => {
    const { api } = await withData();
    const check = await api.checkQuery('city = "Pune" AND total_spnt > 10');
    expect(check.canonical).toBeNull();
    expect(check.issues).toEqual([
      expect.objectContaining({
        code: 'unknown-attribute',
        severity: 'error',
        span: { start: 18, end: 28 },
        hint: 'did you mean `total_spent`?'
      })
    ]);
    const syntax = await api.checkQuery('total_spent > ');
    expect(syntax.issues[0]).toMatchObject({ severity: 'error', span: expect.any(Object) });
    const warned = await api.checkQuery('performed Refunded');
    expect(warned.canonical).toBe('performed Refunded');
    expect(warned.issues).toEqual([expect.objectContaining({ severity: 'warning' })]);
  });

  it('previews text against the saved version: count, entering, leaving and a sample', async () => {
    const { api } = await withData();
    const seg = await create(api, 'Spenders', 'total_spent > 10000');
    const preview = await api.previewSegment('total_spent > 1000 OR city = "Delhi"', seg.id, 2);
    expect(preview.ok && preview.value).toEqual({
      count: 3,
      total: 4,
      entering: 1,
      leaving: 0,
      sample: [
        { id: 'c1', label: 'Ana' },
        { id: 'c2', label: 'Ben' }
      ],
      warnings: []
    });
    const narrower = await api.previewSegment('total_spent > 20000', seg.id);
    expect(
      narrower.ok && [narrower.value.count, narrower.value.entering, narrower.value.leaving]
    ).toEqual([1, 0, 1]);
    const unsaved = await api.previewSegment('total_spent > 20000');
    expect(unsaved.ok && unsaved.value.entering).toBe(0);
    const invalid = await api.previewSegment('total_spent >');
    expect(invalid.ok).toBe(false);
  });

  it('keeps membership current after an import and records each change with its instant', async () => {
    const clock = { now: NOW };
    const { api, db } = await withData(clock);
    const seg = await create(api, 'Inactive loyal', SEED);
    clock.now = NOW + 1000;
    // Ana buys again (leaves), Ben's spend drops (stays out), a new big spender arrives (enters).
    await importBlob(api, csv(`id,total_spent\nc5,99999\n`), 'more.csv', 'customers');
    await importBlob(
      api,
      csv(`event_id,customer_id,event,timestamp\ne9,c1,purchased,${iso(NOW)}\n`),
      'more-events.csv',
      'events'
    );
    const listed = (await api.segments())[0];
    expect(listed.members).toBe(1);
    const changes = await db.membershipChanges.where('segmentId').equals(seg.id).toArray();
    expect(changes.map((c) => [c.customerId, c.kind, c.at])).toEqual([
      ['c5', 'enter', NOW + 1000],
      ['c1', 'leave', NOW + 1000]
    ]);
    expect(listed.lastChangeAt).toBe(NOW + 1000);
    const log = await logOf(api, seg.id, 10);
    expect(log.ok && log.value.map((c) => [c.customerId, c.kind])).toEqual([
      ['c1', 'leave'],
      ['c5', 'enter']
    ]);
    expect((await logOf(api, 'nope', 10)).ok).toBe(false);

    // From the customer's side: in or out, why, and the history.
    const ana = await api.customerSegments('c1');
    if (!ana.ok) throw new Error('no customer');
    expect(ana.value).toHaveLength(1);
    expect(ana.value[0]).toMatchObject({ name: 'Inactive loyal', member: false });
    expect(ana.value[0].history.map((h) => [h.kind, h.at])).toEqual([['leave', NOW + 1000]]);
    expect(ana.value[0].explanation).toMatchObject({ result: false, children: expect.any(Array) });
    const newcomer = await api.customerSegments('c5');
    expect(newcomer.ok && newcomer.value[0].member).toBe(true);
    expect((await api.customerSegments('nobody')).ok).toBe(false);
  });

  it('applies time flips at their exact instants as the clock moves', async () => {
    const clock = { now: NOW };
    const { api, db } = await withData(clock);
    const seg = await create(api, 'Recent buyers', 'performed Purchased in last 30 days');
    expect(seg.members).toBe(1);
    clock.now = NOW + 40 * DAY;
    const [listed] = await api.segments();
    expect(listed.members).toBe(0);
    const changes = await db.membershipChanges.toArray();
    expect(changes.map((c) => [c.customerId, c.kind, c.at])).toEqual([
      ['c2', 'leave', NOW - 10 * DAY + 30 * DAY]
    ]);
  });

  it('on the next start, records the flips missed while the app was closed at their instants', async () => {
    const { api, db } = await withData();
    const seg = await create(api, 'Recent buyers', 'performed Purchased in last 30 days');
    await expect.poll(async () => (await db.meta.get('segmentsClock'))?.value).toBe(NOW);

    // Forty days later the app opens again: Ben's purchase turned 30 days old on day 20.
    const reopened = createDataService(db, { now: () => NOW + 40 * DAY });
    const [listed] = await reopened.segments();
    expect(listed).toMatchObject({ id: seg.id, members: 0 });
    await expect
      .poll(async () =>
        (await db.membershipChanges.toArray()).map((c) => [c.customerId, c.kind, c.at])
      )
      .toEqual([['c2', 'leave', NOW + 20 * DAY]]);
    await expect.poll(async () => (await db.meta.get('segmentsClock'))?.value).toBe(NOW + 40 * DAY);

    // Opening once more replays nothing twice.
    const again = createDataService(db, { now: () => NOW + 41 * DAY });
    await again.segments();
    await new Promise((r) => setTimeout(r, 50));
    expect(await db.membershipChanges.count()).toBe(1);
  });

  it('renames (references follow), duplicates, deletes and restores', async () => {
    const { api } = await withData();
    const base = await create(api, 'Spenders', 'total_spent > 10000');
    const nested = await create(api, 'Spenders in Pune', 'in segment Spenders AND city = "Pune"');
    expect(nested.members).toBe(1);
    const renamed = await api.updateSegment(base.id, { name: 'Big spenders' });
    expect(renamed.ok && renamed.value.name).toBe('Big spenders');
    const after = await api.segment(nested.id);
    expect(after.ok && after.value.query).toBe('in segment "Big spenders" AND city = "Pune"');
    expect(after.ok && after.value.members).toBe(1);

    const copy = await api.duplicateSegment(base.id);
    expect(copy.ok && [copy.value.name, copy.value.members]).toEqual(['Big spenders (copy)', 2]);
    const copy2 = await api.duplicateSegment(base.id);
    expect(copy2.ok && copy2.value.name).toBe('Big spenders (copy 2)');

    const deleted = await api.deleteSegment(copy.ok ? copy.value.id : '');
    expect(deleted.ok).toBe(true);
    expect((await api.segments()).map((s) => s.name)).toEqual([
      'Big spenders',
      'Spenders in Pune',
      'Big spenders (copy 2)'
    ]);
    const restored = await api.restoreSegment(copy.ok ? copy.value.id : '');
    expect(restored.ok && restored.value.members).toBe(2);
    expect((await api.segments()).length).toBe(4);
    expect((await api.restoreSegment('nope')).ok).toBe(false);
  });

  it('freezes a dynamic segment into a static snapshot that imports do not change', async () => {
    const { api } = await withData();
    const seg = await create(api, 'Spenders', 'total_spent > 10000');
    const frozen = await api.freezeSegment(seg.id);
    if (!frozen.ok) throw new Error('not frozen');
    expect(frozen.value).toMatchObject({
      name: 'Spenders 2026-06-15',
      kind: 'static',
      members: 2,
      query: ''
    });
    // Its members entered it at the instant of the freeze: the log, the chart and the list show them.
    expect(frozen.value.lastChangeAt).toBe(NOW);
    const log = await logOf(api, frozen.value.id, 10);
    expect(log.ok && log.value.map((c) => [c.customerId, c.kind, c.at]).sort()).toEqual([
      ['c1', 'enter', NOW],
      ['c2', 'enter', NOW]
    ]);
    const history = await api.segmentHistory(frozen.value.id, 1);
    expect(history.ok && history.value.days).toEqual([
      { day: Date.UTC(2026, 5, 15), entered: 2, left: 0, size: 2 }
    ]);
    const twice = await api.freezeSegment(seg.id);
    expect(twice.ok && twice.value.name).toBe('Spenders 2026-06-15 (2)');
    // A copy of the snapshot starts with the same members, who enter the copy when it is made.
    const copy = await api.duplicateSegment(frozen.value.id);
    if (!copy.ok) throw new Error('not copied');
    expect(copy.value).toMatchObject({ kind: 'static', members: 2, lastChangeAt: NOW });
    const copyLog = await logOf(api, copy.value.id, 10);
    expect(copyLog.ok && copyLog.value.map((c) => c.kind)).toEqual(['enter', 'enter']);
    expect((await api.deleteSegment(copy.value.id)).ok).toBe(true);
    await importBlob(api, csv('id,total_spent\nc3,99999\n'), 'raise.csv', 'customers');
    const list = await api.segments();
    expect(list.map((s) => [s.name, s.kind, s.members])).toEqual([
      ['Spenders', 'dynamic', 3],
      ['Spenders 2026-06-15', 'static', 2],
      ['Spenders 2026-06-15 (2)', 'static', 2]
    ]);
    const members = await api.segmentMembers(frozen.value.id, 0, 10);
    expect(members.ok && members.value.rows.map((r) => r.id)).toEqual(['c1', 'c2']);
    const exported = await api.exportSegment(frozen.value.id);
    expect(exported.ok && exported.value.rows).toBe(2);
    expect((await api.freezeSegment(frozen.value.id)).ok).toBe(false);
  });

  it('says when a customer’s answer next changes with passing time alone, and why', async () => {
    const { api } = await withData();
    await create(api, 'Recent', 'performed Purchased in last 30 days');
    await create(api, 'Inactive loyal', SEED);
    await create(api, 'Spenders', 'total_spent > 10000');
    await create(api, 'Joined lately', 'signup_date within last 1000 days');
    const ben = await api.customerSegments('c2');
    if (!ben.ok) throw new Error('no customer');
    const next = (name: string) => ben.value.find((s) => s.name === name)?.next;
    // c2 bought 10 days ago: out of the 30-day window 20 days from now, into "inactive" in 3 months.
    expect(next('Recent')).toEqual({
      at: NOW + 20 * DAY,
      kind: 'leave',
      because: 'when their last Purchased turns 30 days old'
    });
    expect(next('Inactive loyal')).toEqual({
      at: Date.UTC(2026, 8, 5, 12),
      kind: 'enter',
      because: 'when their last Purchased turns 3 months old'
    });
    expect(next('Spenders')).toBeNull();
    expect(next('Joined lately')).toEqual({
      at: Date.UTC(2024, 1, 1) + 1000 * DAY,
      kind: 'leave',
      because: 'when their signup_date turns 1000 days old'
    });
  });

  it('a rule that cannot refer to itself is an issue, not a crash', async () => {
    const { api } = await withData();
    const seg = await create(api, 'Loop', 'total_spent > 1');
    const cyc = await api.updateSegment(seg.id, { query: 'in segment Loop' });
    expect(cyc.ok).toBe(false);
    const check = await api.checkQuery('in segment Loop', seg.id);
    expect(check.issues[0].severity).toBe('error');
  });

  it('exports members as CSV with formulas neutralised, records it, and re-imports cleanly', async () => {
    const { api } = await withData();
    const seg = await create(api, 'Everyone but Chloé', 'NOT city = "Delhi"');
    await importBlob(api, csv('id,city\nc6,Agra\n'), 'late.csv', 'customers');
    const exported = await api.exportSegment(seg.id);
    if (!exported.ok) throw new Error('export failed');
    expect(exported.value).toMatchObject({
      segmentName: 'Everyone but Chloé',
      fileName: 'everyone-but-chlo-2026-06-15.csv',
      rows: 4,
      at: NOW
    });
    expect((await api.exports()).map((e) => e.id)).toEqual([exported.value.id]);
    const file = await api.exportFile(exported.value.id);
    if (!file.ok) throw new Error('no file');
    const lines = file.value.csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(exported.value.columns.join(','));
    expect(exported.value.columns[0]).toBe('customer_id');
    expect(exported.value.columns).toEqual(
      expect.arrayContaining(['name', 'email', 'total_spent', 'signup_date', 'segment'])
    );
    expect(exported.value.columns.slice(-2)).toEqual(['segment', 'entered_at']);
    // Members since the creation have no recorded entry; c6 entered with its import.
    expect(lines.find((l) => l.startsWith('c1,'))).toMatch(/,Everyone but Chloé,$/);
    expect(lines.find((l) => l.startsWith('c6,'))).toMatch(
      new RegExp(`,Everyone but Chloé,${iso(NOW).replace(/\./g, '\\.')}$`)
    );
    const evil = lines.find((l) => l.startsWith('c4,')) ?? '';
    expect(evil).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(evil).toContain(`'@Goa`);
    expect(evil).toContain(',-20,');
    expect(lines).toHaveLength(5);

    // The file goes back in through the app's own import, into fresh storage.
    const other = freshService();
    const record = await importBlob(other.api, csv(file.value.csv), 'export.csv', 'customers');
    expect(record.counts).toMatchObject({ inserted: 4, rejected: 0 });
    const again = await other.api.customer('c1');
    expect(again.ok).toBe(true);
    expect((await api.exportFile('nope')).ok).toBe(false);
  });

  it('offers templates, each checked against the data', async () => {
    const { api } = await withData();
    const templates = await api.segmentTemplates();
    expect(templates.map((t) => t.name)).toEqual(SEGMENT_TEMPLATES.map((t) => t.name));
    const seed = templates.find((t) => t.name === 'Inactive loyal customers');
    expect(seed).toMatchObject({ query: SEED, issues: [] });
    for (const t of templates) expect(t.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
