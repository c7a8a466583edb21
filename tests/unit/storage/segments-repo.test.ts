// The segments repository over fake-indexeddb: tombstoned deletes with restore, versioned updates, the
// membership history per segment, and exports kept with their file.
import { describe, expect, it } from 'vitest';
import { freshDb } from '../../builders/data-service';
import { SegmentsRepo } from '$lib/storage/segments-repo';
import type { SegmentRecord } from '$lib/storage/db';
import { parse } from '$lib/engine/parser';
import { stripSpans } from '$lib/engine/model';

const rule = (q: string) => {
  const ast = parse(q);
  if (!ast.ok) throw new Error(q);
  return stripSpans(ast.value);
};

const segment = (id: string, name: string, createdAt: number): SegmentRecord => ({
  id,
  name,
  kind: 'dynamic',
  rule: rule('total_spent > 100'),
  createdAt,
  updatedAt: createdAt,
  version: 1
});

describe('segments repository', () => {
  it('lists active segments oldest first; a delete is a tombstone that restore undoes', async () => {
    const repo = new SegmentsRepo(freshDb());
    await repo.create(segment('b', 'Second', 20));
    await repo.create(segment('a', 'First', 10));
    expect((await repo.active()).map((s) => s.name)).toEqual(['First', 'Second']);

    const gone = await repo.remove('a', 30);
    expect(gone).toMatchObject({ deletedAt: 30, updatedAt: 30, version: 2 });
    expect((await repo.active()).map((s) => s.id)).toEqual(['b']);
    expect(await repo.remove('a', 31)).toBeUndefined();

    const back = await repo.restore('a', 40);
    expect(back).toMatchObject({ updatedAt: 40, version: 3 });
    expect(back && 'deletedAt' in back).toBe(false);
    expect((await repo.active()).map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('updates bump the version and keep the rule as an AST of version 1', async () => {
    const repo = new SegmentsRepo(freshDb());
    await repo.create(segment('a', 'First', 10));
    const next = await repo.update('a', { name: 'Renamed', rule: rule('vip = true') }, 50);
    expect(next).toMatchObject({ name: 'Renamed', version: 2, updatedAt: 50, createdAt: 10 });
    expect((await repo.get('a'))?.rule).toEqual({
      v: 1,
      root: { type: 'condition', field: 'vip', op: '=', values: [{ kind: 'boolean', value: true }] }
    });
    expect(await repo.update('nope', { name: 'x' }, 1)).toBeUndefined();
  });

  it('keeps membership changes in recording order and tells when current members entered', async () => {
    const repo = new SegmentsRepo(freshDb());
    expect(await repo.changeIdRange()).toBeUndefined();
    await repo.addChanges([
      { segmentId: 's', customerId: '1', kind: 'enter', at: 100 },
      { segmentId: 's', customerId: '2', kind: 'enter', at: 300 },
      { segmentId: 's', customerId: '1', kind: 'leave', at: 200 },
      { segmentId: 't', customerId: '1', kind: 'enter', at: 900 }
    ]);
    const range = await repo.changeIdRange();
    expect(range && range.last - range.first).toBe(3);
    const after = await repo.changesAfter(range?.first ?? 0);
    expect(after.map((c) => [c.segmentId, c.customerId, c.kind, c.at])).toEqual([
      ['s', '2', 'enter', 300],
      ['s', '1', 'leave', 200],
      ['t', '1', 'enter', 900]
    ]);
    expect([...(await repo.enteredAt('s'))]).toEqual([['2', 300]]);
  });

  it('records exports with their file, newest first', async () => {
    const repo = new SegmentsRepo(freshDb());
    const base = { segmentId: 's', segmentName: 'S', rows: 1, columns: ['customer_id'], bytes: 5 };
    await repo.addExport({ ...base, id: 'x1', fileName: 'a.csv', at: 1 }, 'id\r\n1\r\n');
    await repo.addExport({ ...base, id: 'x2', fileName: 'b.csv', at: 2 }, 'id\r\n2\r\n');
    expect((await repo.exports()).map((e) => e.id)).toEqual(['x2', 'x1']);
    expect(await repo.exportFile('x1')).toMatchObject({ csv: 'id\r\n1\r\n' });
    expect(await repo.exportFile('x3')).toBeUndefined();
  });
});
