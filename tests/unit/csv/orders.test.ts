import { describe, expect, it } from 'vitest';
import { createOrdersTransform, detectOrdersExport, PURCHASED_EVENT } from '$lib/csv/orders';
import type { MappedEvents } from '$lib/csv/mapper';
import { decode } from '$lib/csv/sniff';
import { fixtureBytes, parseAll, sniffFixture } from './helpers';

const load = async (name: string) => {
  const s = sniffFixture(name);
  return parseAll(decode(fixtureBytes(name), s.encoding), s);
};

const collect = (parts: MappedEvents[]) => ({
  customerIds: parts.flatMap((p) => [...p.batch.customerIds]),
  names: parts.flatMap((p) => [...p.batch.names]),
  timestamps: parts.flatMap((p) => Array.from(p.batch.timestamps)),
  props: parts.flatMap((p) =>
    p.batch.customerIds.map((_, i) =>
      Object.fromEntries(p.batch.properties.map((c) => [c.def.key, c.values[i]]))
    )
  ),
  fingerprints: parts.flatMap((p) => p.fingerprints),
  rejected: parts.flatMap((p) => p.rejected)
});

describe('detectOrdersExport', () => {
  it('recognises Shopify and WooCommerce orders exports, not customers files', async () => {
    expect(detectOrdersExport((await load('shopify-orders.csv')).header)?.platform).toBe('shopify');
    expect(detectOrdersExport((await load('woocommerce-orders.csv')).header)?.platform).toBe(
      'woocommerce'
    );
    expect(detectOrdersExport((await load('shopify-customers.csv')).header)).toBeNull();
    expect(detectOrdersExport((await load('events.csv')).header)).toBeNull();
    expect(
      detectOrdersExport(['Order ID', 'Customer Email', 'Total', 'Created At'])?.platform
    ).toBe('generic');
  });
});

describe('orders transform', () => {
  const shopifyExpected = {
    customerIds: ['ana.silva@example.com', 'ben@example.com', 'chloe@example.com'],
    timestamps: [
      Date.UTC(2026, 3, 5, 17, 6, 21),
      Date.UTC(2026, 3, 7, 15),
      Date.UTC(2026, 3, 8, 12)
    ],
    props: [
      { amount: 1299, order_id: '#1001', currency: 'INR', items: 2, quantity: 3 },
      { amount: 20, order_id: '#1002', currency: 'USD', items: 1, quantity: 1 },
      { amount: 35, order_id: '#1003', currency: 'EUR', items: 3, quantity: 6 }
    ]
  };

  it('emits one Purchased event per Shopify order, keyed by email', async () => {
    const { header, rows } = await load('shopify-orders.csv');
    const layout = detectOrdersExport(header);
    if (!layout) throw new Error('not detected');
    const t = createOrdersTransform(layout);
    const out = collect([t.push(rows, 2), t.flush()]);
    expect(out).toMatchObject(shopifyExpected);
    expect(out.names).toEqual([PURCHASED_EVENT, PURCHASED_EVENT, PURCHASED_EVENT]);
    expect(out.rejected.map((r) => [r.row, r.column, r.reason])).toEqual([
      [8, 'Cancelled at', 'order was cancelled (not imported as a purchase)'],
      [9, 'Email', 'order has no customer email or id']
    ]);
  });

  it('carries an order split across chunks', async () => {
    const { header, rows } = await load('shopify-orders.csv');
    const layout = detectOrdersExport(header);
    if (!layout) throw new Error('not detected');
    for (let cut = 1; cut < rows.length; cut++) {
      const t = createOrdersTransform(layout);
      const out = collect([
        t.push(rows.slice(0, cut), 2),
        t.push(rows.slice(cut), 2 + cut),
        t.flush()
      ]);
      expect(out).toMatchObject(shopifyExpected);
      expect(out.rejected.map((r) => r.row)).toEqual([8, 9]);
    }
  });

  it('keys WooCommerce orders by customer id, guests (id 0) by email', async () => {
    const { header, rows } = await load('woocommerce-orders.csv');
    const layout = detectOrdersExport(header);
    if (!layout) throw new Error('not detected');
    const t = createOrdersTransform(layout);
    const out = collect([t.push(rows, 2), t.flush()]);
    expect(out.customerIds).toEqual(['17', 'guest@example.com']);
    expect(out.props).toEqual([
      { amount: 65, order_id: '501', currency: 'EUR', items: 2, quantity: 3 },
      { amount: 12, order_id: '502', currency: 'EUR', items: 1, quantity: 1 }
    ]);
    const byEmail = createOrdersTransform(layout, { keyBy: 'email' });
    expect(collect([byEmail.push(rows, 2), byEmail.flush()]).customerIds).toEqual([
      'ana@example.com',
      'guest@example.com'
    ]);
  });

  it('gives an order the same fingerprint on re-import', async () => {
    const { header, rows } = await load('shopify-orders.csv');
    const layout = detectOrdersExport(header);
    if (!layout) throw new Error('not detected');
    const run = () => {
      const t = createOrdersTransform(layout);
      return collect([t.push(rows, 2), t.flush()]).fingerprints;
    };
    expect(run()).toEqual(run());
    expect(new Set(run()).size).toBe(3);
  });
});
