// Store orders exports (Shopify, WooCommerce, similar) turned into one `Purchased` event per order:
// recognising the layout from the headers, and a streaming transform that groups an order's line-item
// rows (even across chunks) and emits the order when the next one starts or at `flush()`.

import type { FieldDef, Value } from '$lib/engine/schema';
import { normalizeHeader } from './columns';
import { emailKey, eventFingerprint, type MappedEvents } from './mapper';
import { rejectReasons } from './messages';
import type { RejectedRow } from './report';
import { parseDate, parseNumber, unguard } from './values';

export const PURCHASED_EVENT = 'Purchased';

export type OrdersPlatform = 'shopify' | 'woocommerce' | 'generic';

/** Where the order fields sit in each record (column indexes; -1 when absent). */
export interface OrdersLayout {
  readonly platform: OrdersPlatform;
  readonly headers: readonly string[];
  readonly order: number;
  readonly email: number;
  readonly customerId: number;
  readonly total: number;
  readonly createdAt: number;
  readonly paidAt: number;
  readonly currency: number;
  readonly quantity: number;
  readonly cancelledAt: number;
}

export interface OrdersOptions {
  /** Key events by `email` or by `customerId` (falls back to the other when blank). */
  readonly keyBy?: 'email' | 'customerId';
  /** Currency when the file has no currency column. */
  readonly defaultCurrency?: string;
}

export interface OrdersTransform {
  readonly properties: readonly FieldDef[];
  /** Rows as from `parseCsv`; events for the orders completed so far. */
  push(rows: readonly (readonly string[])[], firstRowNumber: number): MappedEvents;
  /** Emits the last order. */
  flush(): MappedEvents;
}

const find = (keys: readonly string[], wanted: readonly string[]): number => {
  for (const w of wanted) {
    const i = keys.indexOf(w);
    if (i >= 0) return i;
  }
  return -1;
};

/**
 * The orders layout of `headers`, or null when they are not an orders export. Shopify: `Name`
 * (#1001), `Email`, `Total`, `Created at`, `Paid at`, `Currency`, `Lineitem quantity`, `Cancelled at`.
 * WooCommerce (Customer/Order export, Import Export Suite): `order_id`/`order_number`, `order_date`,
 * `paid_date`, `order_total`, `order_currency`, `customer_id`/`customer_user`, `billing_email`,
 * `item_quantity`.
 */
export const detectOrdersExport = (headers: readonly string[]): OrdersLayout | null => {
  const keys = headers.map(normalizeHeader);
  const has = (k: string) => keys.includes(k);
  const base = {
    headers,
    email: find(keys, ['email', 'customer_email', 'billing_email', 'email_address']),
    customerId: find(keys, ['customer_id', 'customer_user']),
    currency: find(keys, ['currency', 'order_currency'])
  };
  if (has('name') && has('total') && has('created_at') && has('lineitem_quantity'))
    return {
      ...base,
      platform: 'shopify',
      order: keys.indexOf('name'),
      total: keys.indexOf('total'),
      createdAt: keys.indexOf('created_at'),
      paidAt: find(keys, ['paid_at']),
      quantity: keys.indexOf('lineitem_quantity'),
      cancelledAt: find(keys, ['cancelled_at'])
    };
  const order = find(keys, ['order_number', 'order_id', 'order_name', 'order_no', 'order']);
  const total = find(keys, ['order_total', 'total', 'total_price', 'order_amount', 'grand_total']);
  const createdAt = find(keys, ['order_date', 'created_at', 'processed_at', 'date', 'paid_at']);
  if (order < 0 || total < 0 || createdAt < 0) return null;
  if (base.email < 0 && base.customerId < 0) return null;
  return {
    ...base,
    platform: has('order_total') && has('order_date') ? 'woocommerce' : 'generic',
    order,
    total,
    createdAt,
    paidAt: find(keys, ['paid_date', 'paid_at', 'date_paid']),
    quantity: find(keys, ['item_quantity', 'lineitem_quantity', 'quantity', 'qty']),
    cancelledAt: find(keys, ['cancelled_at', 'date_cancelled'])
  };
};

interface OpenOrder {
  readonly id: string;
  readonly firstRow: number;
  email: string;
  customerId: string;
  total: string;
  created: string;
  paid: string;
  currency: string;
  cancelled: string;
  items: number;
  quantity: number;
}

/** Streams an orders export into `Purchased` events (amount, order_id, currency, items, quantity). */
export const createOrdersTransform = (
  layout: OrdersLayout,
  options: OrdersOptions = {}
): OrdersTransform => {
  const label = (i: number, fallback: string) => layout.headers[i] ?? fallback;
  const properties: FieldDef[] = [
    { key: 'amount', label: label(layout.total, 'Total'), type: 'number' },
    { key: 'order_id', label: label(layout.order, 'Order'), type: 'string' },
    { key: 'currency', label: label(layout.currency, 'Currency'), type: 'string' },
    { key: 'items', label: 'Line items', type: 'number' },
    { key: 'quantity', label: label(layout.quantity, 'Quantity'), type: 'number' }
  ];
  const keyBy = options.keyBy ?? (layout.customerId >= 0 ? 'customerId' : 'email');
  const fieldCount = layout.headers.length;
  const cell = (row: readonly string[], i: number) =>
    i >= 0 ? unguard((row[i] ?? '').trim()) : '';
  let open: OpenOrder | undefined;
  let out = newOutput();

  const fill = (order: OpenOrder, row: readonly string[]) => {
    order.email ||= cell(row, layout.email);
    order.customerId ||= cell(row, layout.customerId);
    order.total ||= cell(row, layout.total);
    order.created ||= cell(row, layout.createdAt);
    order.paid ||= cell(row, layout.paidAt);
    order.currency ||= cell(row, layout.currency);
    order.cancelled ||= cell(row, layout.cancelledAt);
    order.items++;
    const q = layout.quantity >= 0 ? parseNumber(cell(row, layout.quantity)) : undefined;
    order.quantity += q ?? 1;
  };

  const close = (order: OpenOrder) => {
    const reject = (column: number, value: string, reason: string) => {
      out.rejected.push({ row: order.firstRow, column: label(column, ''), value, reason });
      out.rejectedRows++;
    };
    if (order.cancelled !== '')
      return reject(layout.cancelledAt, order.cancelled, rejectReasons.orderCancelled());
    const byId = order.customerId !== '' && order.customerId !== '0' ? order.customerId : undefined;
    const byEmail = emailKey(order.email);
    const customer = keyBy === 'customerId' ? (byId ?? byEmail) : (byEmail ?? byId);
    if (customer === undefined)
      return reject(
        layout.email >= 0 ? layout.email : layout.customerId,
        order.email,
        rejectReasons.orderMissingCustomer()
      );
    const amount = parseNumber(order.total);
    if (amount === undefined)
      return reject(layout.total, order.total, rejectReasons.orderMissingTotal());
    const timestamp = parseDate(order.created) ?? parseDate(order.paid);
    if (timestamp === undefined)
      return reject(layout.createdAt, order.created, rejectReasons.orderBadTime());
    const currency = order.currency || options.defaultCurrency || null;
    const values: (Value | null)[] = [amount, order.id, currency, order.items, order.quantity];
    out.customerIds.push(customer);
    out.timestamps.push(timestamp);
    values.forEach((v, k) => out.values[k].push(v));
    out.fingerprints.push(
      eventFingerprint({
        eventId: `order:${order.id}`,
        customerId: customer,
        name: PURCHASED_EVENT,
        timestamp,
        properties: []
      })
    );
  };

  const take = (): MappedEvents => {
    const result: MappedEvents = {
      batch: {
        customerIds: out.customerIds,
        names: out.customerIds.map(() => PURCHASED_EVENT),
        timestamps: Float64Array.from(out.timestamps),
        properties: properties.map((def, k) => ({ def, values: out.values[k] }))
      },
      fingerprints: out.fingerprints,
      rejected: out.rejected,
      rejectedRows: out.rejectedRows,
      blankRows: out.blankRows
    };
    out = newOutput();
    return result;
  };

  return {
    properties,
    push(rows, firstRowNumber) {
      rows.forEach((row, i) => {
        const rowNumber = firstRowNumber + i;
        if (row.every((c) => c.trim() === '')) {
          out.blankRows++;
          return;
        }
        if (row.length < fieldCount) {
          out.rejected.push({
            row: rowNumber,
            column: layout.headers[row.length] ?? '',
            value: '',
            reason: rejectReasons.fieldCount(fieldCount, row.length)
          });
          out.rejectedRows++;
          return;
        }
        const id = cell(row, layout.order);
        if (open && (id === '' || id === open.id)) return fill(open, row);
        if (open) close(open);
        open = undefined;
        if (id === '') {
          out.rejected.push({
            row: rowNumber,
            column: label(layout.order, ''),
            value: '',
            reason: rejectReasons.missingId()
          });
          out.rejectedRows++;
          return;
        }
        open = {
          id,
          firstRow: rowNumber,
          email: '',
          customerId: '',
          total: '',
          created: '',
          paid: '',
          currency: '',
          cancelled: '',
          items: 0,
          quantity: 0
        };
        fill(open, row);
      });
      return take();
    },
    flush() {
      if (open) close(open);
      open = undefined;
      return take();
    }
  };
};

interface Output {
  customerIds: string[];
  timestamps: number[];
  values: (Value | null)[][];
  fingerprints: number[];
  rejected: RejectedRow[];
  rejectedRows: number;
  blankRows: number;
}

const newOutput = (): Output => ({
  customerIds: [],
  timestamps: [],
  values: [[], [], [], [], []],
  fingerprints: [],
  rejected: [],
  rejectedRows: 0,
  blankRows: 0
});
