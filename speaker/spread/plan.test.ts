import type { ElectionResult } from '../election/types.js';
import type { OwnedService } from '../world/announcement-plan.js';
import { planSpreading, planStrays, servicePorts, type SpreadPlanInput, type SpreadServiceFacts, type StrayCandidate } from './plan.js';
import { SPREAD_ANNOTATION } from './settings.js';
import { spreadTable } from './table.js';

const owned = (key: string, over: Partial<OwnedService> = {}): OwnedService => ({ key, ips: ['192.0.2.10'], pool: 'p', interfaces: ['eth0'], ...over });
const elected = (candidates: string[]): ElectionResult => ({ owner: candidates[0] ?? null, reason: 'elected', candidates, keyIp: '192.0.2.10' });
const facts = (spread: string | undefined, ports = [{ protocol: 'TCP' as const, port: 80 }]): SpreadServiceFacts => ({
  annotations: spread === undefined ? undefined : { [SPREAD_ANNOTATION]: spread },
  ports,
});

function input(over: Partial<SpreadPlanInput> = {}): SpreadPlanInput {
  return {
    owned: new Map([['ns/web', owned('ns/web')]]),
    results: new Map([['ns/web', elected(['c', 'a', 'b'])]]),
    services: new Map([['ns/web', facts('true')]]),
    poolAnnotations: new Map(),
    ...over,
  };
}

describe('planSpreading', () => {
  it('spreads an owned, opted-in Service over its candidates, sorted, with their table', () => {
    const { services, invalid } = planSpreading(input());
    expect(invalid.size).toBe(0);
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({ key: 'ns/web', nodes: ['a', 'b', 'c'], interfaces: ['eth0'], ports: [{ protocol: 'TCP', port: 80 }] });
    expect(services[0]!.table).toEqual(spreadTable(['a', 'b', 'c']));
    expect(services[0]!.ips.map((i) => i.family)).toEqual([4]);
  });

  it.each([
    ['not opted in', input({ services: new Map([['ns/web', facts(undefined)]]) })],
    ['opted out', input({ services: new Map([['ns/web', facts('false')]]), poolAnnotations: new Map([['p', { [SPREAD_ANNOTATION]: 'true' }]]) })],
    ['not owned here', input({ owned: new Map() })],
    ['alone (one candidate)', input({ results: new Map([['ns/web', elected(['a'])]]) })],
    ['no ports', input({ services: new Map([['ns/web', facts('true', [])]]) })],
    ['no election result', input({ results: new Map() })],
  ])('nothing when %s', (_what, i) => {
    expect(planSpreading(i).services).toEqual([]);
  });

  it('the pool default applies to Services that say nothing', () => {
    const i = input({ services: new Map([['ns/web', facts(undefined)]]), poolAnnotations: new Map([['p', { [SPREAD_ANNOTATION]: 'true' }]]) });
    expect(planSpreading(i).services.map((s) => s.key)).toEqual(['ns/web']);
  });

  it('a bad annotation: not spread, reported', () => {
    const { services, invalid } = planSpreading(input({ services: new Map([['ns/web', facts('on')]]) }));
    expect(services).toEqual([]);
    expect(invalid.get('ns/web')).toContain('"on"');
  });

  it('Local: the candidates are the nodes with endpoints, so the table names only those', () => {
    // The election already narrowed Local candidates to nodes with an active endpoint.
    const { services } = planSpreading(input({ results: new Map([['ns/web', elected(['b', 'c'])]]) }));
    expect(new Set(services[0]!.table)).toEqual(new Set(['b', 'c']));
  });
});

describe('servicePorts', () => {
  it('normalises, de-duplicates and sorts; drops what the data path cannot match', () => {
    expect(servicePorts([{ port: 443 }, { protocol: 'udp', port: 53 }, { protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }, { protocol: 'ICMP', port: 1 }, { protocol: 'TCP', port: 0 }, { protocol: 'TCP' }])).toEqual([
      { protocol: 'TCP', port: 80 },
      { protocol: 'TCP', port: 443 },
      { protocol: 'UDP', port: 53 },
    ]);
    expect(servicePorts(undefined)).toEqual([]);
  });
});

describe('planStrays', () => {
  const local = (over: Partial<StrayCandidate> = {}): StrayCandidate => ({ key: 'ns/web', local: true, pool: 'p', ips: ['192.0.2.10'], ...facts('true'), ...over });
  const pools = new Map<string, Record<string, string>>();

  it('watches a spread Local Service owned elsewhere whose candidates exclude this node', () => {
    const w = planStrays('a', [local()], new Map([['ns/web', elected(['b', 'c'])]]), pools, ['eth0']);
    expect(w.map((x) => [x.key, x.interfaces])).toEqual([['ns/web', ['eth0']]]);
  });

  it.each([
    ['this node is a candidate', local(), ['a', 'b']],
    ['Cluster policy', local({ local: false }), ['b', 'c']],
    ['not spread', local(facts(undefined)), ['b', 'c']],
    ['one candidate (not spread)', local(), ['b']],
    ['no ports', local(facts('true', [])), ['b', 'c']],
  ])('nothing when %s', (_what, svc, candidates) => {
    expect(planStrays('a', [svc], new Map([['ns/web', elected(candidates)]]), pools, ['eth0'])).toEqual([]);
  });

  it('nothing without interfaces or without an owner', () => {
    expect(planStrays('a', [local()], new Map([['ns/web', elected(['b', 'c'])]]), pools, [])).toEqual([]);
    expect(planStrays('a', [local()], new Map(), pools, ['eth0'])).toEqual([]);
  });
});
