// The import pipeline and browsing, end to end in Node over fake-indexeddb: what a user sees after
// importing files, re-importing them, importing bad rows, cancelling, and reopening the app.
import { describe, expect, it } from 'vitest';
import { csv, fixture, freshDb, freshService, importBlob } from '../../builders/data-service';
import { createDataService } from '$lib/worker/data-service';
import { DataRepo } from '$lib/storage/data-repo';
import { editPlan } from '$lib/csv/columns';

describe('importing customers', () => {
  it('types columns, keeps ids as strings, and lists customers', async () => {
    const { api } = freshService();
    const record = await importBlob(api, fixture('customers.csv'), 'customers.csv');
    expect(record.status).toBe('committed');
    expect(record.counts).toMatchObject({ rows: 4, inserted: 4, updated: 0, rejected: 0 });
    const attributes = Object.fromEntries(
      (await api.attributes()).map((a) => [a.def.key, a.def.type])
    );
    expect(attributes).toMatchObject({
      email: 'string',
      phone: 'string',
      phone_e164: 'string',
      total_spent: 'number',
      total_orders: 'number',
      signup_date: 'date',
      vip: 'boolean',
      city: 'string'
    });
    const detail = await api.customer('1001');
    expect(detail.ok).toBe(true);
    if (!detail.ok) return;
    const values = Object.fromEntries(detail.value.attributes.map((a) => [a.def.key, a.value]));
    expect(values).toMatchObject({
      email: 'ana@example.com',
      phone: '+919812345678',
      phone_e164: '+919812345678',
      total_spent: 1299.5,
      vip: true,
      signup_date: Date.UTC(2024, 0, 15)
    });
    // A blank cell is missing, not "" or 0.
    const chloe = await api.customer('1003');
    expect(chloe.ok && chloe.value.attributes.find((a) => a.def.key === 'phone')?.value).toBeNull();
  });

  it('re-importing upserts by id: new values replace old ones, other attributes stay', async () => {
    const { api } = freshService();
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const update = await importBlob(
      api,
      csv('id,city,total_spent\n1001,Pune,2000\n9999,Goa,5\n'),
      'update.csv'
    );
    expect(update.counts).toMatchObject({ inserted: 1, updated: 1 });
    const ana = await api.customer('1001');
    const values = ana.ok
      ? Object.fromEntries(ana.value.attributes.map((a) => [a.def.key, a.value]))
      : {};
    expect(values).toMatchObject({
      city: 'Pune',
      total_spent: 2000,
      email: 'ana@example.com',
      vip: true
    });
    expect((await api.summary()).customers).toBe(5);
  });

  it('lists unusable rows with row number, column and reason, and imports the rest', async () => {
    const { api } = freshService();
    const inspected = await api.inspectFile(fixture('messy-customers.csv'), 'messy.csv', {});
    expect(inspected.ok).toBe(true);
    if (!inspected.ok || inspected.value.setup.kind === 'orders') return;
    // The file's stray values ("lots", "maybe") make the inferred types text; the user says what the
    // columns really are in the mapping step, and the rows that do not fit are reported.
    let plan = inspected.value.setup.plan;
    expect(plan.columns.find((c) => c.key === 'zip')?.type).toBe('string');
    for (const [key, type] of [
      ['total_spent', 'number'],
      ['accepts_marketing', 'boolean'],
      ['signup_date', 'date'],
      ['orders', 'number']
    ] as const) {
      const index = plan.columns.findIndex((c) => c.key === key);
      plan = editPlan(plan, { op: 'type', index, type });
    }
    const result = await api.importFile(
      fixture('messy-customers.csv'),
      'messy.csv',
      { ...inspected.value.setup, plan },
      () => undefined
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const record = result.value;
    expect(record.counts.rows).toBe(7);
    expect(record.counts.inserted).toBe(3);
    expect(record.counts.rejected).toBe(4);
    const rows = new Set(record.rejectedRows.map((r) => r.row));
    expect([...rows].sort()).toEqual([5, 6, 7, 8]);
    expect(record.rejectedRows).toContainEqual(
      expect.objectContaining({ row: 6, column: 'Total Spent', value: 'lots' })
    );
    const report = await api.importReportCsv(record.id);
    expect(report.ok && report.value.split('\r\n')[0]).toBe('row,column,value,reason');
    expect(report.ok && report.value).toContain('6,Total Spent,lots,');
    // Ids are trimmed strings; the email is kept as written (matching ignores case); money and yes/no understood.
    const c42 = await api.customer('42');
    const v = c42.ok
      ? Object.fromEntries(c42.value.attributes.map((a) => [a.def.key, a.value]))
      : {};
    expect(v).toMatchObject({
      email: 'MIXED@Example.COM',
      total_spent: 1299,
      accepts_marketing: true
    });
  });

  it('refuses empty, header-only and binary files with a clear message', async () => {
    const { api } = freshService();
    for (const [name, code] of [
      ['empty.csv', 'empty-file'],
      ['header-only.csv', 'header-only'],
      ['binary.bin', 'binary-file']
    ]) {
      const result = await api.inspectFile(fixture(name), name, {});
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0].code).toBe(code);
    }
    expect((await api.summary()).customers).toBe(0);
  });
});

describe('importing events', () => {
  it('adds events, creates minimal customers for unknown ids, and never stores an event twice', async () => {
    const { api } = freshService();
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const first = await importBlob(api, fixture('events.csv'), 'events.csv');
    expect(first.kind).toBe('events');
    expect(first.counts).toMatchObject({ rows: 5, events: 5, duplicates: 0, createdCustomers: 1 });
    expect((await api.customer('2000')).ok).toBe(true);
    const again = await importBlob(api, fixture('events.csv'), 'events.csv');
    expect(again.counts).toMatchObject({ events: 0, duplicates: 5 });
    expect((await api.summary()).events).toBe(5);
    const timeline = await api.timeline('1001', 0, 10);
    expect(timeline.ok && timeline.value.events.map((e) => e.name)).toEqual([
      'Purchased',
      'Viewed Product'
    ]);
    // Epoch seconds and milliseconds are both understood.
    const t = await api.timeline('1003', 0, 10);
    expect(t.ok && t.value.events[0].timestamp).toBe(1775423181000);
  });

  it('without event ids, an identical event in a second file is skipped', async () => {
    const { api } = freshService();
    const text = 'customer_id,event,timestamp,amount\nA,Purchased,2026-01-01T00:00:00Z,10\n';
    await importBlob(api, csv(text), 'a.csv');
    const second = await importBlob(
      api,
      csv(text + 'A,Purchased,2026-01-01T00:00:00Z,11\n'),
      'b.csv'
    );
    expect(second.counts).toMatchObject({ events: 1, duplicates: 1 });
  });

  it('turns a Shopify orders export into one Purchased event per order, keyed by email', async () => {
    const { api } = freshService();
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const inspected = await api.inspectFile(fixture('shopify-orders.csv'), 'orders.csv', {});
    expect(inspected.ok && inspected.value.setup.kind).toBe('orders');
    const record = await importBlob(api, fixture('shopify-orders.csv'), 'orders.csv');
    expect(record.counts.events).toBeGreaterThanOrEqual(3);
    expect(record.counts.rejected).toBeGreaterThanOrEqual(1); // #1005 has no customer
    // ben@example.com is customer 1002: the order joins that customer.
    const ben = await api.timeline('1002', 0, 10);
    expect(ben.ok && ben.value.events).toEqual([
      expect.objectContaining({
        name: 'Purchased',
        properties: expect.objectContaining({ order_id: '#1002', amount: 20 })
      })
    ]);
    // Ana ordered with another address: a new customer keyed by that email, with the email set.
    const ana = await api.timeline('ana.silva@example.com', 0, 10);
    expect(ana.ok).toBe(true);
    if (!ana.ok) return;
    expect(ana.value.events[0]).toMatchObject({
      name: 'Purchased',
      timestamp: Date.parse('2026-04-05T17:06:21Z'),
      properties: { order_id: '#1001', amount: 1299, currency: 'INR', items: 2, quantity: 3 }
    });
    const anaCustomer = await api.customer('ana.silva@example.com');
    expect(
      anaCustomer.ok && anaCustomer.value.attributes.find((a) => a.def.key === 'email')?.value
    ).toBe('ana.silva@example.com');
    expect(record.counts.createdCustomers).toBeGreaterThanOrEqual(1);
  });
});

describe('all or nothing', () => {
  it('a reopened app finds exactly the committed data', async () => {
    const db = freshDb();
    const { api } = freshService(db);
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    await importBlob(api, fixture('events.csv'), 'events.csv');
    const reopened = createDataService(db);
    const summary = await reopened.init();
    // The customers are listed first; the events follow.
    expect(summary.ok && summary.value.customers).toBe(4);
    expect(await reopened.whenLoaded()).toMatchObject({ customers: 5, events: 5, loading: false });
    const again = await importBlob(reopened, fixture('events.csv'), 'events.csv');
    expect(again.counts.duplicates).toBe(5);
  });

  it('an import left running by a closed tab is discarded with its chunks at the next start', async () => {
    const db = freshDb();
    const { api } = freshService(db);
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const repo = new DataRepo(db);
    await repo.beginImport({
      id: 'ghost',
      fileName: 'big.csv',
      fileSize: 1,
      kind: 'customers',
      startedAt: Date.now(),
      status: 'running',
      counts: {
        rows: 0,
        inserted: 0,
        updated: 0,
        rejected: 0,
        duplicates: 0,
        createdCustomers: 0,
        events: 0
      },
      rejectedRows: []
    });
    await repo.writeCustomerChunk({ importId: 'ghost', seq: 0, ids: ['X1'], columns: [] });
    const reopened = createDataService(db);
    const summary = await reopened.init();
    expect(summary.ok && summary.value).toMatchObject({ customers: 4, discardedImports: 1 });
    expect((await db.imports.get('ghost'))?.status).toBe('interrupted');
    expect(await db.customerChunks.where('importId').equals('ghost').count()).toBe(0);
  });

  it('cancelling keeps nothing of the import', async () => {
    const { api, db } = freshService();
    const rows = Array.from({ length: 60_000 }, (_, i) => `C${i},c${i}@example.com,${i}`);
    const big = csv('id,email,total_spent\n' + rows.join('\n') + '\n');
    const inspected = await api.inspectFile(big, 'big.csv', {});
    if (!inspected.ok) throw new Error('inspect failed');
    let cancelled = false;
    const result = await api.importFile(big, 'big.csv', inspected.value.setup, () => {
      if (!cancelled) {
        cancelled = true;
        void api.cancelImport();
      }
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0].code).toBe('cancelled');
    expect((await api.summary()).customers).toBe(0);
    expect(await db.customerChunks.count()).toBe(0);
    expect((await db.imports.toArray()).map((r) => r.status)).toEqual(['cancelled']);
  });

  it('a full disk leaves the previous data intact and says so', async () => {
    const { api, db } = freshService();
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const quota = Object.assign(new Error('quota'), { name: 'QuotaExceededError' });
    db.eventChunks.hook('creating', () => {
      throw quota;
    });
    const inspected = await api.inspectFile(fixture('events.csv'), 'events.csv', {});
    if (!inspected.ok) throw new Error('inspect failed');
    const result = await api.importFile(
      fixture('events.csv'),
      'events.csv',
      inspected.value.setup,
      () => undefined
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues[0].code).toBe('quota-exceeded');
      expect(result.issues[0].message).toMatch(/ran out of storage/);
    }
    expect(await api.summary()).toMatchObject({ customers: 4, events: 0 });
    expect((await db.imports.toArray()).map((r) => r.status).sort()).toEqual([
      'committed',
      'failed'
    ]);
  });
});

describe('browsing', () => {
  it('sorts by a column (missing values last) and searches by id, email, phone and name', async () => {
    const { api } = freshService();
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const desc = await api.customers({
      sort: 'total_spent',
      direction: 'desc',
      offset: 0,
      limit: 10
    });
    expect(desc.rows.map((r) => r.id)).toEqual(['1004', '1001', '1003', '1002']);
    const byEmail = await api.customers({ search: 'BEN@example', offset: 0, limit: 10 });
    expect(byEmail.rows.map((r) => r.id)).toEqual(['1002']);
    const byPhone = await api.customers({ search: '98123 45678', offset: 0, limit: 10 });
    expect(byPhone.rows.map((r) => r.id)).toEqual(['1001']);
    const byName = await api.customers({ search: 'dev patel', offset: 0, limit: 10 });
    expect(byName.rows.map((r) => r.id)).toEqual(['1004']);
    expect(byName).toMatchObject({ total: 4, matched: 1 });
  });
});

describe('several tabs', () => {
  it('a tab picks up imports made in another tab, and a delete-all made there', async () => {
    const db = freshDb();
    const a = createDataService(db);
    const b = createDataService(db);
    await a.init();
    await b.init();
    await importBlob(a, fixture('customers.csv'), 'customers.csv');
    expect((await b.sync()).customers).toBe(4);
    await a.deleteAllData();
    await importBlob(a, csv('id,city\nZ1,Pune\n'), 'one.csv');
    const summary = await b.sync();
    expect(summary.customers).toBe(1);
    expect((await b.customer('Z1')).ok).toBe(true);
    expect((await b.customer('1001')).ok).toBe(false);
  });
});

describe('deleting all data', () => {
  it('removes customers, events and imports but keeps segment definitions', async () => {
    const { api } = freshService();
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const created = await api.createSegment({ name: 'Big', query: 'total_spent > 1000' });
    expect(created.ok && created.value.members).toBe(2);
    await api.deleteAllData();
    expect(await api.summary()).toMatchObject({ customers: 0, events: 0, imports: 0 });
    const segments = await api.segments();
    expect(segments.map((s) => s.name)).toEqual(['Big']);
    await importBlob(api, fixture('customers.csv'), 'customers.csv');
    const again = await api.segment(created.ok ? created.value.id : '');
    expect(again.ok && again.value.members).toBe(2);
  });
});
