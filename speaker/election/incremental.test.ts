// The incremental election must give exactly what a full election gives, for every alive set a
// membership can go through: random clusters with node selectors, preferences, serviceSelectors
// (and the shared-IP refusal they cause), Local Services, legacy pools, unusable nodes and
// shared IPs, then random sequences of deaths and returns (several at once too).
import fc from 'fast-check';
import { electAll } from './elect.js';
import { ballotsFor, reelect, resultsOf, stand, type Standing } from './incremental.js';
import type { ElectionInput, ElectionResult, L2AdvertisementInfo, NodeInfo, ServiceInfo } from './types.js';
import { EXCLUDE_LABEL } from './eligibility.js';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const zone = fc.constantFrom('x', 'y');
const selector = fc.option(fc.record({ matchLabels: fc.record({ zone }) }), { nil: undefined });

const nodeInfo = (name: string) =>
  fc.record({ z: zone, lb: fc.boolean(), excluded: fc.integer({ min: 0, max: 9 }), broken: fc.integer({ min: 0, max: 9 }) }).map(
    ({ z, lb, excluded, broken }): NodeInfo => ({
      name,
      labels: { zone: z, ...(lb ? { role: 'lb' } : {}), ...(excluded === 0 ? { [EXCLUDE_LABEL]: '' } : {}) },
      conditions: broken === 0 ? [{ type: 'NetworkUnavailable', status: 'True' }] : [],
    }),
  );

const advertisement = (i: number) =>
  fc
    .record({
      pools: fc.constantFrom(undefined, ['p'], ['q']),
      nodes: selector,
      prefs: fc.array(fc.record({ weight: fc.integer({ min: 0, max: 101 }), z: zone, lb: fc.boolean() }), { maxLength: 2 }),
      services: fc.option(fc.constantFrom('web', 'db'), { nil: undefined }),
    })
    .map(
      ({ pools, nodes, prefs, services }): L2AdvertisementInfo => ({
        name: `adv${i}`,
        ...(pools ? { ipAddressPools: pools } : {}),
        ...(nodes ? { nodeSelectors: [nodes] } : {}),
        preferredNodeSelectors: prefs.map((p) => ({ weight: p.weight, preference: { matchLabels: p.lb ? { role: 'lb' } : ({ zone: p.z } as Record<string, string>) } })),
        ...(services ? { serviceSelectors: [{ matchLabels: { app: services } }] } : {}),
      }),
    );

const ip = fc.constantFrom('192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '2001:db8::1', '2001:db8::2', 'not-an-ip');

const service = (i: number, nodes: readonly string[]) =>
  fc
    .record({
      ips: fc.array(ip, { maxLength: 2 }),
      pool: fc.constantFrom<string | null>('p', 'p', 'q', 'legacy', 'unknown', null),
      local: fc.boolean(),
      eps: fc.subarray([...nodes]),
      app: fc.constantFrom('web', 'db'),
      shared: fc.boolean(),
    })
    .map(
      ({ ips, pool, local, eps, app, shared }): ServiceInfo => ({
        key: `ns/s${i}`,
        ips: [...new Set(ips)],
        pool,
        externalTrafficPolicy: local ? 'Local' : 'Cluster',
        endpoints: eps.map((n) => ({ nodeName: n, ready: true })),
        labels: { app },
        allowsSharedIp: shared,
      }),
    );

const world = fc.integer({ min: 1, max: NAMES.length }).chain((n) => {
  const names = NAMES.slice(0, n);
  return fc.record({
    nodes: fc.tuple(...names.map(nodeInfo)),
    advs: fc.integer({ min: 0, max: 3 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => advertisement(i)))),
    services: fc.integer({ min: 1, max: 12 }).chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => service(i, names)))),
    // Alive sets the membership goes through: any subset, plus a speaker without a Node object.
    steps: fc.array(fc.subarray([...names, 'ghost']), { minLength: 1, maxLength: 8 }),
  });
});

const inputOf = (w: { nodes: NodeInfo[]; advs: L2AdvertisementInfo[]; services: ServiceInfo[] }, alive: readonly string[]): ElectionInput => ({
  nodes: w.nodes,
  services: w.services,
  pools: [
    { name: 'p', labels: {} },
    { name: 'q', labels: {} },
    { name: 'legacy', labels: {}, legacyLayer2: true },
  ],
  l2Advertisements: w.advs,
  alivePeers: new Set(alive),
});

const plain = (r: ElectionResult | undefined) => (r === undefined ? undefined : { owner: r.owner, reason: r.reason, keyIp: r.keyIp, candidates: [...r.candidates] });

function expectSame(standing: Standing, input: ElectionInput): void {
  const full = electAll(input);
  const incremental = resultsOf(standing);
  expect([...incremental.keys()]).toEqual([...full.keys()]);
  expect(incremental.size).toBe(full.size);
  for (const [key, r] of full) expect({ key, ...plain(incremental.get(key)) }).toEqual({ key, ...plain(r) });
  // Results are made when read: iterating gives the same as reading each one.
  expect([...incremental].map(([key, r]) => ({ key, ...plain(r) }))).toEqual([...full].map(([key, r]) => ({ key, ...plain(r) })));
}

const seed = Number(process.env['PROPERTY_SEED'] ?? Date.now() % 2 ** 31);

describe(`incremental election equals electAll (seed ${seed}; PROPERTY_SEED=${seed} replays)`, () => {
  it('after any sequence of deaths and returns, every Service has the owner, reason and order a full election gives', () => {
    fc.assert(
      fc.property(world, (w) => {
        const ballots = ballotsFor(inputOf(w, []));
        const first = w.steps[0] as string[];
        let standing = stand(ballots, new Set(first));
        expectSame(standing, inputOf(w, first));
        for (const alive of w.steps.slice(1)) {
          const before = standing.owners;
          const { standing: next, moved } = reelect(standing, new Set(alive));
          expectSame(next, inputOf(w, alive));
          // moved names exactly the groups whose owner changed.
          expect(moved).toEqual(next.owners.flatMap((o, i) => (o !== before[i] ? [i] : [])));
          standing = next;
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it('a death touches only the groups the dead node owned', () => {
    const nodes = NAMES.map((name): NodeInfo => ({ name, labels: {}, conditions: [] }));
    const services = Array.from({ length: 40 }, (_, i): ServiceInfo => ({ key: `ns/s${i}`, ips: [`198.51.100.${i + 1}`], pool: 'p', externalTrafficPolicy: 'Cluster', endpoints: [{ nodeName: 'a' }] }));
    const input: ElectionInput = { nodes, services, pools: [{ name: 'p', labels: {} }], l2Advertisements: [{ name: 'all' }], alivePeers: new Set(NAMES) };
    const standing = stand(ballotsFor(input), new Set(NAMES));
    const owned = standing.owners.flatMap((o, i) => (o === 'c' ? [i] : []));
    expect(owned.length).toBeGreaterThan(0);
    const { moved, standing: after } = reelect(standing, new Set(NAMES.filter((n) => n !== 'c')));
    expect(moved).toEqual(owned);
    // ...and its return takes exactly those back.
    expect(reelect(after, new Set(NAMES)).moved).toEqual(owned);
  });
});
