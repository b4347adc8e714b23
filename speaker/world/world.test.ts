import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type { L2Advertisement } from '../../shared/api/types.js';
import { announceInterfaces, applicableAdvertisements, pickInterfaces } from './announce-interfaces.js';
import { electionInput, serviceIps, servedByUs, type ClusterFacts } from './election-input.js';

const svc = (name: string, over: Partial<V1Service['spec']> = {}, ips: string[] = ['192.0.2.10'], pool?: string): V1Service => ({
  metadata: { name, namespace: 'ns', annotations: pool ? { 'metallb.io/ip-allocated-from-pool': pool } : {} },
  spec: { type: 'LoadBalancer', ...over },
  status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
});
const node = (name: string): V1Node => ({ metadata: { name, labels: { zone: 'a' } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
const slice = (service: string, eps: { node: string; ready?: boolean }[]): V1EndpointSlice => ({
  metadata: { name: `${service}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: eps.map((e) => ({ addresses: ['10.0.0.1'], nodeName: e.node, conditions: { ready: e.ready } })),
});

const facts = (over: Partial<ClusterFacts>): ClusterFacts => ({
  services: [],
  endpointSlices: [],
  nodes: [node('n1'), node('n2')],
  pools: [{ metadata: { name: 'p1', labels: { tier: 'web' } }, spec: { addresses: ['192.0.2.0/24'] } }],
  legacyPools: [],
  l2Advertisements: [],
  alivePeers: new Set(['n1', 'n2']),
  loadBalancerClass: '',
  ...over,
});

describe('servedByUs / serviceIps', () => {
  it.each([
    [{ type: 'LoadBalancer' }, '', true],
    [{ type: 'ClusterIP' }, '', false],
    [{ type: 'LoadBalancer', loadBalancerClass: 'other' }, '', false],
    [{ type: 'LoadBalancer', loadBalancerClass: 'l2lb' }, 'l2lb', true],
    [{ type: 'LoadBalancer' }, 'l2lb', false],
  ])('spec %j with class %j -> %s', (spec, cls, want) => {
    expect(servedByUs({ spec }, cls)).toBe(want);
  });
  it('keeps status order and skips hostname-only ingress', () => {
    expect(serviceIps({ status: { loadBalancer: { ingress: [{ ip: '2001:db8::1' }, { hostname: 'x' }, { ip: '192.0.2.1' }] } } })).toEqual(['2001:db8::1', '192.0.2.1']);
  });
});

describe('electionInput', () => {
  it('joins Services with their EndpointSlices, pools and traffic policy', () => {
    const input = electionInput(facts({
      services: [svc('a', { externalTrafficPolicy: 'Local' }, ['192.0.2.10'], 'p1'), svc('b', {}, ['192.0.2.11']), svc('c', { type: 'NodePort' })],
      endpointSlices: [slice('a', [{ node: 'n2', ready: true }, { node: 'n1', ready: false }])],
    }));
    expect(input.services.map((s) => s.key)).toEqual(['ns/a', 'ns/b']);
    const [a, b] = input.services;
    expect(a).toMatchObject({ pool: 'p1', externalTrafficPolicy: 'Local', ips: ['192.0.2.10'] });
    expect(a!.endpoints).toEqual([
      { nodeName: 'n2', ready: true, serving: null, terminating: null },
      { nodeName: 'n1', ready: false, serving: null, terminating: null },
    ]);
    // No annotation: the pool is found by the IP it contains.
    expect(b).toMatchObject({ pool: 'p1', externalTrafficPolicy: 'Cluster', endpoints: [] });
  });

  it('finds no pool for an IP outside every pool and marks legacy layer2 AddressPools', () => {
    const input = electionInput(facts({
      services: [svc('a', {}, ['198.51.100.1'])],
      legacyPools: [{ metadata: { name: 'old' }, spec: { protocol: 'layer2', addresses: ['198.51.100.0/28'] } }, { metadata: { name: 'bgp' }, spec: { protocol: 'bgp', addresses: ['203.0.113.0/24'] } }],
    }));
    expect(input.services[0]!.pool).toBe('old');
    expect(input.pools).toEqual([{ name: 'p1', labels: { tier: 'web' } }, { name: 'old', labels: {}, legacyLayer2: true }]);
  });
});

describe('announceInterfaces', () => {
  const n1 = { name: 'n1', labels: { zone: 'a' }, conditions: [] };
  const pool = { name: 'p1', labels: { tier: 'web' } };
  const adv = (name: string, spec: L2Advertisement['spec']): L2Advertisement => ({ metadata: { name }, spec });
  it.each([
    ['no advertisement', [], { all: false, names: new Set() }],
    ['one without interfaces', [adv('a', {})], { all: true }],
    ['lists unite', [adv('a', { interfaces: ['eth0'] }), adv('b', { ipAddressPools: ['p1'], interfaces: ['eth1'] })], { all: false, names: new Set(['eth0', 'eth1']) }],
    ['other pool ignored', [adv('a', { ipAddressPools: ['p2'], interfaces: ['eth9'] })], { all: false, names: new Set() }],
    ['other node ignored', [adv('a', { nodeSelectors: [{ matchLabels: { zone: 'b' } }], interfaces: ['eth9'] })], { all: false, names: new Set() }],
    ['pool selector', [adv('a', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'web' } }], interfaces: ['eth2'] })], { all: false, names: new Set(['eth2']) }],
    ['serviceSelectors matching the Service', [adv('a', { serviceSelectors: [{ matchLabels: { app: 'web' } }], interfaces: ['eth3'] })], { all: false, names: new Set(['eth3']) }],
    ['serviceSelectors not matching the Service', [adv('a', { serviceSelectors: [{ matchLabels: { app: 'db' } }], interfaces: ['eth4'] })], { all: false, names: new Set() }],
  ] as const)('%s', (_n, advs, want) => {
    expect(announceInterfaces(pool, applicableAdvertisements(pool, n1, { app: 'web' }, advs))).toEqual(want);
  });
  it('legacy pools use every interface; pickInterfaces keeps discovery order', () => {
    expect(announceInterfaces({ ...pool, legacyLayer2: true }, [])).toEqual({ all: true });
    expect(pickInterfaces({ all: false, names: new Set(['eth1', 'eth0']) }, ['eth0', 'eth1', 'eth2'])).toEqual(['eth0', 'eth1']);
  });
});
