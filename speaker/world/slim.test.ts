// Slim objects must decide exactly as full ones: the election's input is compared for random
// clusters of full Services and EndpointSlices carrying every kind of field the API returns.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import fc from 'fast-check';
import { electionInput, type ClusterFacts } from './election-input.js';
import { slimEndpointSlice, slimService } from './slim.js';

const names = fc.constantFrom('a', 'b', 'c', 'd');
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

const service: fc.Arbitrary<V1Service> = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Service'),
  metadata: fc.record({
    name: names,
    namespace: fc.constantFrom('ns1', 'ns2'),
    uid: fc.uuid(),
    resourceVersion: fc.nat().map(String),
    labels: fc.constant({ app: 'web' }),
    annotations: fc.dictionary(fc.constantFrom('metallb.io/ip-allocated-from-pool', 'metallb.io/loadBalancerIPs', 'other'), fc.constantFrom('p1', 'p2', '192.0.2.5')),
  }),
  spec: fc.record({
    type: maybe(fc.constantFrom('LoadBalancer', 'ClusterIP', 'NodePort')),
    loadBalancerClass: maybe(fc.constantFrom('l2lb', 'other')),
    externalTrafficPolicy: maybe(fc.constantFrom('Local', 'Cluster')),
    ports: fc.constant([{ port: 80, protocol: 'TCP', nodePort: 30080 }]),
    selector: fc.constant({ app: 'web' }),
    clusterIP: fc.constant('10.96.0.10'),
  }),
  status: fc.record({
    loadBalancer: fc.record({ ingress: maybe(fc.array(fc.record({ ip: maybe(fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::1', 'bogus')), hostname: maybe(fc.constant('lb.example')), ipMode: maybe(fc.constant('VIP')) }), { maxLength: 3 })) }),
  }),
});

const slice: fc.Arbitrary<V1EndpointSlice> = fc.record({
  apiVersion: fc.constant('discovery.k8s.io/v1'),
  kind: fc.constant('EndpointSlice'),
  metadata: fc.record({
    name: fc.string({ minLength: 1, maxLength: 5 }),
    namespace: fc.constantFrom('ns1', 'ns2'),
    resourceVersion: fc.nat().map(String),
    labels: fc.record({ 'kubernetes.io/service-name': names, 'endpointslice.kubernetes.io/managed-by': fc.constant('endpointslice-controller.k8s.io') }, { requiredKeys: [] }),
  }),
  addressType: fc.constantFrom('IPv4', 'IPv6'),
  endpoints: fc.array(fc.record({
    addresses: fc.constant(['10.0.0.1']),
    nodeName: maybe(fc.constantFrom('n1', 'n2', 'n3')),
    zone: maybe(fc.constant('z1')),
    targetRef: fc.constant({ kind: 'Pod', name: 'web-1', namespace: 'ns1' }),
    conditions: maybe(fc.record({ ready: maybe(fc.boolean()), serving: maybe(fc.boolean()), terminating: maybe(fc.boolean()) })),
  }), { maxLength: 4 }),
  ports: fc.constant([{ port: 80, protocol: 'TCP' }]),
});

const facts = (services: V1Service[], endpointSlices: V1EndpointSlice[]): ClusterFacts => ({
  services,
  endpointSlices,
  nodes: [],
  pools: [{ metadata: { name: 'p1' }, spec: { addresses: ['192.0.2.0/28'] } }, { metadata: { name: 'p2' }, spec: { addresses: ['2001:db8::/120'] } }],
  legacyPools: [],
  l2Advertisements: [],
  alivePeers: new Set(['n1']),
  loadBalancerClass: '',
});

describe('slim objects', () => {
  it('give the election exactly the input full objects give', () => {
    fc.assert(
      fc.property(fc.array(service, { maxLength: 6 }), fc.array(slice, { maxLength: 6 }), fc.constantFrom('', 'l2lb'), (services, slices, cls) => {
        const full = electionInput({ ...facts(services, slices), loadBalancerClass: cls });
        const slim = electionInput({ ...facts(services.map(slimService), slices.map(slimEndpointSlice)), loadBalancerClass: cls });
        expect(slim).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });

  it('keep what the cache and Events need: identity, resourceVersion, uid, deletion', () => {
    const s = slimService({ metadata: { name: 'a', namespace: 'n', uid: 'u', resourceVersion: '7', deletionTimestamp: new Date(0), managedFields: [{ manager: 'x' }] }, spec: { type: 'LoadBalancer', ports: [{ port: 1 }] } });
    expect(s.metadata).toEqual({ name: 'a', namespace: 'n', uid: 'u', resourceVersion: '7', deletionTimestamp: new Date(0) });
    expect(s.spec).toEqual({ type: 'LoadBalancer' });
  });

  it('are smaller: a typical Service and EndpointSlice lose most of their JSON', () => {
    const svc = fc.sample(service, { numRuns: 1, seed: 1 })[0]!;
    const sl = fc.sample(slice, { numRuns: 1, seed: 1 })[0]!;
    expect(JSON.stringify(slimService(svc)).length).toBeLessThan(JSON.stringify(svc).length * 0.7);
    expect(JSON.stringify(slimEndpointSlice(sl)).length).toBeLessThan(JSON.stringify(sl).length);
  });
});
