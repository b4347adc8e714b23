// Flow spreading on the real cluster, shared by the suite (spread.lab.test.ts) and the bench
// (`make bench BENCH=spread-realcluster`): the cluster with the chart's spreading on and
// l2lb-echo --tcp Services, throughput with shaped uplinks (spreading off, then on, in the same
// run), reply bytes counted on each node, and a node's death with long-lived connections open.
import { SPREAD_ANNOTATION } from '../../speaker/spread/settings.js';
import { TABLE_NAME } from '../../speaker/spread/render.js';
import { cpuBusySince, FlowClient, mbitPerS, shapeUplinks, type PullSettings } from '../spread/dr-lab.js';
import { repoRoot } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import { RealCluster } from './cluster.js';
import { spreadTargets } from './spread-targets.js';
import { announcingNode, APP_NAMESPACE, ECHO_PORT, echoDeployment, installL2lbWithEcho, L2LB_NAMESPACE, nodeTheClientHolds, serviceIps } from './workloads.js';

export interface SpreadServiceSpec {
  readonly name: string;
  /** Nodes with a pod (one each); every node when absent. */
  readonly nodes?: readonly string[];
}

/** l2lb-echo --tcp pods on the given nodes, one each, behind a spread LoadBalancer Service (Local). */
export function spreadEchoManifest(name: string, imageRef: string, nodes: readonly string[]): string {
  return `${echoDeployment(name, imageRef, { replicas: nodes.length, onNodes: nodes, tcp: true })}---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${APP_NAMESPACE}
  annotations: {${SPREAD_ANNOTATION}: "true"}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: ${name}}
  ports: [{port: ${ECHO_PORT}, targetPort: ${ECHO_PORT}, protocol: TCP}]
`;
}

/**
 * A 3-node cluster with l2lb installed as docs/install.md says, upgraded with
 * speaker.spreadFlows.enabled, and the Services' pods Ready; returns their IPv4 VIPs by name.
 * Stops the cluster again if a step fails.
 */
export async function startSpreadCluster(services: readonly SpreadServiceSpec[], log: (line: string) => void): Promise<{ c: RealCluster; vips: Map<string, string> }> {
  const t0 = Date.now();
  const c = await RealCluster.start({ nodes: 3, progress: log });
  try {
    await installL2lbWithEcho(c, log);
    await c.helm(['upgrade', 'l2lb', 'charts/l2lb', '--namespace', L2LB_NAMESPACE, '--reuse-values', '--set', 'speaker.spreadFlows.enabled=true', '--wait', '--timeout', '180s'], repoRoot());
    await c.kubectl(['rollout', 'status', 'daemonset/l2lb-speaker', '-n', L2LB_NAMESPACE, '--timeout=180s']);
    const all = c.nodes.map((n) => n.plan.name);
    const vips = new Map<string, string>();
    for (const s of services) await c.kubectl(['apply', '-f', '-'], spreadEchoManifest(s.name, c.images.product.ref, s.nodes ?? all));
    for (const s of services) {
      const [ip] = await serviceIps(c, s.name, 1);
      vips.set(s.name, ip!);
      await c.waitForReadyPods(APP_NAMESPACE, `app=${s.name}`, (s.nodes ?? all).length, 180_000);
    }
    log(`cluster, chart with spreading, Services ${[...vips].map(([n, ip]) => `${n} ${ip}`).join(', ')} ready after ${Date.now() - t0} ms`);
    return { c, vips };
  } catch (err) {
    await c.stop();
    throw err;
  }
}

export async function setSpreading(c: RealCluster, service: string, on: boolean): Promise<void> {
  await c.kubectl(['annotate', '--overwrite', 'service', service, '-n', APP_NAMESPACE, `${SPREAD_ANNOTATION}=${on}`]);
}

/** Opens flows until every one of `nodes` answered one (the owner's rules may take an election to land). */
export async function flowsReaching(client: FlowClient, ip: string, nodes: readonly string[], timeoutMs = 60_000): Promise<string[]> {
  let seen: string[] = [];
  await waitFor(`flows to ${ip} reaching ${nodes.join(', ')}`, async () => {
    seen = await client.open(ip, 30);
    return nodes.every((n) => seen.includes(n));
  }, { timeoutMs, intervalMs: 1_000 });
  return seen;
}

const REPLY_TABLE = 'l2lb_bench_replies';

/**
 * Counts, on every node, the bytes of replies from `vip` (source port ECHO_PORT) leaving its
 * uplink: a netdev egress counter on the node's eth0, after kube-proxy's reverse NAT made the
 * VIP the source. Returns a reader of the counts so far by node. The hook runs before the
 * uplink's queue (and its shaper): GSO packets count whole, and segments the shaper drops count
 * as well as their retransmissions.
 */
export async function countNodeReplies(c: RealCluster, vip: string): Promise<() => Promise<Map<string, number>>> {
  const ip = vip.includes(':') ? 'ip6' : 'ip';
  // Replaces any earlier table of the same name: counting twice would double every figure.
  const text = `table netdev ${REPLY_TABLE}\ndelete table netdev ${REPLY_TABLE}\ntable netdev ${REPLY_TABLE} {\n  counter replies {\n  }\n  chain out {\n    type filter hook egress device "eth0" priority 0; policy accept;\n    ${ip} saddr ${vip} tcp sport ${ECHO_PORT} counter name "replies"\n  }\n}\n`;
  for (const n of c.nodes) await c.lab.execOk(n.plan.ns, ['nft', '-f', '-'], { input: text });
  return async () => {
    const counts = new Map<string, number>();
    for (const n of c.nodes) {
      const out = JSON.parse((await c.lab.execOk(n.plan.ns, ['nft', '-j', 'list', 'counter', 'netdev', REPLY_TABLE, 'replies'])).stdout) as { nftables: { counter?: { bytes: number } }[] };
      counts.set(n.plan.name, out.nftables.find((i) => i.counter)?.counter?.bytes ?? 0);
    }
    return counts;
  };
}

export interface SpreadThroughput {
  readonly owner: string;
  readonly offMbit: number;
  readonly onMbit: number;
  /** Reply bytes that left each node's uplink during each pull. */
  readonly offBytes: ReadonlyMap<string, number>;
  readonly onBytes: ReadonlyMap<string, number>;
  /** The machine's busy share of its cores during each pull (every process, other jobs too). */
  readonly cpuOff: number;
  readonly cpuOn: number;
}

/**
 * Every node's uplink shaped to `mbit`; the client pulls with spreading off (every flow on the
 * owner), then on (flows on every node), the same settings, one run.
 */
export async function measureSpreadThroughput(c: RealCluster, client: FlowClient, service: string, vip: string, mbit: number, pull: PullSettings): Promise<SpreadThroughput> {
  await shapeUplinks(c.lab, mbit);
  const replies = await countNodeReplies(c, vip);
  const owner = await announcingNode(c, service);
  if (!owner) throw new Error(`no ServiceL2Status for ${service}`);
  await setSpreading(c, service, false);
  // Off means: the owner's table has no rule for the VIP, the client still sends to the owner,
  // and new flows answer from the owner. Checked in that order, each a fact rather than a chance
  // (ten flows on one node of three could also be luck while the rules are still in).
  await waitFor(`${owner}'s table without ${vip}`, async () => (await forwardedFrom(c, owner, vip)) === undefined, { timeoutMs: 30_000, intervalMs: 200 });
  await waitFor(`every new flow on ${owner}`, async () => (await client.open(vip, 10)).every((n) => n === owner), { timeoutMs: 30_000, intervalMs: 500 });
  const held = await nodeTheClientHolds(c, vip);
  if (held !== owner) throw new Error(`with spreading off the client holds ${held ?? 'no'} MAC for ${vip}, the owner is ${owner}`);
  const before = await replies();
  let cpu = cpuBusySince();
  const off = await client.pull(vip, pull);
  const cpuOff = cpu();
  const mid = await replies();
  // A move of the VIP during the pull would put its bytes on another node: say so, not "spread".
  const ownerAfterOff = await announcingNode(c, service);
  if (ownerAfterOff !== owner) throw new Error(`${service} moved from ${owner} to ${ownerAfterOff ?? 'nobody'} during the pull with spreading off`);
  await setSpreading(c, service, true);
  await flowsReaching(client, vip, c.nodes.map((n) => n.plan.name));
  const mid2 = await replies();
  cpu = cpuBusySince();
  const on = await client.pull(vip, pull);
  const cpuOn = cpu();
  const after = await replies();
  const delta = (a: Map<string, number>, b: Map<string, number>): Map<string, number> => new Map([...b].map(([n, v]) => [n, v - (a.get(n) ?? 0)]));
  return { owner, offMbit: mbitPerS(off), onMbit: mbitPerS(on), offBytes: delta(before, mid), onBytes: delta(mid2, after), cpuOff, cpuOn };
}

/** The nodes `node`'s spreading table forwards `vip`'s flows to; undefined when it has no rule for `vip`. */
export async function forwardedFrom(c: RealCluster, node: string, vip: string): Promise<string[] | undefined> {
  const r = await c.lab.exec(c.node(node).plan.ns, ['nft', 'list', 'table', 'netdev', TABLE_NAME]);
  return spreadTargets(r.code === 0 ? r.stdout : '', vip)?.map((mac) => c.lab.nodes.find((n) => n.mac === mac)?.name ?? mac).sort();
}

export interface NodeDeath {
  readonly victim: string;
  readonly ownerBefore: string;
  readonly ownerAfter: string;
  /** The node that answered each connection before the death, and then its answer after. */
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** Link down to the (new) owner's table forwarding to exactly the other surviving nodes (NaN with one survivor). */
  readonly tableMs: number;
  /** Link down to the client's neighbour entry for the VIP naming the owner after the death. */
  readonly clientMs: number;
}

export const onOtherNodes = (d: NodeDeath): number => d.before.filter((n) => n !== d.victim).length;
/** Connections that were on a surviving node and now answer from another node or not at all. */
export const disturbed = (d: NodeDeath): [string, string][] => d.before.flatMap((n, i) => (n !== d.victim && d.after[i] !== n ? [[n, d.after[i]!] as [string, string]] : []));
export const lostWithVictim = (d: NodeDeath): number => d.before.filter((n) => n === d.victim).length;

/**
 * `flows` long-lived connections to the Service, then a node dies (link down, kubelet, runtime,
 * containers: RealCluster.killNode): the owner, or a node the owner forwards to. Waits for the
 * owner after the death to forward to exactly the other nodes of the Service's table and for the
 * client to hold its MAC, then asks every connection again.
 */
export async function measureNodeDeath(c: RealCluster, service: string, vip: string, which: 'owner' | 'non-owner', flows: number): Promise<NodeDeath> {
  const ownerBefore = await announcingNode(c, service);
  if (!ownerBefore) throw new Error(`no ServiceL2Status for ${service}`);
  // The Service's nodes as its owner's table has them (a node killed earlier is not among them).
  const forwarded = await forwardedFrom(c, ownerBefore, vip);
  if (!forwarded || forwarded.length === 0) throw new Error(`${ownerBefore} does not spread ${vip}`);
  const names = [ownerBefore, ...forwarded].sort();
  const victim = which === 'owner' ? ownerBefore : forwarded.at(-1)!;
  const survivors = names.filter((n) => n !== victim);
  const client = FlowClient.start(c.lab);
  try {
    const before = await client.open(vip, flows);
    const strange = before.filter((n) => !names.includes(n));
    if (strange.length > 0) throw new Error(`connections to ${vip} before the death did not answer with a node: ${strange.slice(0, 3).join('; ')}`);
    let t0 = performance.now();
    await c.killNode(victim, () => (t0 = performance.now()));
    let ownerAfter = '';
    let tableMs = Number.NaN;
    let clientMs = Number.NaN;
    const clientFollows = waitFor(`the client holding a surviving node's MAC for ${vip}`, async () => {
      const held = await nodeTheClientHolds(c, vip);
      if (held === undefined || held === victim) return false;
      clientMs = performance.now() - t0;
      return true;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    // One survivor: the Service is no longer spread, no table to wait for.
    const tableIn = survivors.length < 2 ? Promise.resolve() : waitFor(`an owner of ${service} forwarding to the other survivors of ${victim}`, async () => {
      for (const n of survivors) {
        const others = survivors.filter((s) => s !== n);
        if ((await forwardedFrom(c, n, vip))?.join() === others.join()) {
          ownerAfter = n;
          tableMs = performance.now() - t0;
          return true;
        }
      }
      return false;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    await Promise.all([clientFollows, tableIn]);
    const held = (await nodeTheClientHolds(c, vip)) ?? '';
    if (ownerAfter === '') ownerAfter = held;
    else if (held !== ownerAfter) throw new Error(`after ${victim} died the client holds ${held || 'no'} MAC for ${vip}, the table is on ${ownerAfter}`);
    const after = await client.ask();
    return { victim, ownerBefore, ownerAfter, before, after, tableMs, clientMs };
  } finally {
    client.stop();
  }
}
