import type { KubernetesObject } from '@kubernetes/client-node';
import { ObjectStore, slim, splitObjectKey } from './store.js';

const obj = (name: string, rv: string, namespace?: string): KubernetesObject => ({ metadata: { name, resourceVersion: rv, ...(namespace ? { namespace } : {}) } });
const summary = (changes: { event: string; obj: KubernetesObject }[]): string[] => changes.map((c) => `${c.event} ${c.obj.metadata?.namespace ?? ''}/${c.obj.metadata?.name}@${c.obj.metadata?.resourceVersion}`);

describe('ObjectStore.replace (relist diffing)', () => {
  it.each([
    ['first list: all adds', [], [obj('a', '1', 'x'), obj('b', '2', 'x')], ['add x/a@1', 'add x/b@2']],
    ['nothing changed: no events', [obj('a', '1', 'x')], [obj('a', '1', 'x')], []],
    ['changed resourceVersion: update', [obj('a', '1', 'x')], [obj('a', '5', 'x')], ['update x/a@5']],
    ['gone: delete with the cached state', [obj('a', '1', 'x'), obj('b', '2', 'y')], [obj('b', '2', 'y')], ['delete x/a@1']],
    ['same name, other namespace: add and delete', [obj('a', '1', 'x')], [obj('a', '3', 'y')], ['delete x/a@1', 'add y/a@3']],
    ['cluster-scoped objects', [obj('n1', '1'), obj('n2', '1')], [obj('n2', '4'), obj('n3', '5')], ['delete /n1@1', 'update /n2@4', 'add /n3@5']],
    ['empty list: everything deleted', [obj('a', '1', 'x'), obj('b', '1')], [], ['delete x/a@1', 'delete /b@1']],
  ])('%s', (_what, before, after, want) => {
    const s = new ObjectStore<KubernetesObject>();
    s.replace(before);
    expect(summary(s.replace(after))).toEqual(want);
    expect(s.list().map((o) => o.metadata?.name).sort()).toEqual(after.map((o) => o.metadata?.name).sort());
  });

  it('reports deletes before adds, so what deleted objects held is free for new ones', () => {
    const s = new ObjectStore<KubernetesObject>();
    s.replace([obj('old', '1', 'x')]);
    expect(summary(s.replace([obj('new', '2', 'x')]))).toEqual(['delete x/old@1', 'add x/new@2']);
  });

  it('keeps the cached copy when nothing changed', () => {
    const s = new ObjectStore<KubernetesObject>();
    const first = obj('a', '1', 'x');
    s.replace([first]);
    s.replace([obj('a', '1', 'x')]);
    expect(s.get('a', 'x')).toBe(first);
  });
});

describe('ObjectStore watch updates and lookups', () => {
  it('adds, updates, removes, and lists by namespace', () => {
    const s = new ObjectStore<KubernetesObject>();
    expect(s.upsert(obj('a', '1', 'x')).event).toBe('add');
    expect(s.upsert(obj('a', '2', 'x')).event).toBe('update');
    s.upsert(obj('b', '3', 'y'));
    s.upsert(obj('n', '4'));
    expect(s.list('x').map((o) => o.metadata?.resourceVersion)).toEqual(['2']);
    expect(s.list('none')).toEqual([]);
    expect(s.list()).toHaveLength(3);
    expect(s.get('n')?.metadata?.resourceVersion).toBe('4');
    expect(s.get('a')).toBeUndefined(); // namespaced objects need their namespace
    expect(s.remove(obj('a', '5', 'x')).event).toBe('delete');
    expect(s.get('a', 'x')).toBeUndefined();
    expect(s.size).toBe(2);
  });

  it('drops managedFields from what it keeps', () => {
    const o: KubernetesObject = { metadata: { name: 'a', managedFields: [{ manager: 'kubectl', operation: 'Update' }] } };
    const s = new ObjectStore<KubernetesObject>();
    s.upsert(o);
    expect(s.get('a')?.metadata).toEqual({ name: 'a' });
    expect(slim({ metadata: { name: 'b' } })).toEqual({ metadata: { name: 'b' } });
  });
});

describe('splitObjectKey', () => {
  it.each([
    ['default/web', 'default', 'web'],
    ['metallb-system/l2lb-controller', 'metallb-system', 'l2lb-controller'],
    ['/cluster-scoped', '', 'cluster-scoped'],
  ])('%s -> namespace %j, name %j', (key, namespace, name) => {
    expect(splitObjectKey(key)).toEqual({ namespace, name });
  });
});
