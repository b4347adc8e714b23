// The spreader's decisions over a recording nft and a fixed MAC table; the rules themselves meet
// a real kernel in spread.lab.test.ts.
import type { V1Service } from '@kubernetes/client-node';
import { createLogger } from '../../shared/log.js';
import { Registry } from '../../shared/metrics/prom.js';
import type { ElectionResult } from '../election/types.js';
import type { OwnedService } from '../world/announcement-plan.js';
import type { MacLookup } from './macs.js';
import type { CounterValue, Nft, NftResult } from './nft.js';
import { REMOVE_RULESET } from './render.js';
import { DISABLED_MESSAGE, FlowSpreader } from './spreader.js';

class RecordingNft implements Nft {
  readonly applied: string[] = [];
  fail = false;
  counterValues = new Map<string, CounterValue>();
  apply(ruleset: string): Promise<NftResult<void>> {
    if (this.fail) return Promise.resolve({ ok: false, error: 'Operation not permitted' });
    this.applied.push(ruleset);
    return Promise.resolve({ ok: true, value: undefined });
  }
  counters(): Promise<NftResult<Map<string, CounterValue>>> {
    return Promise.resolve({ ok: true, value: this.counterValues });
  }
}

const macs: MacLookup = {
  resolve: (_d, nodes) => Promise.resolve(new Map([...nodes.keys()].map((n) => [n, `02:00:00:00:00:${n.slice(-1).padStart(2, '0')}`]))),
  close: () => undefined,
};

const svc = (spread: string | undefined): V1Service => ({
  metadata: { name: 'web', namespace: 'ns', annotations: spread === undefined ? {} : { 'l2lb.io/spread-flows': spread } },
  spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
});
const owned = new Map<string, OwnedService>([['ns/web', { key: 'ns/web', ips: ['192.0.2.10'], pool: 'p', interfaces: ['eth0'] }]]);
const results = (candidates: string[]) => new Map<string, ElectionResult>([['ns/web', { owner: 'n1', reason: 'elected', candidates, keyIp: '192.0.2.10' }]]);

function setup(opts: { enabled: boolean; service: V1Service }) {
  const nft = new RecordingNft();
  const events: [string, string, string, string][] = [];
  const registry = new Registry();
  let current = opts.service;
  const spreader = new FlowSpreader({
    me: 'n1',
    enabled: opts.enabled,
    log: createLogger('error', {}, () => undefined),
    registry,
    sources: {
      service: () => current,
      services: () => [current],
      pools: () => [],
      node: () => ({ status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] } }),
      interfaces: () => [{ name: 'eth0', mac: '02:00:00:00:00:01' }],
    },
    event: (...e) => events.push(e),
    nft,
    macs,
    counterPollMs: 60_000,
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { nft, events, registry, spreader, settle, setService: (s: V1Service) => (current = s) };
}

describe('FlowSpreader', () => {
  it('off: never runs nft, warns once per Service that asks', async () => {
    const t = setup({ enabled: false, service: svc('true') });
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    await t.spreader.stop();
    expect(t.nft.applied).toEqual([]);
    expect(t.events).toEqual([['ns/web', 'Warning', 'FlowSpreadingNotApplied', DISABLED_MESSAGE]]);
  });

  it('on: installs rules once per change, reports each new table, removes them on stop', async () => {
    const t = setup({ enabled: true, service: svc('true') });
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    t.spreader.elected(owned, results(['n2', 'n1']));
    await t.settle();
    expect(t.nft.applied).toHaveLength(1);
    expect(t.nft.applied[0]).toContain('ether daddr set 02:00:00:00:00:02 fwd to "eth0"');
    t.spreader.elected(owned, results(['n1', 'n2', 'n3']));
    await t.settle();
    expect(t.nft.applied).toHaveLength(2);
    expect(t.events.map((e) => e[2])).toEqual(['FlowsSpread', 'FlowsSpread']);
    expect(t.events[1]![3]).toMatch(/^flows spread over 3 nodes by hash bucket \(n1=\d+ n2=\d+ n3=\d+\)$/);
    await t.spreader.stop();
    expect(t.nft.applied.at(-1)).toBe(REMOVE_RULESET);
  });

  it('on, Service opts out: the table is emptied and the Service told', async () => {
    const t = setup({ enabled: true, service: svc('true') });
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    t.setService(svc('false'));
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    expect(t.nft.applied.at(-1)).toBe(REMOVE_RULESET);
    expect(t.events.at(-1)?.slice(2)).toEqual(['FlowsNotSpread', 'flows are no longer spread: n1 takes them all']);
    await t.spreader.stop();
  });

  it('a bad annotation: Warning Event naming the value, no rules for it', async () => {
    const t = setup({ enabled: true, service: svc('maybe') });
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    expect(t.nft.applied).toEqual([REMOVE_RULESET]);
    expect(t.events[0]?.[2]).toBe('FlowSpreadingNotApplied');
    expect(t.events[0]?.[3]).toContain('"maybe"');
    await t.spreader.stop();
  });

  it('nft failing is counted, not thrown', async () => {
    const t = setup({ enabled: true, service: svc('true') });
    t.nft.fail = true;
    t.spreader.elected(owned, results(['n1', 'n2']));
    await t.settle();
    expect(await t.registry.getSingleMetricAsString('l2lb_spread_apply_errors_total')).toMatch(/l2lb_spread_apply_errors_total 1$/m);
    await t.spreader.stop();
  });
});

describe('FlowSpreader: stray packets', () => {
  it('a spread Local Service owned elsewhere, with no endpoint here: counted, logged, nothing forwarded', async () => {
    const local: V1Service = { ...svc('true'), spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } };
    const logs: string[] = [];
    const nft = new RecordingNft();
    const registry = new Registry();
    const spreader = new FlowSpreader({
      me: 'n1',
      enabled: true,
      log: createLogger('warn', {}, (l) => logs.push(l)),
      registry,
      sources: { service: () => local, services: () => [local], pools: () => [], node: () => undefined, interfaces: () => [{ name: 'eth0', mac: '02:00:00:00:00:01' }] },
      event: () => undefined,
      nft,
      macs,
      counterPollMs: 20,
    });
    spreader.elected(new Map(), new Map([['ns/web', { owner: 'n2', reason: 'elected', candidates: ['n2', 'n3'], keyIp: '192.0.2.10' }]]));
    await spreader.idle();
    expect(nft.applied[0]).toContain('ip daddr { 192.0.2.10 } tcp dport { 80 } counter name "i0_stray0"');
    expect(nft.applied[0]).not.toContain('fwd');
    nft.counterValues = new Map([['i0_stray0', { packets: 7, bytes: 700 }]]);
    await new Promise((r) => setTimeout(r, 100));
    await spreader.idle();
    expect(await registry.getSingleMetricAsString('l2lb_spread_stray_packets_total')).toContain('l2lb_spread_stray_packets_total{service="ns/web"} 7');
    expect(logs.some((l) => l.includes('"event":"spreadStrayPackets"') && l.includes('"packets":7'))).toBe(true);
    await spreader.stop();
  });
});

describe('FlowSpreader: failures', () => {
  it('a MAC lookup that throws is logged and retried, never an unhandled rejection', async () => {
    const logs: string[] = [];
    const spreader = new FlowSpreader({
      me: 'n1',
      enabled: true,
      log: createLogger('error', {}, (l) => logs.push(l)),
      registry: new Registry(),
      sources: { service: () => svc('true'), services: () => [], pools: () => [], node: () => undefined, interfaces: () => [{ name: 'eth0', mac: '02:00:00:00:00:01' }] },
      event: () => undefined,
      nft: new RecordingNft(),
      macs: { resolve: () => Promise.reject(new Error('no such namespace')), close: () => undefined },
      counterPollMs: 60_000,
    });
    spreader.elected(owned, results(['n1', 'n2']));
    await spreader.idle();
    expect(logs.some((l) => l.includes('"event":"spreadSyncFailed"') && l.includes('no such namespace'))).toBe(true);
    await spreader.stop();
  });
});
