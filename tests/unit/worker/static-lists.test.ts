// Static segments from uploaded lists, end to end in the data service (Node, fake-indexeddb): upload and
// match, create, add/remove/replace with every entry and exit logged, `in segment "<static>"` in a
// dynamic rule following those changes, overlap through the API, and exports with chosen columns,
// progress and cancel.
import { describe, expect, it } from 'vitest';
import { csv, freshDb, freshService, importBlob } from '../../builders/data-service';
import type { ListSetup, WorkerApi } from '$lib/worker/api';

/** The segment's entered/left log, newest first (one page), as a Result of its rows. */
async function logOf(api: WorkerApi, id: string, limit: number) {
  const page = await api.segmentLog(id, { offset: 0, limit });
  return page.ok ? { ok: true as const, value: page.value.rows } : page;
}

const NOW = Date.UTC(2026, 5, 15, 12);

const CUSTOMERS = [
  'id,name,email,phone,total_spent,city',
  'c1,Ana,ana@example.com,+91 98123 45678,25000,Mumbai',
  'c2,Ben,Ben@Example.com,+1 (415) 555-0100,15000,Pune',
  'c3,Chloé,chloe@example.com,,500,Delhi',
  'c4,Dev,dev@example.com,98200 11111,700,Pune'
].join('\n');

async function withData() {
  const clock = { now: NOW };
  const { api } = freshService(freshDb(), { now: () => clock.now });
  await importBlob(api, csv(CUSTOMERS), 'customers.csv', 'customers');
  return { api, clock };
}

async function matchText(api: WorkerApi, text: string, change: Partial<ListSetup> = {}) {
  const file = csv(text);
  const inspected = await api.inspectList(file, 'list.csv');
  if (!inspected.ok) throw new Error(inspected.issues.map((i) => i.message).join(' '));
  const { column, by, encoding, delimiter } = inspected.value;
  const setup: ListSetup = { column, by, encoding, delimiter, defaultCountry: 'IN', ...change };
  const report = await api.matchList(file, 'list.csv', setup);
  if (!report.ok) throw new Error(report.issues.map((i) => i.message).join(' '));
  return { inspection: inspected.value, report: report.value };
}

const must = <T>(
  r: { ok: true; value: T } | { ok: false; issues: readonly { message: string }[] }
) => {
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join(' '));
  return r.value;
};

describe('static segments from lists', () => {
  it('matches a list by email: the column is guessed, case and spaces ignored, report complete', async () => {
    const { api } = await withData();
    const { inspection, report } = await matchText(
      api,
      [
        'Full name;E-mail',
        'Ana; ANA@example.com ',
        'Ghost;ghost@example.com',
        'Ben;ben@example.com',
        'Ana twice;ana@example.com',
        'Bad;=cmd|calc',
        ''
      ].join('\n')
    );
    expect(inspection).toMatchObject({ headers: ['Full name', 'E-mail'], column: 1, by: 'email' });
    expect(report).toMatchObject({
      by: 'email',
      columnName: 'E-mail',
      rows: 5,
      matchedRows: 2,
      customerIds: ['c1', 'c2'],
      unmatchedCount: 2,
      duplicateCount: 1
    });
    expect(report.duplicates).toEqual([
      { row: 5, value: 'ana@example.com', reason: 'Same customer as row 2.' }
    ]);
    expect(report.unmatched.map((u) => [u.row, u.reason])).toEqual([
      [3, 'No customer with this email on this device.'],
      [6, 'Not an email address.']
    ]);
    expect(report.unmatchedCsv.split('\r\n')).toEqual([
      'row,Full name,E-mail,reason',
      '3,Ghost,ghost@example.com,No customer with this email on this device.',
      "6,Bad,'=cmd|calc,Not an email address.",
      ''
    ]);
  });

  it('matches phones in E.164 with the chosen default country, and ids exactly', async () => {
    const { api } = await withData();
    const phones = await matchText(api, 'mobile\n098123 45678\n+1 415 555 0100\n98200-11111\n');
    expect(phones.report.customerIds).toEqual(['c1', 'c2', 'c4']);
    // The same local number read as a US number matches no one.
    const us = await matchText(api, 'mobile\n98200 11111\n', { defaultCountry: 'US' });
    expect(us.report.customerIds).toEqual([]);
    const ids = await matchText(api, 'customer_id,note\nc3,x\nC3,y\n c4 ,z\n');
    expect(ids.report.customerIds).toEqual(['c3', 'c4']);
    expect(ids.report.unmatched.map((u) => u.value)).toEqual(['C3']);
    // The user can pick another column and kind of key.
    const other = await matchText(api, 'customer_id,contact\nzz,dev@example.com\n', {
      column: 1,
      by: 'email'
    });
    expect(other.report.customerIds).toEqual(['c4']);
  });

  it('reports progress through the file while matching', async () => {
    const { api } = await withData();
    const text = 'id\n' + 'c1\n'.repeat(5000);
    const seen: number[] = [];
    const setup: ListSetup = {
      column: 0,
      by: 'id',
      encoding: 'utf-8',
      delimiter: ',',
      defaultCountry: 'IN'
    };
    const report = must(
      await api.matchList(csv(text), 'many.csv', setup, (p) =>
        seen.push(p.bytesDone / p.totalBytes)
      )
    );
    expect([report.rows, report.matchedRows, report.duplicateCount]).toEqual([5000, 1, 4999]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(1);
  });

  it('matches a list of 100,000 rows in steps, reporting rows done, and can be cancelled', async () => {
    const { api } = await withData();
    const lines = ['customer_id'];
    for (let i = 0; i < 100_000; i++) lines.push(i % 10 === 0 ? 'c2' : `nobody-${i}`);
    const file = csv(lines.join('\n'));
    const setup: ListSetup = {
      column: 0,
      by: 'id',
      encoding: 'utf-8',
      delimiter: ',',
      defaultCountry: 'IN'
    };
    const rowsDone: number[] = [];
    const report = must(
      await api.matchList(file, 'big.csv', setup, (p) => rowsDone.push(p.rowsDone))
    );
    expect([report.rows, report.customerIds, report.unmatchedCount]).toEqual([
      100_000,
      ['c2'],
      90_000
    ]);
    // Many steps in between, each further than the last, ending with every row.
    const steps = rowsDone.filter((n) => n > 0 && n < 100_000);
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(rowsDone.at(-1)).toBe(100_000);

    // Cancelled part-way: no report, and the next match is complete.
    let calls = 0;
    const cancelled = await api.matchList(file, 'big.csv', setup, (p) => {
      calls++;
      if (p.rowsDone > 0 && calls === 3) void api.cancelListMatch();
    });
    expect(!cancelled.ok && cancelled.issues[0].code).toBe('cancelled');
    expect(calls).toBeLessThan(rowsDone.length);
    const again = must(await api.matchList(file, 'big.csv', setup));
    expect(again.customerIds).toEqual(['c2']);
  });

  it('says what is wrong with a file it cannot use', async () => {
    const { api } = await withData();
    const empty = await api.inspectList(csv(''), 'empty.csv');
    expect(!empty.ok && empty.issues[0].code).toBe('empty-file');
    const setup: ListSetup = {
      column: 3,
      by: 'id',
      encoding: 'utf-8',
      delimiter: ',',
      defaultCountry: 'IN'
    };
    const wrong = await api.matchList(csv('id\nc1\n'), 'x.csv', setup);
    expect(!wrong.ok && wrong.issues[0].code).toBe('no-column');
  });

  it('creates a static segment and changes it only by add, remove and replace, each change logged', async () => {
    const { api, clock } = await withData();
    const { report } = await matchText(api, 'email\nana@example.com\nben@example.com\n');
    const list = must(await api.createStaticSegment('Newsletter list', report.customerIds));
    expect(list).toMatchObject({ name: 'Newsletter list', kind: 'static', members: 2 });
    const taken = await api.createStaticSegment('newsletter LIST', []);
    expect(!taken.ok && taken.issues[0].code).toBe('name-taken');

    // Imports do not change a static segment.
    await importBlob(api, csv('id,total_spent\nc3,99999\n'), 'more.csv', 'customers');
    expect(must(await api.segment(list.id)).members).toBe(2);

    clock.now = NOW + 60_000;
    const added = must(await api.changeStaticMembers(list.id, 'add', ['c3', 'c1', 'nobody']));
    expect([added.added, added.removed, added.segment.members]).toEqual([1, 0, 3]);
    clock.now = NOW + 120_000;
    const removed = must(await api.changeStaticMembers(list.id, 'remove', ['c1']));
    expect([removed.added, removed.removed, removed.segment.members]).toEqual([0, 1, 2]);
    clock.now = NOW + 180_000;
    const replaced = must(await api.changeStaticMembers(list.id, 'replace', ['c4', 'c2']));
    expect([replaced.added, replaced.removed, replaced.segment.members]).toEqual([1, 1, 2]);
    const members = must(await api.segmentMembers(list.id, 0, 10));
    expect(members.rows.map((r) => r.id)).toEqual(['c2', 'c4']);

    const log = must(await logOf(api, list.id, 50));
    // Newest first; changes of one instant in reverse order of recording.
    expect(log.map((c) => [c.customerId, c.kind, c.at - NOW])).toEqual([
      ['c3', 'leave', 180_000],
      ['c4', 'enter', 180_000],
      ['c1', 'leave', 120_000],
      ['c3', 'enter', 60_000],
      ['c2', 'enter', 0],
      ['c1', 'enter', 0]
    ]);
    expect(log).toHaveLength(6);
    const none = must(await api.changeStaticMembers(list.id, 'add', ['c2']));
    expect([none.added, none.removed]).toEqual([0, 0]);

    const dynamic = must(await api.createSegment({ name: 'Pune', query: 'city = "Pune"' }));
    const refused = await api.changeStaticMembers(dynamic.id, 'add', ['c1']);
    expect(!refused.ok && refused.issues[0].code).toBe('not-static');
  });

  it('lets a dynamic rule say in segment / not in segment of a static one, following its changes', async () => {
    const { api, clock } = await withData();
    const list = must(await api.createStaticSegment('VIP list', ['c1', 'c3']));
    const check = await api.checkQuery('in segment "VIP list" AND city = "Mumbai"');
    expect(check.issues).toEqual([]);
    const preview = must(await api.previewSegment('not in segment "vip list"'));
    expect(preview.count).toBe(2);
    const rich = must(
      await api.createSegment({
        name: 'Listed spenders',
        query: 'in segment "VIP list" AND total_spent > 1000'
      })
    );
    const outside = must(
      await api.createSegment({ name: 'Not listed', query: 'not in segment "VIP list"' })
    );
    expect([rich.members, outside.members]).toEqual([1, 2]);

    clock.now = NOW + 1000;
    must(await api.changeStaticMembers(list.id, 'add', ['c2']));
    const after = await api.segments();
    expect(after.map((s) => [s.name, s.members])).toEqual([
      ['VIP list', 3],
      ['Listed spenders', 2],
      ['Not listed', 1]
    ]);
    // The dynamic segments' own logs record c2 entering and leaving at the instant of the change.
    expect(must(await logOf(api, rich.id, 10)).map((c) => [c.customerId, c.kind, c.at])).toEqual([
      ['c2', 'enter', NOW + 1000]
    ]);
    expect(must(await logOf(api, outside.id, 10)).map((c) => [c.customerId, c.kind])).toEqual([
      ['c2', 'leave']
    ]);

    // The customer page explains the reference.
    const why = must(await api.customerSegments('c2'));
    const entry = why.find((s) => s.name === 'Listed spenders');
    expect(entry?.member).toBe(true);
    expect(JSON.stringify(entry?.explanation)).toContain('in segment \\"VIP list\\"');

    // A renamed list is followed by the rules that name it.
    must(await api.updateSegment(list.id, { name: 'VIPs' }));
    const renamed = await api.segments();
    expect(renamed.find((s) => s.id === rich.id)?.query).toContain('in segment "VIPs"');
    expect(renamed.find((s) => s.id === rich.id)?.members).toBe(2);

    // Taking c2 off the list again takes it out of the rule that needs the list, into the other.
    must(await api.changeStaticMembers(list.id, 'remove', ['c2']));
    expect((await api.segments()).map((s) => s.members)).toEqual([2, 1, 2]);
  });

  it('finds customers to add or remove by search, with whether each is a member', async () => {
    const { api } = await withData();
    const list = must(await api.createStaticSegment('Few', ['c2']));
    const found = must(await api.findSegmentCandidates(list.id, 'pune', 10));
    expect(found).toEqual([]);
    const byName = must(await api.findSegmentCandidates(list.id, 'ben', 10));
    expect(byName).toEqual([{ id: 'c2', label: 'Ben', member: true }]);
    const byPhone = must(await api.findSegmentCandidates(list.id, '98200', 10));
    expect(byPhone).toEqual([{ id: 'c4', label: 'Dev', member: false }]);
    expect(must(await api.findSegmentCandidates(list.id, '  ', 10))).toEqual([]);
  });

  it('shows the overlap of two or three segments', async () => {
    const { api } = await withData();
    const a = must(await api.createStaticSegment('A', ['c1', 'c2', 'c3']));
    const b = must(await api.createSegment({ name: 'B', query: 'city = "Pune"' }));
    const c = must(await api.createSegment({ name: 'C', query: 'total_spent > 10000' }));
    const two = must(await api.segmentOverlap([a.id, b.id]));
    expect(two.segments.map((s) => s.name)).toEqual(['A', 'B']);
    expect([two.total, two.union, ...two.sizes]).toEqual([4, 4, 3, 2]);
    expect(two.regions.map((r) => [r.sets.join('&'), r.exactly, r.all])).toEqual([
      ['0', 2, 3],
      ['1', 1, 2],
      ['0&1', 1, 1]
    ]);
    const three = must(await api.segmentOverlap([a.id, b.id, c.id]));
    expect(three.regions.find((r) => r.sets.length === 3)).toMatchObject({ exactly: 1, all: 1 });
    expect(three.regions.find((r) => r.sets.join() === '0,2')).toMatchObject({
      exactly: 1,
      all: 2
    });
    const one = await api.segmentOverlap([a.id]);
    expect(!one.ok && one.issues[0].code).toBe('overlap-count');
    const same = await api.segmentOverlap([a.id, a.id]);
    expect(same.ok).toBe(false);
  });
});

describe('exports with chosen columns', () => {
  it('writes only the chosen columns, reports progress, and re-imports to the same data', async () => {
    const { api } = await withData();
    const seg = must(await api.createSegment({ name: 'Everyone', query: 'total_spent > 0' }));
    const progress: number[] = [];
    const exported = must(
      await api.exportSegment(
        seg.id,
        { columns: ['total_spent', 'email'], segment: false, enteredAt: false },
        (p) => progress.push(p.rowsDone / p.totalRows)
      )
    );
    expect(exported.columns).toEqual(['customer_id', 'email', 'total_spent']);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    const file = must(await api.exportFile(exported.id));
    expect(file.csv.split('\r\n')).toEqual([
      'customer_id,email,total_spent',
      'c1,ana@example.com,25000',
      'c2,Ben@Example.com,15000',
      'c3,chloe@example.com,500',
      'c4,dev@example.com,700',
      ''
    ]);
    const bad = await api.exportSegment(seg.id, { columns: ['nope'] });
    expect(!bad.ok && bad.issues[0].code).toBe('unknown-column');

    const other = freshService();
    const record = await importBlob(other.api, csv(file.csv), 'export.csv', 'customers');
    expect(record.counts).toMatchObject({ inserted: 4, rejected: 0 });
    const back = await other.api.customers({ offset: 0, limit: 10, sort: 'id' });
    const before = await api.customers({ offset: 0, limit: 10, sort: 'id' });
    const pick = (page: typeof back, keys: string[]) =>
      page.rows.map((r) => [
        r.id,
        ...keys.map((k) => r.values[page.columns.findIndex((c) => c.key === k)])
      ]);
    expect(pick(back, ['email', 'total_spent'])).toEqual(pick(before, ['email', 'total_spent']));
  });

  it('can be cancelled while it writes a large segment; nothing is recorded', async () => {
    const { api } = freshService(freshDb(), { now: () => NOW });
    const rows = ['id,total_spent'];
    for (let i = 0; i < 30_000; i++) rows.push(`k${i},${i + 1}`);
    await importBlob(api, csv(rows.join('\n')), 'many.csv', 'customers');
    const seg = must(await api.createSegment({ name: 'All', query: 'total_spent > 0' }));
    let reports = 0;
    const running = api.exportSegment(seg.id, {}, () => {
      reports++;
      if (reports === 2) void api.cancelExport();
    });
    const result = await running;
    expect(!result.ok && result.issues[0].code).toBe('cancelled');
    expect(await api.exports()).toEqual([]);
    const whole = must(await api.exportSegment(seg.id, {}, () => undefined));
    expect(whole.rows).toBe(30_000);
  });
});
