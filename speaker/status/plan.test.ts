import type { ServiceL2Status } from '../../shared/api/types.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SERVICE_NAMESPACE, planStatusWrites, statusObjectName } from './plan.js';

const obj = (key: string, node: string, rv = '1', name = statusObjectName(key)): ServiceL2Status => {
  const [ns, svc] = key.split('/');
  return {
    metadata: { name, resourceVersion: rv, labels: { [LABEL_SERVICE_NAME]: svc!, [LABEL_SERVICE_NAMESPACE]: ns!, [LABEL_MANAGED_BY]: 'l2lb' } },
    status: { node, serviceName: svc, serviceNamespace: ns, interfaces: [{ name: 'eth0' }] },
  };
};
const alive = new Set(['a', 'b', 'c']);

describe('statusObjectName', () => {
  it('is readable when short and hashed, valid and unique when long', () => {
    expect(statusObjectName('ns/web')).toBe('l2-ns-web');
    const long1 = statusObjectName(`${'n'.repeat(60)}/${'s'.repeat(60)}`);
    const long2 = statusObjectName(`${'n'.repeat(60)}/${'s'.repeat(59)}t`);
    expect(long1.length).toBeLessThanOrEqual(63);
    expect(long1).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(long1).not.toBe(long2);
  });
});

describe('planStatusWrites', () => {
  it('creates the object for a newly owned Service', () => {
    expect(planStatusWrites('b', alive, [{ serviceKey: 'ns/web', owner: 'b', interfaces: ['eth0'] }], [])).toEqual([
      { kind: 'create', name: 'l2-ns-web', serviceKey: 'ns/web', status: { node: 'b', serviceName: 'web', serviceNamespace: 'ns', interfaces: [{ name: 'eth0' }] } },
    ]);
  });

  it('takes over the dead owner\'s object with one status write', () => {
    const ops = planStatusWrites('b', new Set(['b', 'c']), [{ serviceKey: 'ns/web', owner: 'b', interfaces: ['eth0'] }], [obj('ns/web', 'a', '7')]);
    expect(ops).toEqual([{ kind: 'updateStatus', name: 'l2-ns-web', serviceKey: 'ns/web', resourceVersion: '7', status: expect.objectContaining({ node: 'b' }) }]);
  });

  it('writes nothing when the object already says what is true (resyncs are free)', () => {
    expect(planStatusWrites('b', alive, [{ serviceKey: 'ns/web', owner: 'b', interfaces: ['eth0'] }], [obj('ns/web', 'b')])).toEqual([]);
  });

  it('leaves other owners\' objects alone, even when not yet updated by them', () => {
    expect(planStatusWrites('a', alive, [{ serviceKey: 'ns/web', owner: 'c', interfaces: [] }], [obj('ns/web', 'a')])).toEqual([]);
  });

  it('only the janitor (lowest alive name) deletes, for unowned, vanished and stray objects', () => {
    const existing = [obj('ns/gone', 'c'), obj('ns/dark', 'c'), obj('ns/web', 'c', '1', 'l2-something-else'), obj('ns/ok', 'c')];
    const ownerships = [
      { serviceKey: 'ns/dark', owner: null, interfaces: [] },
      { serviceKey: 'ns/ok', owner: 'c', interfaces: ['eth0'] },
    ];
    expect(planStatusWrites('b', alive, ownerships, existing)).toEqual([]);
    const ops = planStatusWrites('a', alive, ownerships, existing);
    expect(ops.map((o) => [o.kind, o.name])).toEqual([
      ['delete', 'l2-ns-gone'],
      ['delete', 'l2-ns-dark'],
      ['delete', 'l2-something-else'],
    ]);
  });

  it('never touches objects l2lb did not create (MetalLB\'s, during a migration)', () => {
    const metallb = obj('ns/web', 'c');
    const labels = { ...metallb.metadata.labels };
    delete labels[LABEL_MANAGED_BY];
    const foreign = { ...metallb, metadata: { ...metallb.metadata, name: 'l2-abcde', labels } };
    // Janitor, Service unowned: still left alone. Owner of the Service: creates its own object.
    expect(planStatusWrites('a', alive, [{ serviceKey: 'ns/web', owner: null, interfaces: [] }], [foreign])).toEqual([]);
    expect(planStatusWrites('a', alive, [{ serviceKey: 'ns/web', owner: 'a', interfaces: ['eth0'] }], [foreign]).map((o) => o.kind)).toEqual(['create']);
  });

  it('the janitor deletes an object whose owner is not alive (it cannot update it itself)', () => {
    const ops = planStatusWrites('a', new Set(['a', 'b']), [{ serviceKey: 'ns/x', owner: 'c', interfaces: [] }], [obj('ns/x', 'c')]);
    expect(ops.map((o) => o.kind)).toEqual(['delete']);
  });
});
