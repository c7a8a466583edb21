// Builders for sync payloads in the API tests.
import { randomUUID } from 'node:crypto';
import type { Mutation, SegmentPayload } from '$lib/sync/protocol';

export const T0 = Date.UTC(2026, 10, 28, 14, 2);

export type DynamicSegment = Extract<SegmentPayload, { kind: 'dynamic' }>;

export function dynamicSegment(overrides: Partial<DynamicSegment> = {}): DynamicSegment {
  return {
    id: randomUUID(),
    kind: 'dynamic',
    name: 'VIP',
    rule: 'total_spent > 10000',
    createdAt: T0,
    updatedAt: T0,
    ...overrides
  };
}

export function put(segment: SegmentPayload, baseVersion: number, at = T0): Mutation {
  return {
    mutationId: randomUUID(),
    op: 'put',
    recordType: 'segment',
    recordId: segment.id,
    baseVersion,
    at,
    segment
  };
}

export function del(recordId: string, baseVersion: number, at = T0): Mutation {
  return {
    mutationId: randomUUID(),
    op: 'delete',
    recordType: 'segment',
    recordId,
    baseVersion,
    at
  };
}
