import { describe, expect, it } from 'vitest';
import {
  inferType,
  parseBoolean,
  parseDate,
  parseNumber,
  parseTimestamp,
  parseValue
} from '$lib/csv/values';

describe('parseNumber', () => {
  it.each([
    ['1,299.00', 1299],
    ['$1,299.00', 1299],
    ['₹ 1,299', 1299],
    ['₹ 1,29,999', 129999],
    ['-3.5', -3.5],
    ['+2', 2],
    ['(12.50)', -12.5],
    ['-$4.00', -4],
    ['USD 5', 5],
    ['5.00 EUR', 5],
    ['R$ 10', 10],
    ['1e3', 1000],
    ['.5', 0.5],
    ['0', 0]
  ])('reads %s as %d', (raw, expected) => expect(parseNumber(raw)).toBe(expected));

  it.each(['12%', 'abc', '1,2', '1,2345', '12-3', 'ABC123', '1.2.3', '', '--1', '$'])(
    'rejects %s',
    (raw) => expect(parseNumber(raw)).toBeUndefined()
  );

  it('reads decimal-comma numbers when asked', () => {
    expect(parseNumber('1.299,50', { decimalComma: true })).toBe(1299.5);
    expect(parseNumber('1 299,50', { decimalComma: true })).toBe(1299.5);
    expect(parseNumber('12,5', { decimalComma: true })).toBe(12.5);
    expect(parseNumber('1.299,50')).toBeUndefined();
  });
});

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['FALSE', false],
    ['Yes', true],
    ['no', false],
    ['y', true],
    ['N', false],
    ['1', true],
    ['0', false]
  ])('reads %s', (raw, expected) => expect(parseBoolean(raw)).toBe(expected));
  it('refuses digits unless the column is boolean', () => {
    expect(parseBoolean('1', false)).toBeUndefined();
    expect(parseBoolean('maybe')).toBeUndefined();
  });
});

describe('parseDate', () => {
  const at = Date.UTC(2026, 3, 5, 17, 6, 21);
  it.each([
    ['2026-04-05', Date.UTC(2026, 3, 5)],
    ['2026-04-05T17:06:21Z', at],
    ['2026-04-05 21:06:21 +0400', at],
    ['2026-04-05T21:06:21+04:00', at],
    ['2026-04-05 17:06:21 UTC', at],
    ['2026-04-05 17:06:21', at],
    ['2026-04-05T17:06:21.123Z', at + 123],
    ['2026-04-05T12:06:21-05', at],
    ['2026/04/05', Date.UTC(2026, 3, 5)]
  ])('reads %s as UTC epoch ms', (raw, expected) => expect(parseDate(raw)).toBe(expected));

  it.each([
    '2024-02-30',
    '2026-13-01',
    '05/04/2026',
    'yesterday',
    '2026-04-05T25:00:00Z',
    '20260405'
  ])('rejects %s', (raw) => expect(parseDate(raw)).toBeUndefined());
});

describe('parseTimestamp', () => {
  it('reads epoch seconds, epoch milliseconds and dates', () => {
    expect(parseTimestamp('1775423181')).toBe(1775423181000);
    expect(parseTimestamp('1775423181000')).toBe(1775423181000);
    expect(parseTimestamp('1775423181.5')).toBe(1775423181500);
    expect(parseTimestamp('2026-04-05T21:06:21.123Z')).toBe(Date.UTC(2026, 3, 5, 21, 6, 21, 123));
    expect(parseTimestamp('12')).toBeUndefined();
    expect(parseTimestamp('soon')).toBeUndefined();
  });
});

describe('parseValue', () => {
  it('treats blank cells as missing, never "" or 0', () => {
    for (const type of ['string', 'number', 'boolean', 'date'] as const) {
      expect(parseValue('', type)).toBeNull();
      expect(parseValue('   ', type)).toBeNull();
    }
  });
  it('trims strings and types values', () => {
    expect(parseValue('  Ana ', 'string')).toBe('Ana');
    expect(parseValue('1,299.00', 'number')).toBe(1299);
    expect(parseValue('yes', 'boolean')).toBe(true);
    expect(parseValue('2026-04-05', 'date')).toBe(Date.UTC(2026, 3, 5));
    expect(parseValue('lots', 'number')).toBeUndefined();
  });
});

describe('inferType', () => {
  it.each([
    [['1', '2.5', '', '$1,000.00'], 'number'],
    [['yes', 'no', ''], 'boolean'],
    [['TRUE', 'FALSE', '1', '0'], 'boolean'],
    [['1', '0', '1'], 'number'],
    [['2026-04-05', '2026-04-05 21:06:21 +0400'], 'date'],
    [['02134', '10001'], 'string'],
    [['12%', '3%'], 'string'],
    [['1', 'two'], 'string'],
    [['', '  '], 'string'],
    [[], 'string']
  ])('%j is %s', (cells, expected) => expect(inferType(cells)).toBe(expected));
});
