import { Allocator } from '../allocator/allocator.js';
import type { ServiceLike, ServiceSpecLike } from '../allocator/request.js';
import { makePools } from '../allocator/testing.js';
import { reconcileService, resyncOrder, servedByClass, type ReconcileContext } from './service.js';

const ctx = (over: Partial<ReconcileContext> = {}): ReconcileContext => ({ poolsLoaded: true, namespaceLabels: {}, advertisement: () => 'advertised', ...over });

interface Opts {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  spec?: ServiceSpecLike;
  ingress?: string[];
  created?: string;
}
const service = (name: string, o: Opts = {}): ServiceLike => ({
  metadata: { namespace: 'ns', name, annotations: o.annotations ?? {}, ...(o.labels ? { labels: o.labels } : {}), ...(o.created ? { creationTimestamp: o.created } : {}) },
  spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.1'], ipFamilies: ['IPv4'], ports: [{ port: 80, protocol: 'TCP' }], ...o.spec },
  status: { loadBalancer: { ingress: (o.ingress ?? []).map((ip) => ({ ip })) } },
});
const applied = (s: ServiceLike, ips: string[], pool: string): ServiceLike => ({
  ...s,
  metadata: { ...s.metadata, annotations: { ...s.metadata!.annotations, 'metallb.io/ip-allocated-from-pool': pool } },
  status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
});

const alloc = () => new Allocator(makePools({ a: { addresses: ['10.0.0.1-10.0.0.2'] }, b: { addresses: ['10.0.1.1/32'], autoAssign: false } }));

describe('reconcileService', () => {
  it('assigns a new Service: one write, an IPAllocated event, the ipAllocated log', () => {
    const d = reconcileService('ns/s', service('s'), alloc(), ctx());
    expect(d.write).toEqual({ ingress: [{ ip: '10.0.0.1' }], pool: 'a', removeAnnotations: [] });
    expect(d.events).toEqual([{ type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["10.0.0.1"]' }]);
    expect(d.logs).toContainEqual({ level: 'info', event: 'ipAllocated', msg: 'IP address assigned by controller', fields: { ip: ['10.0.0.1'] } });
    expect(d.pending).toBe(false);
  });

  it('a converged Service needs nothing, also after a restart', () => {
    const al = alloc();
    const s = service('s');
    const d = reconcileService('ns/s', s, al, ctx());
    const after = applied(s, ['10.0.0.1'], 'a');
    expect(reconcileService('ns/s', after, al, ctx())).toMatchObject({ events: [], retryPending: false, pending: false });
    expect(reconcileService('ns/s', after, al, ctx()).write).toBeUndefined();
    const restarted = alloc();
    const r = reconcileService('ns/s', applied(s, ['10.0.0.2'], 'a'), restarted, ctx());
    expect(r.write).toBeUndefined();
    expect(restarted.get('ns/s')!.ips).toEqual([{ family: 4, value: 0x0a000002n }]);
    expect(d.write).toBeDefined();
  });

  it('an address no longer allowed is cleared and replaced, saying why', () => {
    const d = reconcileService('ns/s', applied(service('s'), ['192.168.0.9'], 'gone'), alloc(), ctx());
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'ClearAssignment',
        message: 'current IP for "ns/s" not allowed by config, will attempt for new IP assignment: ["192.168.0.9"] is not allowed in config: no address pool contains 192.168.0.9',
      },
      { type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["10.0.0.1"]' },
    ]);
    expect(d.write).toEqual({ ingress: [{ ip: '10.0.0.1' }], pool: 'a', removeAnnotations: [] });
  });

  it('an exhausted pool leaves the Service pending with the exact reason, then serves it after a release', () => {
    const al = alloc();
    reconcileService('ns/x', service('x'), al, ctx());
    reconcileService('ns/y', service('y'), al, ctx());
    const d = reconcileService('ns/z', service('z'), al, ctx());
    expect(d.pending).toBe(true);
    expect(d.write).toBeUndefined();
    expect(d.events).toEqual([
      {
        type: 'Warning',
        reason: 'AllocationFailed',
        message: 'Failed to allocate IP for "ns/z": no available IPs: the pools this service may use have no free IPv4 addresses (tried "a")',
      },
    ]);
    const del = reconcileService('ns/x', undefined, al, ctx());
    expect(del.retryPending).toBe(true);
    expect(reconcileService('ns/z', service('z'), al, ctx()).write).toEqual({ ingress: [{ ip: '10.0.0.1' }], pool: 'a', removeAnnotations: [] });
  });

  it('loadBalancerClass decides who serves the Service', () => {
    expect(servedByClass(undefined, undefined)).toBe(true);
    expect(servedByClass(undefined, 'l2lb')).toBe(false);
    expect(servedByClass('l2lb', 'l2lb')).toBe(true);
    expect(servedByClass('other', undefined)).toBe(false);
    const al = alloc();
    const d = reconcileService('ns/s', service('s', { spec: { loadBalancerClass: 'other' } }), al, ctx());
    expect(d.events).toEqual([]);
    expect(d.write).toBeUndefined();
    expect(al.size).toBe(0);
    expect(reconcileService('ns/s', service('s', { spec: { loadBalancerClass: 'l2lb' } }), al, ctx({ lbClass: 'l2lb' })).write).toBeDefined();
  });

  it('a Service that stops being a LoadBalancer is released and cleared', () => {
    const al = alloc();
    const s = service('s');
    reconcileService('ns/s', s, al, ctx());
    const now = applied({ ...s, spec: { ...s.spec, type: 'ClusterIP' } }, ['10.0.0.1'], 'a');
    const d = reconcileService('ns/s', now, al, ctx());
    expect(d.write).toEqual({ ingress: [], pool: undefined, removeAnnotations: [] });
    expect(d.retryPending).toBe(true);
    expect(al.size).toBe(0);
  });

  it('leaving LoadBalancer also drops the class: what this controller held is still cleared', () => {
    const al = alloc();
    const s = service('s', { spec: { loadBalancerClass: 'l2lb' } });
    reconcileService('ns/s', s, al, ctx({ lbClass: 'l2lb' }));
    const spec = { ...s.spec, type: 'ClusterIP' };
    delete spec.loadBalancerClass;
    const now = applied({ ...s, spec }, ['10.0.0.1'], 'a');
    expect(reconcileService('ns/s', now, al, ctx({ lbClass: 'l2lb' })).write).toEqual({ ingress: [], pool: undefined, removeAnnotations: [] });
    expect(al.size).toBe(0);
    // Not held here and not of our class: someone else's, untouched.
    expect(reconcileService('ns/s', now, alloc(), ctx({ lbClass: 'l2lb' })).write).toBeUndefined();
  });

  it('changing the address-pool annotation moves the Service', () => {
    const al = alloc();
    const s = applied(service('s'), ['10.0.0.1'], 'a');
    reconcileService('ns/s', s, al, ctx());
    const moved = { ...s, metadata: { ...s.metadata, annotations: { ...s.metadata!.annotations, 'metallb.io/address-pool': 'b' } } };
    const d = reconcileService('ns/s', moved, al, ctx());
    expect(d.write).toEqual({ ingress: [{ ip: '10.0.1.1' }], pool: 'b', removeAnnotations: [] });
    expect(d.events.map((e) => e.reason)).toEqual(['ClearAssignment', 'IPAllocated']);
    expect(d.retryPending).toBe(true);
  });

  it('a changed requested IP moves the Service; an invalid one keeps the current address', () => {
    const al = alloc();
    const s = applied(service('s'), ['10.0.0.1'], 'a');
    const want = (v: string) => ({ ...s, metadata: { ...s.metadata, annotations: { ...s.metadata!.annotations, 'metallb.io/loadBalancerIPs': v } } });
    expect(reconcileService('ns/s', want('10.0.0.2'), al, ctx()).write).toEqual({ ingress: [{ ip: '10.0.0.2' }], pool: 'a', removeAnnotations: [] });
    const bad = reconcileService('ns/s', { ...want('nonsense'), status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }] } } }, al, ctx());
    expect(bad.write).toBeUndefined();
    expect(bad.events).toEqual([{ type: 'Warning', reason: 'LoadBalancerFailed', message: 'invalid requested loadbalancer IPs: invalid metallb.io/loadBalancerIPs: "nonsense"' }]);
    expect(al.get('ns/s')!.ips).toEqual([{ family: 4, value: 0x0a000002n }]);
  });

  it('deprecated annotations and unannounced pools warn when l2lb changes the Service', () => {
    const s = service('s', { annotations: { 'metallb.universe.tf/address-pool': 'a' } });
    const al = alloc();
    const d = reconcileService('ns/s', s, al, ctx({ advertisement: () => 'poolNotAdvertised' }));
    expect(d.events).toEqual([
      { type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["10.0.0.1"]' },
      { type: 'Warning', reason: 'deprecatedAnnotation', message: 'Service uses deprecated annotation metallb.universe.tf/address-pool' },
      {
        type: 'Warning',
        reason: 'NotAnnounced',
        message: 'IP ["10.0.0.1"] from pool "a" is not announced: no L2Advertisement selects pool "a", so no node answers ARP/NDP for it',
      },
    ]);
    const again = reconcileService('ns/s', applied(s, ['10.0.0.1'], 'a'), al, ctx({ advertisement: () => 'poolNotAdvertised' }));
    expect(again.events).toEqual([]);
    expect(again.unannounced).toBeDefined();
  });

  it('a Service no advertisement\'s serviceSelectors match is told so, with its own labels checked', () => {
    const s = service('s', { labels: { app: 'api' } });
    const seen: Record<string, string>[] = [];
    const d = reconcileService('ns/s', s, alloc(), ctx({ advertisement: (_pool, labels) => (seen.push(labels), labels.app === 'web' ? 'advertised' : 'serviceNotSelected') }));
    expect(seen).toEqual([{ app: 'api' }]);
    expect(d.events.filter((e) => e.reason === 'NotAnnounced').map((e) => e.message)).toEqual([
      'IP ["10.0.0.1"] from pool "a" is not announced: the L2Advertisements of pool "a" have serviceSelectors and none matches this Service\'s labels',
    ]);
  });

  it('removes the old MetalLB pool annotation when writing, without calling it deprecated', () => {
    const s = service('s', { annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'a' } });
    const d = reconcileService('ns/s', s, alloc(), ctx());
    expect(d.write).toEqual({ ingress: [{ ip: '10.0.0.1' }], pool: 'a', removeAnnotations: ['metallb.universe.tf/ip-allocated-from-pool'] });
    expect(d.events.map((e) => e.reason)).toEqual(['IPAllocated']);
  });

  it('PreferDualStack gains the missing family when it becomes available', () => {
    const al = new Allocator(makePools({ p: { addresses: ['10.0.0.1/32'] } }));
    const spec: ServiceSpecLike = { clusterIPs: ['10.96.0.1', 'fd00::1'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' };
    const s = service('s', { spec });
    expect(reconcileService('ns/s', s, al, ctx()).write).toEqual({ ingress: [{ ip: '10.0.0.1' }], pool: 'p', removeAnnotations: [] });
    al.setPools(makePools({ p: { addresses: ['10.0.0.1/32', 'fd00:1::/120'] } }));
    const d = reconcileService('ns/s', applied(s, ['10.0.0.1'], 'p'), al, ctx());
    expect(d.write).toEqual({ ingress: [{ ip: '10.0.0.1' }, { ip: 'fd00:1::' }], pool: 'p', removeAnnotations: [] });
    expect(d.events).toEqual([{ type: 'Normal', reason: 'IPAllocated', message: 'Assigned additional IP "fd00:1::"' }]);
  });

  it('decides nothing before the pools are loaded', () => {
    const al = alloc();
    const d = reconcileService('ns/s', applied(service('s'), ['10.0.0.1'], 'a'), al, ctx({ poolsLoaded: false }));
    expect(d.write).toBeUndefined();
    expect(d.events).toEqual([]);
    expect(al.size).toBe(0);
  });

  it('a Service without clusterIPs fails with a reason', () => {
    const d = reconcileService('ns/s', service('s', { spec: { clusterIPs: [], clusterIP: '' } }), alloc(), ctx());
    expect(d.pending).toBe(true);
    expect(d.events[0]!.message).toBe('Failed to allocate IP for "ns/s": cannot determine the IP family of the service from clusterIPs []');
  });
});

describe('resyncOrder', () => {
  it('assigned Services first, then oldest first', () => {
    const list = [
      service('new-pending', { created: '2025-03-01T00:00:00Z' }),
      service('old-pending', { created: '2025-01-01T00:00:00Z' }),
      service('assigned-late', { created: '2025-04-01T00:00:00Z', ingress: ['10.0.0.2'] }),
      service('assigned-early', { created: '2025-02-01T00:00:00Z', ingress: ['10.0.0.1'] }),
    ];
    expect(resyncOrder(list).map((s) => s.metadata!.name)).toEqual(['assigned-early', 'assigned-late', 'old-pending', 'new-pending']);
  });
});
