// The heartbeat thread: real worker threads (the compiled dist/ module, which `make test` builds
// first), real UDP on loopback. The point of the thread is that a busy main thread no longer
// looks dead to peers; these tests block the (shared) main thread and check what peers concluded.
import { existsSync } from 'node:fs';
import { Registry } from 'prom-client';
import { createLogger } from '../../shared/log.js';
import type { MembershipChange } from './membership.js';
import { membershipMetrics } from './metrics.js';
import { HeartbeatThread } from './thread.js';
import { HeartbeatService } from './udp.js';

const WORKER = new URL('../../dist/speaker/membership/thread-worker.js', import.meta.url);
const KEY = Buffer.from('thread-test-key-thread-test-key-');
const INTERVAL = 50;
const DEAD_AFTER = 250;

interface Node {
  readonly name: string;
  readonly hb: HeartbeatThread | HeartbeatService;
  readonly registry: Registry;
  readonly changes: MembershipChange[];
  readonly logs: string[];
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
/** Blocks this (main) thread, as an election over thousands of VIPs or a long GC would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}
/** Waits for a condition (checked every few ms), never for a fixed time. */
async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!(await cond())) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await tick();
  }
}

async function metricValues(n: Node, name: string): Promise<{ metricName?: string; value: number }[]> {
  return ((await n.registry.getSingleMetric(name)?.get())?.values ?? []) as { metricName?: string; value: number }[];
}

/** The stall histogram's count on a node: it arrives in the thread's next metrics batch after the stall. */
async function stallCount(n: Node): Promise<number> {
  return (await metricValues(n, 'l2lb_speaker_main_thread_stall_seconds')).find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
}

async function cluster(spec: readonly { name: string; threaded: boolean; mainStallLimitMs?: number }[]): Promise<Node[]> {
  const nodes = await Promise.all(
    spec.map(async ({ name, threaded, mainStallLimitMs }) => {
      const registry = new Registry();
      const logs: string[] = [];
      const common = { self: name, keys: [KEY], port: 0, bindAddresses: ['127.0.0.1'], intervalMs: INTERVAL, deadAfterMs: DEAD_AFTER, metrics: membershipMetrics(registry), logger: createLogger('debug', {}, (l) => logs.push(l)) };
      const hb = threaded
        ? await HeartbeatThread.start({ ...common, workerUrl: WORKER, ...(mainStallLimitMs === undefined ? {} : { mainStallLimitMs }) })
        : await HeartbeatService.start(common);
      const node: Node = { name, hb, registry, changes: [], logs };
      hb.on('change', (c: MembershipChange) => node.changes.push(c));
      return node;
    }),
  );
  const peers = nodes.map((n) => ({ name: n.name, host: '127.0.0.1', port: n.hb.ports().v4 as number }));
  for (const n of nodes) n.hb.setPeers(peers);
  await until(() => nodes.every((n) => n.hb.alive().size === nodes.length && n.hb.settled()), 2000);
  return nodes;
}

const deaths = (n: Node, peer: string): MembershipChange[] => n.changes.filter((c) => c.peer === peer && !c.alive);

describe('HeartbeatThread', () => {
  let nodes: Node[] = [];
  beforeAll(() => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER.pathname} is missing: build first (npx tsc -p tsconfig.json, or make test)`);
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.hb.stop({ leaving: false })));
    nodes = [];
  });

  it('forms a membership, exports the peer gauge and forwards its log lines', async () => {
    nodes = await cluster([{ name: 'a', threaded: true }, { name: 'b', threaded: true }, { name: 'c', threaded: true }]);
    // Metrics come from the thread in batches and early batches may predate the peers: wait for
    // the gauge to reach both peers (a thread that never exports it, or miscounts, times out).
    const peersAlive = async (): Promise<number[]> => (await metricValues(nodes[0]!, 'l2lb_speaker_peers_alive')).map((v) => v.value);
    await until(async () => (await peersAlive()).length > 0 && (await peersAlive())[0] === 2, 3000);
    expect(await peersAlive()).toEqual([2]);
    expect(nodes[0]!.logs.some((l) => l.includes('"event":"peerAlive"') && l.includes('"component":"membership"'))).toBe(true);
  });

  it('a blocked main thread is not a dead peer: heartbeats go on from the thread', async () => {
    nodes = await cluster([{ name: 'a', threaded: true }, { name: 'b', threaded: true }, { name: 'c', threaded: true }]);
    busy(4 * DEAD_AFTER);
    // Each thread reports the stall after the main thread is back, behind any membership change
    // it saw during the block (messages from one thread arrive in order): once every node has
    // reported it, a death would already be here.
    await until(async () => (await Promise.all(nodes.map(stallCount))).every((c) => c >= 1), 2000);
    for (const n of nodes) for (const p of ['a', 'b', 'c']) expect(deaths(n, p)).toEqual([]);
    // ...and the pause is visible to operators, about as long as it was.
    const stalls = await metricValues(nodes[0]!, 'l2lb_speaker_main_thread_stall_seconds');
    expect(stalls.find((v) => v.metricName?.endsWith('_count'))?.value).toBe(1);
    expect(stalls.find((v) => v.metricName?.endsWith('_sum'))?.value).toBeGreaterThan(0.8 * (4 * DEAD_AFTER) / 1000);
  });

  it('the same block on one shared event loop does kill peers (why the thread exists)', async () => {
    nodes = await cluster([{ name: 'a', threaded: false }, { name: 'b', threaded: true }, { name: 'c', threaded: true }]);
    busy(4 * DEAD_AFTER);
    await until(() => deaths(nodes[1]!, 'a').length > 0, 1000);
    expect(deaths(nodes[1]!, 'a')[0]).toMatchObject({ cause: 'timeout' });
  });

  it('a main thread wedged past the limit stops the heartbeats, so peers take over; they resume after', async () => {
    nodes = await cluster([{ name: 'a', threaded: true, mainStallLimitMs: 200 }, { name: 'b', threaded: true, mainStallLimitMs: 10_000 }, { name: 'c', threaded: true, mainStallLimitMs: 10_000 }]);
    busy(200 + DEAD_AFTER + 300);
    await until(() => nodes.slice(1).every((n) => deaths(n, 'a').length > 0), 1000);
    await until(() => nodes.slice(1).every((n) => n.hb.alive().has('a')), 1000);
    for (const n of nodes.slice(1)) expect(deaths(n, 'b').concat(deaths(n, 'c'))).toEqual([]);
    await until(() => nodes[0]!.logs.some((l) => l.includes('"event":"mainThreadResumed"')), 1000);
    expect(nodes[0]!.logs.some((l) => l.includes('"event":"mainThreadWedged"'))).toBe(true);
  });

  it('stop with leaving makes peers drop it at once, and the thread ends', async () => {
    nodes = await cluster([{ name: 'a', threaded: true }, { name: 'b', threaded: true }, { name: 'c', threaded: true }]);
    await nodes[2]!.hb.stop({ leaving: true });
    await until(() => !nodes[0]!.hb.alive().has('c') && !nodes[1]!.hb.alive().has('c'), DEAD_AFTER / 2);
    expect(deaths(nodes[0]!, 'c')[0]).toMatchObject({ cause: 'leaving' });
  });

  it('rejects start when nothing can be bound', async () => {
    await expect(HeartbeatThread.start({ self: 'x', keys: [KEY], port: 0, bindAddresses: ['192.0.2.1'], metrics: membershipMetrics(new Registry()), logger: createLogger('error', {}, () => undefined), workerUrl: WORKER })).rejects.toThrow(/cannot bind/);
  });
});
