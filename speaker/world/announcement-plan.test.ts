import type { L2Advertisement } from '../../shared/api/types.js';
import type { ElectionInput, ElectionResult } from '../election/types.js';
import { diffOwnership, planAnnouncements, SHARED_IP_REFUSAL, type OwnedService } from './announcement-plan.js';

const input: ElectionInput = {
  services: [
    { key: 'ns/a', ips: ['192.0.2.1', '2001:db8::1'], pool: 'p', externalTrafficPolicy: 'Cluster', endpoints: [] },
    { key: 'ns/b', ips: ['192.0.2.2'], pool: 'p', externalTrafficPolicy: 'Cluster', endpoints: [] },
    { key: 'ns/c', ips: ['192.0.2.3'], pool: 'p', externalTrafficPolicy: 'Cluster', endpoints: [] },
  ],
  nodes: [{ name: 'n1', labels: {}, conditions: [] }, { name: 'n2', labels: {}, conditions: [] }],
  alivePeers: new Set(['n1', 'n2']),
  pools: [{ name: 'p', labels: {} }],
  l2Advertisements: [{ name: 'adv' }],
};
const res = (owner: string | null, reason: ElectionResult['reason'] = 'elected'): ElectionResult => ({ owner, reason, candidates: owner ? [owner] : [], keyIp: null });
const results = new Map([['ns/a', res('n1')], ['ns/b', res('n2')], ['ns/c', res(null, 'noEndpoints')]]);
const adv = (interfaces?: string[]): L2Advertisement => ({ metadata: { name: 'adv' }, spec: interfaces ? { interfaces } : {} });

describe('planAnnouncements', () => {
  it('pairs every IP of each owned Service with every allowed interface, and nothing else', () => {
    const plan = planAnnouncements('n1', input, results, [adv()], ['eth0', 'eth1']);
    expect(plan.pairs.map((p) => `${p.ip.family}:${p.interfaceName}`).sort()).toEqual(['4:eth0', '4:eth1', '6:eth0', '6:eth1']);
    expect([...plan.owned.keys()]).toEqual(['ns/a']);
    expect(plan.owned.get('ns/a')).toEqual({ key: 'ns/a', ips: ['192.0.2.1', '2001:db8::1'], pool: 'p', interfaces: ['eth0', 'eth1'] });
  });

  it('narrows to the L2Advertisement interfaces; none of them here: announceFailed, no pairs', () => {
    expect(planAnnouncements('n1', input, results, [adv(['eth1'])], ['eth0', 'eth1']).pairs.map((p) => p.interfaceName)).toEqual(['eth1', 'eth1']);
    const plan = planAnnouncements('n1', input, results, [adv(['bond0'])], ['eth0']);
    expect(plan.pairs).toEqual([]);
    expect(plan.failed.get('ns/a')).toContain('bond0');
  });

  it('a refused Service is reported by the speaker it would have elected, and by no other', () => {
    const refused = new Map([['ns/b', { owner: null, reason: 'sharedIpWithServiceSelectors' as const, candidates: ['n2', 'n1'], keyIp: '192.0.2.2' }]]);
    expect([...planAnnouncements('n2', input, refused, [adv()], ['eth0']).refused]).toEqual([['ns/b', SHARED_IP_REFUSAL]]);
    expect(planAnnouncements('n1', input, refused, [adv()], ['eth0']).refused.size).toBe(0);
    expect(planAnnouncements('n2', input, refused, [adv()], ['eth0']).pairs).toEqual([]);
  });

  it('announces nothing for a node missing from the cluster', () => {
    expect(planAnnouncements('ghost', input, new Map([['ns/a', res('ghost')]]), [adv()], ['eth0']).pairs).toEqual([]);
  });
});

describe('diffOwnership', () => {
  const s = (key: string, ips = ['192.0.2.1'], interfaces = ['eth0']): OwnedService => ({ key, ips, pool: 'p', interfaces });
  it('reports gained, lost and changed Services once each', () => {
    const before = new Map([['a', s('a')], ['b', s('b')], ['c', s('c')]]);
    const after = new Map([['a', s('a')], ['c', s('c', ['192.0.2.9'])], ['d', s('d')]]);
    const d = diffOwnership(before, after);
    expect(d.gained.map((x) => x.key)).toEqual(['d']);
    expect(d.lost.map((x) => x.key)).toEqual(['b']);
    expect(d.changed.map((x) => x.key)).toEqual(['c']);
    expect(diffOwnership(after, after)).toEqual({ gained: [], lost: [], changed: [] });
  });
});
