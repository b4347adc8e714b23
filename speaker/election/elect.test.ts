import { electAll } from './elect.js';
import { electionHash, ownerFor, rankCandidates } from './rank.js';
import type { ElectionInput, EndpointInfo, L2AdvertisementInfo, NodeInfo, PoolInfo, ServiceInfo } from './types.js';

const node = (name: string, labels: Record<string, string> = {}, conditions: NodeInfo['conditions'] = []): NodeInfo => ({
  name,
  labels,
  conditions,
});
const ep = (nodeName: string, c: Omit<EndpointInfo, 'nodeName'> = { ready: true }): EndpointInfo => ({ nodeName, ...c });
const svc = (key: string, ips: string[], extra: Partial<ServiceInfo> = {}): ServiceInfo => ({
  key,
  ips,
  pool: 'p',
  externalTrafficPolicy: 'Cluster',
  endpoints: [ep('a'), ep('b'), ep('c')],
  ...extra,
});

const NODES = [node('a', { zone: 'x' }), node('b', { zone: 'y' }), node('c', { zone: 'x' })];
const base: ElectionInput = {
  services: [],
  nodes: NODES,
  alivePeers: new Set(['a', 'b', 'c']),
  pools: [{ name: 'p', labels: { tier: 'web' } }],
  l2Advertisements: [{ name: 'all' }],
};
const IP = '192.0.2.10';
const order = (nodes: string[], ip = IP): string[] => rankCandidates(ip, nodes);

function elect(over: Partial<ElectionInput>, service: ServiceInfo = svc('ns/s', [IP])) {
  const r = electAll({ ...base, services: [service], ...over }).get(service.key);
  if (!r) throw new Error('no result');
  return r;
}

describe('electAll: one rule per row', () => {
  const pools = (p: Partial<PoolInfo>): PoolInfo[] => [{ name: 'p', labels: { tier: 'web' }, ...p }];
  const advs = (...a: L2AdvertisementInfo[]): L2AdvertisementInfo[] => a;
  const rows: {
    name: string;
    over?: Partial<ElectionInput>;
    service?: ServiceInfo;
    reason: string;
    candidates: string[] | null; // null: no owner, no candidates
  }[] = [
    { name: 'all alive, all eligible', reason: 'elected', candidates: ['a', 'b', 'c'] },
    { name: 'dead speaker is not a candidate', over: { alivePeers: new Set(['a', 'c']) }, reason: 'elected', candidates: ['a', 'c'] },
    { name: 'alive speaker without a Node object is not a candidate', over: { alivePeers: new Set(['a', 'b', 'c', 'ghost']) }, reason: 'elected', candidates: ['a', 'b', 'c'] },
    {
      name: 'NetworkUnavailable=True excludes',
      over: { nodes: [node('a', {}, [{ type: 'NetworkUnavailable', status: 'True' }]), NODES[1] as NodeInfo, NODES[2] as NodeInfo] },
      reason: 'elected',
      candidates: ['b', 'c'],
    },
    {
      name: 'NetworkUnavailable=False keeps',
      over: { nodes: [node('a', {}, [{ type: 'NetworkUnavailable', status: 'False' }]), NODES[1] as NodeInfo] },
      reason: 'elected',
      candidates: ['a', 'b'],
    },
    {
      name: 'exclusion label (any value) excludes',
      over: { nodes: [node('a', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), NODES[1] as NodeInfo] },
      reason: 'elected',
      candidates: ['b'],
    },
    {
      name: 'exclusion label ignored when asked (--ignore-exclude-lb)',
      over: { ignoreExcludeLabel: true, nodes: [node('a', { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' }), NODES[1] as NodeInfo] },
      reason: 'elected',
      candidates: ['a', 'b'],
    },
    { name: 'no L2Advertisement at all', over: { l2Advertisements: [] }, reason: 'noL2Advertisement', candidates: null },
    { name: 'L2Advertisement for another pool only', over: { l2Advertisements: advs({ name: 'o', ipAddressPools: ['other'] }) }, reason: 'noL2Advertisement', candidates: null },
    { name: 'L2Advertisement naming the pool', over: { l2Advertisements: advs({ name: 'n', ipAddressPools: ['p'] }) }, reason: 'elected', candidates: ['a', 'b', 'c'] },
    {
      name: 'L2Advertisement selecting the pool by label',
      over: { l2Advertisements: advs({ name: 's', ipAddressPoolSelectors: [{ matchLabels: { tier: 'web' } }] }) },
      reason: 'elected',
      candidates: ['a', 'b', 'c'],
    },
    {
      name: 'pool selector not matching',
      over: { l2Advertisements: advs({ name: 's', ipAddressPoolSelectors: [{ matchLabels: { tier: 'db' } }] }) },
      reason: 'noL2Advertisement',
      candidates: null,
    },
    {
      name: 'nodeSelectors narrow the candidates',
      over: { l2Advertisements: advs({ name: 'x', nodeSelectors: [{ matchLabels: { zone: 'x' } }] }) },
      reason: 'elected',
      candidates: ['a', 'c'],
    },
    {
      name: 'nodeSelectors: any selector of the list',
      over: { l2Advertisements: advs({ name: 'x', nodeSelectors: [{ matchLabels: { zone: 'y' } }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['nope'] }] }] }) },
      reason: 'elected',
      candidates: ['b'],
    },
    {
      name: 'several advertisements: union of their nodes',
      over: { l2Advertisements: advs({ name: 'y', nodeSelectors: [{ matchLabels: { zone: 'y' } }] }, { name: 'c', nodeSelectors: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['y'] }] }] }) },
      reason: 'elected',
      candidates: ['a', 'b', 'c'],
    },
    {
      name: 'nodeSelectors matching no node',
      over: { l2Advertisements: advs({ name: 'z', nodeSelectors: [{ matchLabels: { zone: 'z' } }] }) },
      reason: 'noCandidates',
      candidates: [],
    },
    { name: 'legacy layer2 AddressPool: announced without L2Advertisement', over: { pools: pools({ legacyLayer2: true }), l2Advertisements: [] }, reason: 'elected', candidates: ['a', 'b', 'c'] },
    { name: 'unknown pool', service: svc('ns/s', [IP], { pool: 'gone' }), reason: 'noPool', candidates: null },
    { name: 'pool not recorded', service: svc('ns/s', [IP], { pool: null }), reason: 'noPool', candidates: null },
    { name: 'no IP yet', service: svc('ns/s', []), reason: 'noIps', candidates: null },
    { name: 'unparseable IP', service: svc('ns/s', ['10.0.0.300']), reason: 'badIp', candidates: null },
    { name: 'Cluster: no endpoints at all', service: svc('ns/s', [IP], { endpoints: [] }), reason: 'noEndpoints', candidates: null },
    { name: 'Cluster: only not-ready endpoints', service: svc('ns/s', [IP], { endpoints: [ep('a', { ready: false })] }), reason: 'noEndpoints', candidates: null },
    { name: 'Cluster: endpoint anywhere makes every node a candidate', service: svc('ns/s', [IP], { endpoints: [ep('a')] }), reason: 'elected', candidates: ['a', 'b', 'c'] },
    { name: 'Cluster: ready unset counts as ready', service: svc('ns/s', [IP], { endpoints: [{ nodeName: 'a' }] }), reason: 'elected', candidates: ['a', 'b', 'c'] },
    {
      name: 'Local: only nodes with a ready endpoint',
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('a'), ep('b', { ready: false }), ep('c', { ready: true })] }),
      reason: 'elected',
      candidates: ['a', 'c'],
    },
    {
      name: 'Local: serving and not terminating counts',
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('b', { ready: false, serving: true, terminating: false })] }),
      reason: 'elected',
      candidates: ['b'],
    },
    {
      name: 'Local: terminating nodes lose to ready ones',
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('a'), ep('b', { ready: false, serving: true, terminating: true })] }),
      reason: 'elected',
      candidates: ['a'],
    },
    {
      name: 'Local: only serving-terminating endpoints left: keep serving from them (drain)',
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('b', { ready: false, serving: true, terminating: true })] }),
      reason: 'elected',
      candidates: ['b'],
    },
    {
      name: 'Local: not serving, terminating: nobody',
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('b', { ready: false, serving: false, terminating: true })] }),
      reason: 'noEndpoints',
      candidates: null,
    },
    {
      name: 'Local: endpoint without nodeName is ignored',
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [{ ready: true }, ep('c')] }),
      reason: 'elected',
      candidates: ['c'],
    },
    {
      name: 'Local: endpoints only on a dead node',
      over: { alivePeers: new Set(['a', 'c']) },
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('b')] }),
      reason: 'noCandidates',
      candidates: [],
    },
    {
      name: 'Local: endpoints only on an excluded node',
      over: { nodes: [node('a'), node('b', { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' })] },
      service: svc('ns/s', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('b')] }),
      reason: 'noCandidates',
      candidates: [],
    },
    { name: 'nobody alive', over: { alivePeers: new Set() }, reason: 'noCandidates', candidates: [] },
  ];

  it.each(rows)('$name', ({ over, service, reason, candidates }) => {
    const r = elect(over ?? {}, service);
    expect(r.reason).toBe(reason);
    if (candidates === null) {
      expect(r.owner).toBeNull();
      expect(r.candidates).toEqual([]);
    } else {
      const want = order(candidates);
      expect(r.candidates).toEqual(want);
      expect(r.owner).toBe(want[0] ?? null);
    }
  });
});

describe('electAll: ranking and grouping', () => {
  it('owner is the lowest murmurhash3 of node#keyIp', () => {
    // Fixed expectations guard against an accidental change of hash, key format or order,
    // which would move every VIP on upgrade.
    expect(electionHash('a', '192.0.2.10')).toBe('030e5d06a5ad04cc4c82026b54096c74');
    const r = rankCandidates('192.0.2.10', ['a', 'b', 'c', 'd', 'e']);
    expect(r).toEqual(['a', 'c', 'e', 'd', 'b']);
    expect(ownerFor('192.0.2.10', ['b', 'd', 'e'])).toBe('e');
    expect(ownerFor('192.0.2.10', [])).toBeNull();
    expect(rankCandidates('192.0.2.10', [...r].reverse())).toEqual(r);
    const ips = Array.from({ length: 50 }, (_, i) => `10.0.0.${i}`);
    const owners = new Set(ips.map((ip) => rankCandidates(ip, ['a', 'b', 'c'])[0]));
    expect(owners.size).toBe(3); // spread over nodes, not all on one
  });

  it('keys by the canonical IP text', () => {
    const a = elect({}, svc('ns/a', ['2001:DB8:0:0::1']));
    expect(a.keyIp).toBe('2001:db8::1');
    expect(a.candidates).toEqual(rankCandidates('2001:db8::1', ['a', 'b', 'c']));
  });

  it('dual-stack: both families follow the first IP', () => {
    const r = elect({}, svc('ns/d', ['198.51.100.7', '2001:db8::7']));
    expect(r.keyIp).toBe('198.51.100.7');
    expect(r.owner).toBe(rankCandidates('198.51.100.7', ['a', 'b', 'c'])[0]);
  });

  it('Services sharing an IP get the same owner, even when one has no endpoints', () => {
    const services = [
      svc('ns/tcp', [IP]),
      svc('ns/udp', [IP]),
      svc('ns/empty', [IP], { endpoints: [] }),
      svc('ns/other', ['192.0.2.99']),
    ];
    const r = electAll({ ...base, services });
    expect(r.get('ns/tcp')?.owner).toBe(r.get('ns/udp')?.owner);
    expect(r.get('ns/tcp')?.keyIp).toBe(IP);
    expect(r.get('ns/empty')).toMatchObject({ owner: null, reason: 'noEndpoints' });
    expect(r.get('ns/other')?.keyIp).toBe('192.0.2.99');
  });

  it('transitive sharing (IPv6-first dual-stack sharing its IPv4) uses one key: the lowest first IP', () => {
    const services = [svc('ns/v6first', ['2001:db8::5', '192.0.2.5']), svc('ns/v4only', ['192.0.2.5'])];
    const r = electAll({ ...base, services });
    expect(r.get('ns/v6first')?.keyIp).toBe('192.0.2.5');
    expect(r.get('ns/v4only')?.keyIp).toBe('192.0.2.5');
    expect(r.get('ns/v6first')?.owner).toBe(r.get('ns/v4only')?.owner);
  });

  it('Local Services sharing an IP elect among nodes all of them accept', () => {
    const services = [
      svc('ns/l1', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('a'), ep('b')] }),
      svc('ns/l2', [IP], { externalTrafficPolicy: 'Local', endpoints: [ep('b'), ep('c')] }),
    ];
    const r = electAll({ ...base, services });
    expect(r.get('ns/l1')).toMatchObject({ owner: 'b', candidates: ['b'] });
    expect(r.get('ns/l2')).toMatchObject({ owner: 'b', candidates: ['b'] });
  });

  it('is deterministic whatever the input order', () => {
    const services = [svc('ns/1', ['192.0.2.1']), svc('ns/2', ['192.0.2.2']), svc('ns/3', ['192.0.2.3'])];
    const one = electAll({ ...base, services });
    const two = electAll({ ...base, services: [...services].reverse(), nodes: [...NODES].reverse() });
    expect([...two.entries()].sort()).toEqual([...one.entries()].sort());
  });
});
