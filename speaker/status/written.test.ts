import type { StatusOp } from './plan.js';
import { WrittenVersions } from './written.js';

const status = { node: 'a', serviceName: 'web', serviceNamespace: 'demo', interfaces: [] };
const update = (name: string, resourceVersion: string): StatusOp => ({ kind: 'updateStatus', name, serviceKey: 'demo/web', status, resourceVersion });
const create = (name: string): StatusOp => ({ kind: 'create', name, serviceKey: 'demo/web', status });
const del = (name: string, resourceVersion: string): StatusOp => ({ kind: 'delete', name, serviceKey: 'demo/web', resourceVersion });

describe('WrittenVersions', () => {
  test('an object we never wrote: every op goes', () => {
    const w = new WrittenVersions();
    expect([update('x', '1'), create('x'), del('x', '1')].map((op) => w.allows(op))).toEqual([true, true, true]);
  });

  test.each<[string, StatusOp, boolean]>([
    ['an update planned from the version we overwrote', update('x', '5'), false],
    ['an update planned from a newer version', update('x', '7'), true],
    ['a create while our write is not in the cache yet', create('x'), false],
    ['a delete planned from the version we overwrote', del('x', '5'), false],
  ])('after our update of version 5: %s -> %s', (_name, op, allowed) => {
    const w = new WrittenVersions();
    w.record('x', 'updateStatus', ['5']);
    expect(w.allows(op)).toBe(allowed);
  });

  test.each<[string, StatusOp['kind'], string[], Map<string, string>, number]>([
    ['cache still shows the stale version: remembered', 'updateStatus', ['5'], new Map([['x', '5']]), 1],
    ['cache shows the new version: forgotten', 'updateStatus', ['5'], new Map([['x', '6']]), 0],
    ['created, not in the cache yet: remembered', 'create', [], new Map(), 1],
    ['created, in the cache: forgotten', 'create', [], new Map([['x', '3']]), 0],
    ['deleted, still in the cache: remembered', 'delete', ['5'], new Map([['x', '5']]), 1],
    ['deleted, gone from the cache: forgotten', 'delete', ['5'], new Map(), 0],
  ])('catchUp: %s', (_name, kind, stale, cached, remaining) => {
    const w = new WrittenVersions();
    w.record('x', kind, stale);
    w.catchUp(cached);
    expect(w.size).toBe(remaining);
  });
});
