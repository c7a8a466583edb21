// How values look on screen: one place for dates (always UTC, as the engine), numbers, sizes and durations.
import type { Value, ValueType } from '$lib/engine/schema';

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const countFormat = new Intl.NumberFormat('en');

export const formatCount = (n: number): string => countFormat.format(n);

/** 2026-04-05 17:06 UTC (date-times) or 2026-04-05 (midnight UTC). */
export function formatInstant(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z')
    ? iso.slice(0, 10)
    : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatValue(type: ValueType, value: Value | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (type === 'date' && typeof value === 'number') return formatInstant(value);
  if (type === 'number' && typeof value === 'number') return numberFormat.format(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1) return 'under a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
