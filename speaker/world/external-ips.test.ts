// spec.externalIPs are announced only when asked, only inside a pool the Service may use, never
// on top of another Service's LoadBalancer IP, and every refusal says why.
import type { V1Service } from '@kubernetes/client-node';
import { validatePools } from '../../shared/api/validate.js';
import { rankCandidates } from '../election/rank.js';
import { electionInput, type ClusterFacts } from './election-input.js';
import { EXTERNAL_IPS_OFF, judgeExternalIps, refusalsToReport, type ExternalIpContext, type ExternalIpService } from './external-ips.js';

const pools = validatePools([
  { metadata: { name: 'ext' }, spec: { addresses: ['192.0.2.0/28', '2001:db8::/124'] } },
  { metadata: { name: 'team' }, spec: { addresses: ['198.51.100.0/28'], serviceAllocation: { namespaces: ['team-a'] } } },
  { metadata: { name: 'other' }, spec: { addresses: ['203.0.113.0/28'] } },
]).pools;
const ctx = (over: Partial<ExternalIpContext> = {}): ExternalIpContext => ({ enabled: true, pools, lbIpHolders: new Map(), ...over });
const svc = (externalIPs: string[], over: Partial<ExternalIpService> = {}): ExternalIpService => ({
  key: 'ns/s', namespace: 'ns', labels: {}, externalIPs, lbIps: [], lbPool: null, ...over,
});

describe('judgeExternalIps', () => {
  it.each([
    ['inside a pool the Service may use', svc(['192.0.2.5']), ['192.0.2.5'], 'ext', []],
    ['canonical text, both families of one pool', svc(['2001:DB8::5', '192.0.2.6']), ['2001:db8::5', '192.0.2.6'], 'ext', []],
    ['outside every pool', svc(['10.9.9.9']), [], null, [['10.9.9.9', /lies in no IPAddressPool/]]],
    ['not an IP', svc(['example.com']), [], null, [['example.com', /is not an IP address/]]],
    ['a pool whose serviceAllocation excludes the namespace', svc(['198.51.100.3']), [], null, [['198.51.100.3', /pool team, whose serviceAllocation does not admit/]]],
    ['that pool from a namespace it admits', svc(['198.51.100.3'], { namespace: 'team-a' }), ['198.51.100.3'], 'team', []],
    ['a second pool', svc(['192.0.2.5', '203.0.113.5']), ['192.0.2.5'], 'ext', [['203.0.113.5', /pool other, but the Service's other IPs are from pool ext/]]],
    ['the LoadBalancer pool decides', svc(['192.0.2.5'], { lbIps: ['203.0.113.1'], lbPool: 'other' }), [], null, [['192.0.2.5', /from pool other/]]],
    ['already a LoadBalancer IP of the Service: nothing to add, nothing refused', svc(['203.0.113.1'], { lbIps: ['203.0.113.1'], lbPool: 'other' }), [], null, []],
  ] as const)('%s', (_name, service, accepted, pool, refused) => {
    const d = judgeExternalIps(service, ctx());
    expect(d.accepted).toEqual(accepted);
    expect(d.pool).toBe(pool);
    expect(d.refused.map((r) => r.ip)).toEqual(refused.map((r) => r[0]));
    d.refused.forEach((r, i) => expect(r.why).toMatch(refused[i]![1]));
  });

  it('off: nothing is announced and the reason names the option and the CVE', () => {
    const d = judgeExternalIps(svc(['192.0.2.5']), ctx({ enabled: false }));
    expect(d).toEqual({ accepted: [], pool: null, refused: [{ ip: '192.0.2.5', why: EXTERNAL_IPS_OFF }] });
    expect(EXTERNAL_IPS_OFF).toContain('CVE-2020-8554');
  });

  it('never claims another Service\'s LoadBalancer IP', () => {
    const d = judgeExternalIps(svc(['192.0.2.5']), ctx({ lbIpHolders: new Map([['192.0.2.5', ['ns/lb']]]) }));
    expect(d.refused).toEqual([{ ip: '192.0.2.5', why: 'is the LoadBalancer IP of ns/lb' }]);
  });
});

describe('refusalsToReport', () => {
  it('one live node reports each Service\'s refusal', () => {
    const refusals = new Map([['ns/a', [{ ip: '10.9.9.9', why: 'x' }]]]);
    const nodes = ['n1', 'n2', 'n3'];
    const reporters = nodes.filter((n) => refusalsToReport(n, refusals, nodes).size === 1);
    expect(reporters).toEqual([rankCandidates('10.9.9.9', nodes)[0]]);
    expect(refusalsToReport(reporters[0]!, refusals, nodes).get('ns/a')).toBe('spec.externalIPs not announced: 10.9.9.9 x');
  });
});

describe('electionInput with externalIPs', () => {
  const base: ClusterFacts = {
    services: [],
    endpointSlices: [],
    nodes: [],
    pools: [{ metadata: { name: 'ext' }, spec: { addresses: ['192.0.2.0/28'] } }],
    legacyPools: [],
    l2Advertisements: [],
    alivePeers: new Set(),
    loadBalancerClass: '',
  };
  const service = (name: string, spec: V1Service['spec'], ingress: string[] = []): V1Service => ({
    metadata: { name, namespace: 'ns' },
    spec,
    status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
  });

  it('adds accepted externalIPs to a LoadBalancer\'s IPs and announces a ClusterIP Service\'s; only with the option', () => {
    const services = [
      service('lb', { type: 'LoadBalancer', externalIPs: ['192.0.2.9'] }, ['192.0.2.1']),
      service('cip', { type: 'ClusterIP', externalIPs: ['192.0.2.10'] }),
      service('outside', { type: 'ClusterIP', externalIPs: ['10.1.1.1'] }),
      service('foreign', { type: 'LoadBalancer', loadBalancerClass: 'someone-else', externalIPs: ['192.0.2.11'] }),
    ];
    const on = electionInput({ ...base, services, announceExternalIps: true });
    expect(on.services.map((s) => [s.key, s.ips, s.pool])).toEqual([
      ['ns/lb', ['192.0.2.1', '192.0.2.9'], 'ext'],
      ['ns/cip', ['192.0.2.10'], 'ext'],
    ]);
    expect([...on.externalIpRefusals.keys()]).toEqual(['ns/outside']);
    const off = electionInput({ ...base, services });
    expect(off.services.map((s) => [s.key, s.ips])).toEqual([['ns/lb', ['192.0.2.1']]]);
    expect([...off.externalIpRefusals.keys()]).toEqual(['ns/lb', 'ns/cip', 'ns/outside']);
  });
});
