// L2Advertisement serviceSelectors and preferredNodeSelectors in the election (MetalLB v0.16):
// which advertisements apply to a Service, the nodes they allow, and how preference scores rank
// them ahead of the hash.
import fc from 'fast-check';
import { electAll } from './elect.js';
import { rankCandidates } from './rank.js';
import type { ElectionInput, L2AdvertisementInfo, NodeInfo, ServiceInfo } from './types.js';

const node = (name: string, labels: Record<string, string> = {}): NodeInfo => ({ name, labels, conditions: [] });
const NODES = [node('a', { zone: 'x', role: 'lb' }), node('b', { zone: 'y', role: 'lb', gpu: 'true' }), node('c', { zone: 'x' }), node('d', { zone: 'y' })];
const ALL = NODES.map((n) => n.name);
const IP = '192.0.2.10';
const svc = (key: string, ips: string[], extra: Partial<ServiceInfo> = {}): ServiceInfo => ({
  key,
  ips,
  pool: 'p',
  externalTrafficPolicy: 'Cluster',
  endpoints: [{ nodeName: 'a', ready: true }],
  ...extra,
});
const input = (advs: L2AdvertisementInfo[], services: ServiceInfo[], over: Partial<ElectionInput> = {}): ElectionInput => ({
  services,
  nodes: NODES,
  alivePeers: new Set(ALL),
  pools: [{ name: 'p', labels: {} }],
  l2Advertisements: advs,
  ...over,
});
const one = (advs: L2AdvertisementInfo[], service: ServiceInfo = svc('ns/s', [IP]), over: Partial<ElectionInput> = {}) => {
  const r = electAll(input(advs, [service], over)).get(service.key);
  if (!r) throw new Error('no result');
  return r;
};
const pref = (weight: number, matchLabels: Record<string, string>) => ({ weight, preference: { matchLabels } });

/** The hash order of a node subset, for "ties are broken by the hash" expectations. */
const hashOrder = (names: string[]): string[] => rankCandidates(IP, names);

describe('preferredNodeSelectors', () => {
  const rows: { name: string; advs: L2AdvertisementInfo[]; want: string[] }[] = [
    { name: 'no preferences: pure hash order', advs: [{ name: 'all' }], want: hashOrder(ALL) },
    { name: 'preferred nodes first, ties by hash, the rest after by hash', advs: [{ name: 'p', preferredNodeSelectors: [pref(100, { zone: 'y' })] }], want: [...hashOrder(['b', 'd']), ...hashOrder(['a', 'c'])] },
    {
      name: 'weights of matching preferences add up (60+50 beats 100)',
      advs: [{ name: 'p', preferredNodeSelectors: [pref(60, { role: 'lb' }), pref(50, { gpu: 'true' }), pref(100, { zone: 'x' })] }],
      // b: 60+50=110, a: 60+100=160, c: 100, d: 0
      want: ['a', 'b', 'c', 'd'],
    },
    {
      name: 'preferences only lift nodes the same advertisement allows',
      advs: [
        { name: 'lb', nodeSelectors: [{ matchLabels: { role: 'lb' } }] },
        { name: 'c-only', nodeSelectors: [{ matchLabels: { zone: 'x' } }], preferredNodeSelectors: [pref(100, { zone: 'y' })] },
      ],
      // eligible: a, b (lb) and a, c (c-only); c-only prefers zone y, but b is not c-only's node: nobody scores.
      want: hashOrder(['a', 'b', 'c']),
    },
    {
      name: 'scores sum over the advertisements that apply',
      advs: [
        { name: 'one', preferredNodeSelectors: [pref(70, { zone: 'x' })] },
        { name: 'two', preferredNodeSelectors: [pref(30, { gpu: 'true' }), pref(80, { role: 'lb' })] },
      ],
      // a: 70+80=150, b: 30+80=110, c: 70, d: 0
      want: ['a', 'b', 'c', 'd'],
    },
    { name: 'no node matches the preference: hash order', advs: [{ name: 'p', preferredNodeSelectors: [pref(100, { zone: 'nowhere' })] }], want: hashOrder(ALL) },
    { name: 'an out-of-range weight (refused by the CRD) counts for nothing', advs: [{ name: 'p', preferredNodeSelectors: [pref(1000, { zone: 'y' })] }], want: hashOrder(ALL) },
    {
      name: 'an invalid preference selector matches nothing',
      advs: [{ name: 'p', preferredNodeSelectors: [{ weight: 100, preference: { matchExpressions: [{ key: 'zone', operator: 'Bogus' }] } }] }],
      want: hashOrder(ALL),
    },
  ];
  it.each(rows)('$name', ({ advs, want }) => {
    const r = one(advs);
    expect(r.reason).toBe('elected');
    expect(r.candidates).toEqual(want);
    expect(r.owner).toBe(want[0]);
  });

  it('the VIP leaves a dead preferred node and comes back when it returns', () => {
    const advs = [{ name: 'p', preferredNodeSelectors: [pref(100, { gpu: 'true' })] }];
    expect(one(advs).owner).toBe('b');
    const without = one(advs, undefined, { alivePeers: new Set(['a', 'c', 'd']) });
    expect(without.owner).toBe(hashOrder(['a', 'c', 'd'])[0]);
    expect(one(advs).owner).toBe('b');
  });

  it('Local: a preferred node without an endpoint is not a candidate', () => {
    const advs = [{ name: 'p', preferredNodeSelectors: [pref(100, { gpu: 'true' })] }];
    const r = one(advs, svc('ns/l', [IP], { externalTrafficPolicy: 'Local', endpoints: [{ nodeName: 'a', ready: true }, { nodeName: 'c', ready: true }] }));
    expect(r.candidates).toEqual(hashOrder(['a', 'c']));
  });
});

describe('serviceSelectors', () => {
  const web = { matchLabels: { app: 'web' } };
  it('an advertisement with serviceSelectors announces only the Services they match', () => {
    const advs = [{ name: 'web', serviceSelectors: [web] }];
    expect(one(advs, svc('ns/web', [IP], { labels: { app: 'web' } })).reason).toBe('elected');
    expect(one(advs, svc('ns/db', [IP], { labels: { app: 'db' } }))).toEqual({ owner: null, reason: 'notSelectedByL2Advertisement', candidates: [], keyIp: IP });
    expect(one(advs, svc('ns/none', [IP])).reason).toBe('notSelectedByL2Advertisement');
  });

  it('its nodes and preferences apply only to the Services it selects', () => {
    const advs: L2AdvertisementInfo[] = [
      { name: 'web', serviceSelectors: [web], nodeSelectors: [{ matchLabels: { role: 'lb' } }], preferredNodeSelectors: [pref(100, { zone: 'y' })] },
      { name: 'rest', nodeSelectors: [{ matchLabels: { zone: 'x' } }] },
    ];
    // web: nodes of both (a, b, c); b is web's preferred node.
    expect(one(advs, svc('ns/web', [IP], { labels: { app: 'web' } })).candidates).toEqual(['b', ...hashOrder(['a', 'c'])]);
    // others: only "rest" applies.
    expect(one(advs, svc('ns/db', [IP], { labels: { app: 'db' } })).candidates).toEqual(hashOrder(['a', 'c']));
  });

  it('refuses allow-shared-ip on a Service an advertisement selects by serviceSelectors; one speaker (the would-be owner) is named', () => {
    const advs = [{ name: 'web', serviceSelectors: [web] }];
    const r = one(advs, svc('ns/web', [IP], { labels: { app: 'web' }, allowsSharedIp: true }));
    expect(r).toEqual({ owner: null, reason: 'sharedIpWithServiceSelectors', candidates: hashOrder(ALL), keyIp: IP });
    // Without serviceSelectors the annotation is fine.
    expect(one([{ name: 'all' }], svc('ns/web', [IP], { labels: { app: 'web' }, allowsSharedIp: true })).reason).toBe('elected');
  });
});

describe('election properties with preferences', () => {
  const labelSet = fc.record({ zone: fc.constantFrom('x', 'y', 'z'), role: fc.constantFrom('lb', 'worker') });
  const world = fc
    .record({
      labels: fc.array(labelSet, { minLength: 1, maxLength: 7 }),
      alive: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
      prefs: fc.array(fc.record({ weight: fc.integer({ min: 1, max: 100 }), zone: fc.constantFrom('x', 'y', 'z') }), { maxLength: 3 }),
      nodeSel: fc.option(fc.constantFrom('lb', 'worker'), { nil: undefined }),
      ips: fc.uniqueArray(fc.nat(40).map((n) => `10.1.0.${n}`), { minLength: 1, maxLength: 6 }),
      v6: fc.boolean(),
    })
    .map(({ labels, alive, prefs, nodeSel, ips, v6 }): ElectionInput => {
      const nodes = labels.map((l, i) => node(`n${i}`, l));
      return {
        nodes,
        alivePeers: new Set(nodes.filter((_, i) => alive[i]).map((n) => n.name)),
        pools: [{ name: 'p', labels: {} }],
        l2Advertisements: [
          {
            name: 'adv',
            ...(nodeSel ? { nodeSelectors: [{ matchLabels: { role: nodeSel } }] } : {}),
            preferredNodeSelectors: prefs.map((p) => pref(p.weight, { zone: p.zone })),
          },
        ],
        services: [
          ...ips.map((ip, i) => svc(`ns/s${i}`, v6 ? [ip, `2001:db8::${i + 1}`] : [ip])),
          // Two Services sharing the first IP.
          svc('ns/shared', [ips[0] as string]),
        ],
      };
    });
  const scoreOf = (input: ElectionInput, name: string): number => {
    const n = input.nodes.find((x) => x.name === name)!;
    return (input.l2Advertisements[0]?.preferredNodeSelectors ?? []).reduce((s, p) => s + (p.preference.matchLabels?.zone === n.labels.zone ? p.weight : 0), 0);
  };

  it('the owner has the highest score of the candidates; Services sharing an IP get one owner (seed printed on failure)', () => {
    fc.assert(
      fc.property(world, (input) => {
        const res = electAll(input);
        for (const r of res.values()) {
          if (r.owner === null) continue;
          for (const c of r.candidates) expect(scoreOf(input, r.owner)).toBeGreaterThanOrEqual(scoreOf(input, c));
        }
        expect(res.get('ns/shared')?.owner).toBe(res.get('ns/s0')?.owner);
      }),
    );
  });

  it('removing a node that is not the owner never moves a VIP; every speaker order of the input agrees', () => {
    fc.assert(
      fc.property(world, fc.nat(), (input, pick) => {
        const before = electAll(input);
        const shuffled = electAll({ ...input, nodes: [...input.nodes].reverse(), services: [...input.services].reverse() });
        for (const [k, r] of before) expect(shuffled.get(k)?.owner).toBe(r.owner);
        const alive = [...input.alivePeers];
        const victim = alive[pick % Math.max(1, alive.length)];
        if (victim === undefined) return;
        const after = electAll({ ...input, alivePeers: new Set(alive.filter((n) => n !== victim)) });
        for (const [k, r] of before) if (r.owner !== null && r.owner !== victim) expect(after.get(k)?.owner).toBe(r.owner);
      }),
    );
  });
});
