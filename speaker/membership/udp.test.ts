// Real UDP sockets on 127.0.0.1 (different ports stand for different nodes), real timers.
import { createSocket } from 'node:dgram';
import { Registry } from 'prom-client';
import type { MembershipChange } from './membership.js';
import { membershipMetrics } from './metrics.js';
import { HeartbeatService } from './udp.js';

const KEY = Buffer.from('udp-test-key-udp-test-key-udp-te');
const INTERVAL = 100;
const DEAD_AFTER = 500;
/** Timer slack on a busy test machine; the product bounds are deadAfter and interval. */
const SLACK = 60;

interface Node {
  name: string;
  svc: HeartbeatService;
  registry: Registry;
  changes: MembershipChange[];
}

async function cluster(names: string[], key: Buffer = KEY): Promise<Node[]> {
  const nodes = await Promise.all(
    names.map(async (name) => {
      const registry = new Registry();
      const svc = await HeartbeatService.start({ self: name, keys: [key], port: 0, bindAddresses: ['127.0.0.1'], metrics: membershipMetrics(registry), intervalMs: INTERVAL, deadAfterMs: DEAD_AFTER });
      const node: Node = { name, svc, registry, changes: [] };
      svc.on('change', (c) => node.changes.push(c));
      return node;
    }),
  );
  const peers = nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.svc.ports().v4 as number }));
  for (const n of nodes) n.svc.setPeers(peers);
  return nodes;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(2);
  }
  return performance.now() - start;
}

const sameSet = (a: ReadonlySet<string>, b: string[]): boolean => a.size === b.length && b.every((x) => a.has(x));

async function metric(registry: Registry, name: string): Promise<{ labels: Record<string, unknown>; value: number }[]> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('HeartbeatService over loopback UDP', () => {
  let nodes: Node[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.svc.stop({ leaving: false })));
    nodes = [];
  });

  it('three speakers see each other alive, settle, and export the peer gauge', async () => {
    nodes = await cluster(['a', 'b', 'c']);
    await until(() => nodes.every((n) => sameSet(n.svc.alive(), ['a', 'b', 'c']) && n.svc.settled()), 1000);
    expect(await metric(nodes[0]!.registry, 'l2lb_speaker_peers_alive')).toEqual([{ labels: {}, value: 2 }]);
  });

  it('a speaker stopping with leaving is dead for the others within one interval', async () => {
    nodes = await cluster(['a', 'b', 'c']);
    await until(() => nodes.every((n) => n.svc.alive().size === 3), 1000);
    const [a, b, c] = nodes as [Node, Node, Node];
    const t0 = performance.now();
    await c.svc.stop({ leaving: true });
    const took = await until(() => !a.svc.alive().has('c') && !b.svc.alive().has('c'), 2000);
    expect(performance.now() - t0).toBeLessThanOrEqual(INTERVAL);
    expect(took).toBeLessThanOrEqual(INTERVAL);
    expect(a.changes).toContainEqual(expect.objectContaining({ peer: 'c', alive: false, cause: 'leaving' }));
  });

  it('a speaker gone silently (socket closed, no leaving) is dead within deadAfter + interval', async () => {
    nodes = await cluster(['a', 'b', 'c']);
    // Settled: heard, not only listed (a listed peer counts as alive until reported).
    await until(() => nodes.every((n) => n.svc.alive().size === 3 && n.svc.settled()), 1000);
    const [a, b, c] = nodes as [Node, Node, Node];
    const t0 = performance.now();
    await c.svc.stop({ leaving: false });
    await until(() => !a.svc.alive().has('c') && !b.svc.alive().has('c'), 3000);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThan(DEAD_AFTER - INTERVAL - SLACK);
    expect(took).toBeLessThanOrEqual(DEAD_AFTER + INTERVAL + SLACK);
    const death = a.changes.find((ch) => ch.peer === 'c' && !ch.alive);
    expect(death).toMatchObject({ cause: 'timeout' });
    const hist = await metric(a.registry, 'l2lb_speaker_failure_detection_seconds');
    expect(hist.find((v) => v.labels['le'] === '+Inf')?.value).toBe(1);
  });

  it('drops and counts forged and garbage datagrams, and stays alive', async () => {
    nodes = await cluster(['a', 'b']);
    await until(() => nodes.every((n) => n.svc.alive().size === 2), 1000);
    const [a] = nodes as [Node, Node];
    const forger = await HeartbeatService.start({ self: 'b', keys: [Buffer.from('wrong-key-wrong-key-wrong-key-wr')], port: 0, bindAddresses: ['127.0.0.1'], metrics: membershipMetrics(new Registry()), intervalMs: 20 });
    forger.setPeers([{ name: 'a', host: '127.0.0.1', port: a.svc.ports().v4 as number }]);
    const raw = createSocket('udp4');
    await new Promise<void>((r) => raw.send(Buffer.from('not a heartbeat at all, just noise, long enough......................'), a.svc.ports().v4 as number, '127.0.0.1', () => r()));
    await sleep(150);
    await forger.stop({ leaving: true }); // its leaving heartbeats are forged too: ignored
    raw.close();
    await sleep(50);
    const rejected = await metric(a.registry, 'l2lb_heartbeat_rejected_total');
    expect(rejected.find((v) => v.labels['reason'] === 'bad-mac')?.value).toBeGreaterThanOrEqual(3);
    expect(rejected.find((v) => v.labels['reason'] === 'bad-magic')?.value).toBe(1);
    expect(sameSet(a.svc.alive(), ['a', 'b'])).toBe(true);
  });

  it('refuses to start when nothing can be bound', async () => {
    await expect(HeartbeatService.start({ self: 'x', keys: [KEY], port: 0, bindAddresses: ['192.0.2.1'], metrics: membershipMetrics(new Registry()) })).rejects.toThrow(/cannot bind/);
  });
});
