// The incremental election must give exactly electAll's results after any sequence of alive-set
// changes (random clusters, random deaths and returns; fast-check prints the seed of a failure).
import fc from 'fast-check';
import { electAll } from './elect.js';
import { IncrementalElection } from './incremental.js';
import type { ElectionInput, ElectionResult, ServiceInfo } from './types.js';

/** Every field, the lazily built candidate list included, as plain data. */
const plain = (results: ReadonlyMap<string, ElectionResult>): Map<string, ElectionResult> =>
  new Map([...results].map(([k, r]) => [k, { owner: r.owner, reason: r.reason, candidates: [...r.candidates], keyIp: r.keyIp }]));

const EXCLUDED: Readonly<Record<string, string>> = { 'node.kubernetes.io/exclude-from-external-load-balancers': '' };
const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const ipv4 = fc.tuple(fc.nat(3), fc.nat(40)).map(([a, b]) => `10.${a}.0.${b}`);

const scenario = fc
  .record({
    nodes: fc.uniqueArray(nodeName, { minLength: 1, maxLength: 10 }),
    aliveMask: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    excluded: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
    services: fc.array(
      fc.record({ ips: fc.array(ipv4, { minLength: 0, maxLength: 2 }), local: fc.boolean(), pool: fc.constantFrom('p', 'q', 'missing'), epMask: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }) }),
      { minLength: 1, maxLength: 25 },
    ),
    steps: fc.array(fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), { minLength: 1, maxLength: 8 }),
  })
  .map(({ nodes, aliveMask, excluded, services, steps }) => {
    const input: ElectionInput = {
      nodes: nodes.map((name, i) => ({ name, labels: excluded[i] && i > 0 ? EXCLUDED : {}, conditions: [] })),
      alivePeers: new Set(nodes.filter((_, i) => aliveMask[i])),
      pools: [{ name: 'p', labels: {} }, { name: 'q', labels: { tier: 'b' } }],
      l2Advertisements: [{ name: 'p-only', ipAddressPools: ['p'] }, { name: 'q-some', ipAddressPools: ['q'], nodeSelectors: [{ matchLabels: {} }] }],
      services: services.map(
        (s, i): ServiceInfo => ({
          key: `ns/s${i}`,
          ips: [...new Set(s.ips)],
          pool: s.pool,
          externalTrafficPolicy: s.local ? 'Local' : 'Cluster',
          endpoints: nodes.filter((_, j) => s.epMask[j]).map((n) => ({ nodeName: n, ready: true })),
        }),
      ),
    };
    const aliveSteps = steps.map((mask) => new Set(nodes.filter((_, i) => mask[i])));
    return { input, aliveSteps };
  });

describe('incremental election', () => {
  it('equals a full election after every alive-set change, and names every Service whose owner moved', () => {
    fc.assert(
      fc.property(scenario, ({ input, aliveSteps }) => {
        const inc = new IncrementalElection(input);
        expect(plain(inc.results())).toEqual(plain(electAll(input)));
        let previous = electAll(input);
        for (const alive of aliveSteps) {
          const changed = new Set(inc.setAlive(alive));
          const full = electAll({ ...input, alivePeers: alive });
          expect(plain(inc.results())).toEqual(plain(full));
          for (const [key, r] of full) expect(inc.owner(key)).toBe(r.owner);
          for (const [key, r] of full) if (previous.get(key)?.owner !== r.owner) expect(changed.has(key)).toBe(true);
          previous = full;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a death re-elects only the dead owner\'s VIPs; a return only those it outranks', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const input: ElectionInput = {
      nodes: nodes.map((name) => ({ name, labels: {}, conditions: [] })),
      alivePeers: new Set(nodes),
      pools: [{ name: 'p', labels: {} }],
      l2Advertisements: [{ name: 'all' }],
      services: Array.from({ length: 50 }, (_, i) => ({ key: `ns/s${i}`, ips: [`10.0.0.${i + 1}`], pool: 'p', externalTrafficPolicy: 'Cluster' as const, endpoints: [{ nodeName: 'n1', ready: true }] })),
    };
    const inc = new IncrementalElection(input);
    const ownedByN3 = [...inc.results()].filter(([, r]) => r.owner === 'n3').map(([k]) => k).sort();
    expect(ownedByN3.length).toBeGreaterThan(0);
    expect(inc.setAlive(new Set(nodes.filter((n) => n !== 'n3'))).sort()).toEqual(ownedByN3);
    expect(inc.setAlive(new Set(nodes)).sort()).toEqual(ownedByN3);
    expect(inc.setAlive(new Set(nodes))).toEqual([]);
  });
});
