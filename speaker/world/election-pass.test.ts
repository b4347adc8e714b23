// The speaker's election pass must give exactly what a full election over the same objects gives
// (electAll, planAnnouncements, the externalIPs refusals), whether it re-elected only what a
// membership change could move or elected everything: random clusters of Kubernetes objects
// (shared IPs, Local Services, legacy pools, node and Service selectors, preferences, interface
// lists, externalIPs), then random sequences of alive sets, object changes and interface changes.
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import fc from 'fast-check';
import type { AddressPool, IPAddressPool, L2Advertisement } from '../../shared/api/types.js';
import { formatIp } from '../../shared/ip/address.js';
import { electAll } from '../election/elect.js';
import { EXCLUDE_LABEL } from '../election/eligibility.js';
import type { ElectionResult } from '../election/types.js';
import { planAnnouncements, type AnnouncementPlan } from './announcement-plan.js';
import { electionInput } from './election-input.js';
import { Elector, type ElectionObjects, type ElectionPass } from './election-pass.js';
import { refusalsToReport } from './external-ips.js';

const NAMES = ['n1', 'n2', 'n3', 'n4', 'n5'];
const zone = fc.constantFrom('x', 'y');

const node = (name: string) =>
  fc.record({ z: zone, excluded: fc.integer({ min: 0, max: 9 }), broken: fc.integer({ min: 0, max: 9 }) }).map(
    ({ z, excluded, broken }): V1Node => ({
      metadata: { name, labels: { zone: z, ...(excluded === 0 ? { [EXCLUDE_LABEL]: '' } : {}) } },
      status: { conditions: broken === 0 ? [{ type: 'NetworkUnavailable', status: 'True' }] : [] },
    }),
  );

const advertisement = (i: number) =>
  fc
    .record({
      pools: fc.constantFrom(undefined, ['p'], ['q']),
      nodes: fc.option(zone, { nil: undefined }),
      prefer: fc.option(fc.record({ weight: fc.integer({ min: 1, max: 100 }), z: zone }), { nil: undefined }),
      services: fc.option(fc.constantFrom('web', 'db'), { nil: undefined }),
      interfaces: fc.constantFrom(undefined, ['eth0'], ['eth1'], ['bond0']),
    })
    .map(
      ({ pools, nodes, prefer, services, interfaces }): L2Advertisement => ({
        metadata: { name: `adv${i}` },
        spec: {
          ...(pools ? { ipAddressPools: pools } : {}),
          ...(nodes ? { nodeSelectors: [{ matchLabels: { zone: nodes } }] } : {}),
          ...(prefer ? { preferredNodeSelectors: [{ weight: prefer.weight, preference: { matchLabels: { zone: prefer.z } } }] } : {}),
          ...(services ? { serviceSelectors: [{ matchLabels: { app: services } }] } : {}),
          ...(interfaces ? { interfaces } : {}),
        },
      }),
    );

const ip = fc.constantFrom('192.0.2.1', '192.0.2.2', '192.0.2.3', '2001:db8::1', '2001:db8::2', '198.51.100.1', 'not-an-ip');

const service = (i: number, nodes: readonly string[]) =>
  fc
    .record({
      ips: fc.array(ip, { maxLength: 2 }),
      pool: fc.constantFrom(undefined, 'p', 'q', 'legacy', 'unknown'),
      local: fc.boolean(),
      eps: fc.subarray([...nodes]),
      app: fc.constantFrom('web', 'db'),
      shared: fc.boolean(),
      externalIPs: fc.subarray(['192.0.2.9', '203.0.113.5', '192.0.2.1'], { maxLength: 2 }),
      loadBalancer: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ ips, pool, local, eps, app, shared, externalIPs, loadBalancer }): { svc: V1Service; slice: V1EndpointSlice } => ({
      svc: {
        metadata: { name: `s${i}`, namespace: 'ns', labels: { app }, annotations: { ...(pool ? { 'metallb.io/ip-allocated-from-pool': pool } : {}), ...(shared ? { 'metallb.io/allow-shared-ip': 'k' } : {}) } },
        spec: { type: loadBalancer === 0 ? 'ClusterIP' : 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster', ...(externalIPs.length > 0 ? { externalIPs } : {}) },
        status: { loadBalancer: { ingress: [...new Set(ips)].map((x) => ({ ip: x })) } },
      },
      slice: {
        metadata: { name: `s${i}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `s${i}` } },
        addressType: 'IPv4',
        endpoints: eps.map((n) => ({ addresses: ['10.0.0.1'], nodeName: n, conditions: { ready: true } })),
      },
    }));

const pools: IPAddressPool[] = [
  { metadata: { name: 'p' }, spec: { addresses: ['192.0.2.0/24'] } },
  { metadata: { name: 'q' }, spec: { addresses: ['2001:db8::/64'] } },
];
const legacyPools: AddressPool[] = [{ metadata: { name: 'legacy' }, spec: { protocol: 'layer2', addresses: ['198.51.100.0/24'] } }];

const objects = (names: readonly string[]) =>
  fc
    .record({
      nodes: fc.tuple(...names.map(node)),
      advertisements: fc.integer({ min: 0, max: 3 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => advertisement(i)))),
      services: fc.integer({ min: 1, max: 10 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => service(i, names)))),
    })
    .map((w): ElectionObjects => ({ nodes: w.nodes, l2Advertisements: w.advertisements, services: w.services.map((s) => s.svc), endpointSlices: w.services.map((s) => s.slice), pools, legacyPools }));

type Step = { alive: string[] } | { objects: true } | { usable: readonly string[] };

const world = fc.integer({ min: 1, max: NAMES.length }).chain((n) => {
  const names = NAMES.slice(0, n);
  return fc.record({
    me: fc.constantFrom(...names),
    // Two sets of objects over the same nodes: an object change switches between them.
    worlds: fc.tuple(objects(names), objects(names)),
    externalIps: fc.boolean(),
    first: fc.subarray([...names, 'ghost']),
    steps: fc.array(
      fc.oneof<fc.Arbitrary<Step>[]>(
        fc.subarray([...names, 'ghost']).map((alive) => ({ alive })),
        fc.subarray([...names, 'ghost']).map((alive) => ({ alive })),
        fc.constant({ objects: true as const }),
        fc.constantFrom(['eth0'], ['eth0', 'eth1'], []).map((usable) => ({ usable })),
      ),
      { minLength: 1, maxLength: 10 },
    ),
  });
});

const plainResults = (m: ReadonlyMap<string, ElectionResult>) =>
  [...m.keys()].sort().map((key) => {
    const r = m.get(key);
    return { key, owner: r?.owner, reason: r?.reason, keyIp: r?.keyIp, candidates: [...(r?.candidates ?? [])] };
  });
const sorted = (m: ReadonlyMap<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const plainPlan = (p: AnnouncementPlan) => ({
  pairs: p.pairs.map((x) => `${formatIp(x.ip)}%${x.interfaceName}`).sort(),
  owned: sorted(p.owned),
  failed: sorted(p.failed),
  refused: sorted(p.refused),
});

function fullElection(me: string, o: ElectionObjects, alive: ReadonlySet<string>, usable: readonly string[], announceExternalIps: boolean) {
  const input = electionInput({ ...o, alivePeers: alive, loadBalancerClass: '', announceExternalIps });
  const results = electAll(input);
  const live = input.nodes.flatMap((n) => (alive.has(n.name) ? [n.name] : []));
  return { results, plan: planAnnouncements(me, input, results, o.l2Advertisements, usable), externalRefused: refusalsToReport(me, input.externalIpRefusals, live) };
}

function expectSame(pass: ElectionPass, want: ReturnType<typeof fullElection>): void {
  expect(plainResults(pass.results)).toEqual(plainResults(want.results));
  expect(plainPlan(pass.plan)).toEqual(plainPlan(want.plan));
  expect(sorted(pass.externalRefused)).toEqual(sorted(want.externalRefused));
}

const seed = Number(process.env['PROPERTY_SEED'] ?? Date.now() % 2 ** 31);

describe(`the speaker's election pass equals a full election (seed ${seed}; PROPERTY_SEED=${seed} replays)`, () => {
  it('after any sequence of membership, object and interface changes', () => {
    let membershipPasses = 0;
    fc.assert(
      fc.property(world, (w) => {
        let current = 0;
        let alive = new Set(w.first);
        let usable: readonly string[] = ['eth0'];
        const elector = new Elector(() => w.worlds[current] as ElectionObjects, { nodeName: w.me, lbClass: '', announceExternalIps: w.externalIps });
        const check = (kind: ElectionPass['kind']): void => {
          const pass = elector.elect(alive, usable);
          expect(pass.kind).toBe(kind);
          if (kind === 'membership') membershipPasses++;
          expectSame(pass, fullElection(w.me, w.worlds[current] as ElectionObjects, alive, usable, w.externalIps));
        };
        check('full');
        for (const step of w.steps) {
          if ('alive' in step) {
            alive = new Set(step.alive);
            check('membership');
          } else if ('objects' in step) {
            current = 1 - current;
            elector.invalidate();
            check('full');
          } else {
            const changed = step.usable.join() !== usable.join();
            usable = step.usable;
            check(changed ? 'full' : 'membership');
          }
        }
      }),
      { seed, numRuns: 300 },
    );
    // The incremental path was taken, not only full passes.
    expect(membershipPasses).toBeGreaterThan(300);
  });

  it('a death re-elects only the groups the dead node owned', () => {
    const nodes = NAMES.map((name): V1Node => ({ metadata: { name, labels: {} }, status: { conditions: [] } }));
    const services = Array.from({ length: 40 }, (_, i): V1Service => ({
      metadata: { name: `s${i}`, namespace: 'ns' },
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress: [{ ip: `192.0.2.${i + 1}` }] } },
    }));
    const endpointSlices = services.map((s): V1EndpointSlice => ({ metadata: { name: `${s.metadata?.name}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': s.metadata?.name ?? '' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'n1', conditions: { ready: true } }] }));
    const o: ElectionObjects = { nodes, services, endpointSlices, pools, legacyPools: [], l2Advertisements: [{ metadata: { name: 'all' }, spec: {} }] };
    const elector = new Elector(() => o, { nodeName: 'n2', lbClass: '' });
    const all = new Set(NAMES);
    const first = elector.elect(all, ['eth0']);
    expect(first).toMatchObject({ kind: 'full', groupsElected: 40 });
    const n3owned = [...first.results].filter(([, r]) => r.owner === 'n3').length;
    expect(n3owned).toBeGreaterThan(0);
    const after = elector.elect(new Set(NAMES.filter((n) => n !== 'n3')), ['eth0']);
    expect(after).toMatchObject({ kind: 'membership', groupsElected: n3owned });
    expect(elector.elect(all, ['eth0'])).toMatchObject({ kind: 'membership', groupsElected: n3owned });
  });
});
