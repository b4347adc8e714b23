// DESIGN rule 6 at the level of decisions: drive random Services through reconcileService, apply
// its writes like the shell would, converge; then "restart" (a fresh allocator, resyncOrder) and
// check that the resync writes nothing and every Service keeps its addresses.
import fc from 'fast-check';
import type { ValidPool } from '../../shared/api/validate.js';
import { Allocator } from '../allocator/allocator.js';
import type { ServiceLike } from '../allocator/request.js';
import { makePools } from '../allocator/testing.js';
import { adoptExisting, reconcileService, resyncOrder, type ReconcileContext, type ServiceDecision } from './service.js';

const ctx: ReconcileContext = { poolsLoaded: true, namespaceLabels: {}, advertisement: () => 'advertised' };

const wide = makePools({
  a: { addresses: ['10.0.0.1-10.0.0.4', '2001:db8::1-2001:db8::2'], avoidBuggyIPs: true },
  b: { addresses: ['10.0.1.0/30'], autoAssign: false },
});
const narrow = makePools({
  a: { addresses: ['10.0.0.1-10.0.0.2', '2001:db8::1-2001:db8::2'], avoidBuggyIPs: true },
  b: { addresses: ['10.0.1.0/31'], autoAssign: false },
});

interface SvcDef {
  name: string;
  family: 'v4' | 'dual';
  share: string;
  port: number;
  request: string | null;
  pool: string | null;
}

const defArb: fc.Arbitrary<SvcDef> = fc.record({
  name: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6', 's7'),
  family: fc.constantFrom('v4' as const, 'dual' as const),
  share: fc.constantFrom('', '', 'k'),
  port: fc.constantFrom(80, 443),
  request: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('10.0.0.2', '10.0.1.1', '10.0.9.9') }),
  pool: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('a', 'b') }),
});

function toService(d: SvcDef, prev: ServiceLike | undefined, created: number): ServiceLike {
  const annotations: Record<string, string> = { ...(prev?.metadata?.annotations ?? {}) };
  for (const k of ['metallb.io/allow-shared-ip', 'metallb.io/loadBalancerIPs', 'metallb.io/address-pool']) delete annotations[k];
  if (d.share) annotations['metallb.io/allow-shared-ip'] = d.share;
  if (d.request) annotations['metallb.io/loadBalancerIPs'] = d.request;
  if (d.pool) annotations['metallb.io/address-pool'] = d.pool;
  const dual = d.family === 'dual';
  return {
    metadata: { namespace: 'ns', name: d.name, annotations, creationTimestamp: new Date(created * 1000) },
    spec: {
      type: 'LoadBalancer',
      clusterIPs: dual ? ['10.96.0.1', 'fd00::1'] : ['10.96.0.1'],
      ipFamilies: dual ? ['IPv4', 'IPv6'] : ['IPv4'],
      ipFamilyPolicy: dual ? 'PreferDualStack' : 'SingleStack',
      ports: [{ port: d.port, protocol: 'TCP' }],
    },
    status: prev?.status ?? { loadBalancer: { ingress: [] } },
  };
}

type Op = { kind: 'upsert'; def: SvcDef } | { kind: 'delete'; name: string } | { kind: 'pools'; wide: boolean };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: defArb.map((def) => ({ kind: 'upsert' as const, def })) },
  { weight: 1, arbitrary: fc.constantFrom('s1', 's2', 's3', 's4').map((name) => ({ kind: 'delete' as const, name })) },
  { weight: 1, arbitrary: fc.boolean().map((w) => ({ kind: 'pools' as const, wide: w })) },
);

class Cluster {
  readonly services = new Map<string, ServiceLike>();
  writes = 0;

  apply(key: string, d: ServiceDecision): void {
    if (d.write === undefined) return;
    this.writes++;
    const s = this.services.get(key)!;
    const annotations: Record<string, string> = { ...(s.metadata?.annotations ?? {}) };
    if (d.write.pool === undefined) delete annotations['metallb.io/ip-allocated-from-pool'];
    else annotations['metallb.io/ip-allocated-from-pool'] = d.write.pool;
    this.services.set(key, { ...s, metadata: { ...s.metadata, annotations }, status: { loadBalancer: { ingress: d.write.ingress.map((i) => ({ ip: i.ip })) } } });
  }

  /** Reconcile every Service in resync order, as the shell does after pool changes or releases. */
  resyncAll(al: Allocator): number {
    const before = this.writes;
    for (const s of resyncOrder([...this.services.values()])) {
      const key = `ns/${s.metadata!.name}`;
      this.apply(key, reconcileService(key, this.services.get(key), al, ctx));
    }
    return this.writes - before;
  }
}

describe('restart resync', () => {
  it('a restarted controller changes no address and writes nothing', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 40 }), (ops) => {
        let pools: ValidPool[] = wide;
        const al = new Allocator(pools);
        const c = new Cluster();
        ops.forEach((op, t) => {
          if (op.kind === 'upsert') {
            const key = `ns/${op.def.name}`;
            c.services.set(key, toService(op.def, c.services.get(key), t));
            const d = reconcileService(key, c.services.get(key), al, ctx);
            c.apply(key, d);
            if (d.retryPending) c.resyncAll(al);
          } else if (op.kind === 'delete') {
            const key = `ns/${op.name}`;
            c.services.delete(key);
            if (reconcileService(key, undefined, al, ctx).retryPending) c.resyncAll(al);
          } else {
            pools = op.wide ? wide : narrow;
            al.setPools(pools);
            c.resyncAll(al);
          }
        });
        // Converge (a release late in a pass may let an earlier pending Service in).
        for (let i = 0; i < 5 && c.resyncAll(al) > 0; i++);
        expect(c.resyncAll(al)).toBe(0);

        const snapshot = new Map([...c.services].map(([k, s]) => [k, JSON.stringify(s.status)]));
        const restarted = new Allocator(pools);
        adoptExisting([...c.services.values()], restarted, ctx);
        expect(c.resyncAll(restarted)).toBe(0);
        for (const [k, s] of c.services) expect(JSON.stringify(s.status)).toBe(snapshot.get(k));
        checked += [...c.services.values()].filter((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0).length;
      }),
      { numRuns: 200 },
    );
    expect(checked).toBeGreaterThan(300);
  });
});
