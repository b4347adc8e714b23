// Properties of the allocator under random sequences of Services, releases and pool changes:
// never an address outside its pools, never one address to two Services except valid sharing,
// avoidBuggyIPs held, and a restarted allocator adopting the same Services keeps every address.
import fc from 'fast-check';
import { isBuggyIp, rangeContains } from '../../shared/ip/range.js';
import { Allocator } from './allocator.js';
import type { ServiceRequest } from './request.js';
import { makePools, makeService } from './testing.js';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];

const poolsWide = makePools({
  small: { addresses: ['10.0.0.0/29'], avoidBuggyIPs: true },
  edge: { addresses: ['10.0.1.253-10.0.2.2', '2001:db8::/126'], avoidBuggyIPs: true },
  six: { addresses: ['2001:db8:1::1-2001:db8:1::3'] },
  manual: { addresses: ['10.0.3.0/30'], autoAssign: false },
  team: { addresses: ['10.0.4.0/30'], serviceAllocation: { priority: 1, namespaces: ['team'] } },
});
// The same pools, shrunk: some assignments become invalid.
const poolsNarrow = makePools({
  small: { addresses: ['10.0.0.0/30'], avoidBuggyIPs: true },
  edge: { addresses: ['10.0.1.253-10.0.2.2'], avoidBuggyIPs: false },
  manual: { addresses: ['10.0.3.0/30'], autoAssign: false },
  team: { addresses: ['10.0.4.0/31'], serviceAllocation: { priority: 1, namespaces: ['team'] } },
});

const requested = ['10.0.0.1', '10.0.0.0', '10.0.1.255', '10.0.2.1', '10.0.3.1', '2001:db8::2', '10.0.4.1', '10.0.3.1,2001:db8::1'];

const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });

const serviceArb: fc.Arbitrary<ServiceRequest> = fc
  .record({
    name: fc.constantFrom(...NAMES),
    family: fc.constantFrom('v4' as const, 'v6' as const, 'dual' as const, 'dual6' as const),
    policy: fc.constantFrom('RequireDualStack', 'PreferDualStack'),
    namespace: fc.constantFrom('default', 'team'),
    share: fc.constantFrom('', 'k1', 'k2'),
    port: fc.constantFrom(80, 443, 53),
    local: fc.constantFrom<string | undefined>(undefined, 'web', 'db'),
    request: rarely(fc.constantFrom(...requested)),
    pool: rarely(fc.constantFrom('small', 'edge', 'six', 'manual', 'team', 'gone')),
  })
  .map((o) => {
    const annotations: Record<string, string> = {};
    if (o.share !== '') annotations['metallb.io/allow-shared-ip'] = o.share;
    if (o.request !== null) annotations['metallb.io/loadBalancerIPs'] = o.request;
    if (o.pool !== null) annotations['metallb.io/address-pool'] = o.pool;
    return makeService(o.name, {
      namespace: o.namespace,
      family: o.family,
      annotations,
      spec: {
        ...(o.family.startsWith('dual') ? { ipFamilyPolicy: o.policy } : {}),
        ports: [{ port: o.port, protocol: 'TCP' }],
        ...(o.local !== undefined ? { externalTrafficPolicy: 'Local', selector: { app: o.local } } : {}),
      },
    });
  });

type Op = { kind: 'assign'; svc: ServiceRequest } | { kind: 'release'; name: string } | { kind: 'pools'; wide: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: serviceArb.map((svc) => ({ kind: 'assign' as const, svc })) },
  { weight: 2, arbitrary: fc.constantFrom(...NAMES).map((name) => ({ kind: 'release' as const, name })) },
  { weight: 1, arbitrary: fc.boolean().map((wide) => ({ kind: 'pools' as const, wide })) },
);

// Guards against a vacuous property: the generators must reach sharing and invalidation.
const seen = { ok: 0, shared: 0, invalidated: 0 };

function checkInvariants(al: Allocator): void {
  const users = new Map<string, string[]>();
  for (const n of NAMES) {
    for (const ns of ['default', 'team']) {
      const a = al.get(`${ns}/${n}`);
      if (a === undefined) continue;
      const pool = al.pool(a.pool);
      expect(pool).toBeDefined();
      expect(a.ips.length === 1 || (a.ips.length === 2 && a.ips[0]!.family !== a.ips[1]!.family)).toBe(true);
      for (const ip of a.ips) {
        expect(pool!.ranges.some((r) => rangeContains(r, ip))).toBe(true);
        if (pool!.avoidBuggyIPs) expect(isBuggyIp(ip)).toBe(false);
        const k = `${ip.family}:${ip.value}`;
        users.set(k, [...(users.get(k) ?? []), a.key]);
      }
    }
  }
  for (const keys of users.values()) {
    if (keys.length < 2) continue;
    seen.shared++;
    const as = keys.map((k) => al.get(k)!);
    expect(as[0]!.sharingKey).not.toBe('');
    for (const a of as) {
      expect(a.sharingKey).toBe(as[0]!.sharingKey);
      expect(a.backendKey).toBe(as[0]!.backendKey);
    }
    const ports = as.flatMap((a) => a.ports);
    expect(new Set(ports).size).toBe(ports.length);
  }
}

describe('allocator properties', () => {
  it('invariants hold after every operation', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 80 }), (ops) => {
        const al = new Allocator(poolsWide);
        for (const op of ops) {
          if (op.kind === 'assign') {
            const r = al.assign(op.svc);
            if (r.ok) seen.ok++;
            if (r.ok) expect(al.get(op.svc.key)!.ips).toEqual(r.ips);
          } else if (op.kind === 'release') {
            al.release(`default/${op.name}`);
            al.release(`team/${op.name}`);
          } else {
            seen.invalidated += al.setPools(op.wide ? poolsWide : poolsNarrow).invalidated.length;
          }
          checkInvariants(al);
        }
      }),
      { numRuns: 300 },
    );
    expect(seen.ok).toBeGreaterThan(2000);
    expect(seen.shared).toBeGreaterThan(200);
    expect(seen.invalidated).toBeGreaterThan(100);
  });

  it('a restarted allocator adopting the same services, in any order, keeps every address', () => {
    let adopted = 0;
    fc.assert(
      fc.property(fc.array(serviceArb, { maxLength: 40 }), fc.infiniteStream(fc.nat()), (svcs, rnd) => {
        const al = new Allocator(poolsWide);
        const last = new Map<string, ServiceRequest>();
        for (const s of svcs) {
          al.assign(s);
          last.set(s.key, s);
        }
        const held = [...last.values()].filter((s) => al.get(s.key) !== undefined);
        // Shuffle with the stream so the adoption order differs from the assignment order.
        const order = held.map((s) => ({ s, k: rnd.next().value })).sort((x, y) => x.k - y.k).map((x) => x.s);
        const restarted = new Allocator(poolsWide);
        for (const s of order) {
          const r = restarted.adopt(s, al.get(s.key)!.ips);
          expect(r.ok).toBe(true);
          adopted++;
        }
        for (const s of held) {
          expect(restarted.get(s.key)!.ips).toEqual(al.get(s.key)!.ips);
          // And a resync that re-runs assign changes nothing.
          const again = restarted.assign(s);
          expect(again.ok && again.ips).toEqual(al.get(s.key)!.ips);
        }
        checkInvariants(restarted);
      }),
      { numRuns: 300 },
    );
    expect(adopted).toBeGreaterThan(500);
  });
});
