// A lab for flow spreading without Kubernetes: every node namespace carries the VIP on `lo` (as
// a direct-routing real server does; arp_ignore keeps the kernel from answering ARP for it, and
// IPv6 neighbour discovery answers only for the receiving interface's own addresses) and runs
// l2lb-echo --tcp naming its node; the client holds a static neighbour entry for the VIP pointing at
// the owner, as after the owner's gratuitous ARP. kube-proxy's part (accepting a packet for a
// load-balancer IP) is played by the address on `lo`; everything on the wire is real.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseEchoReply } from '../../echo/reply.js';
import { createLogger } from '../../shared/log.js';
import { Registry } from '../../shared/metrics/prom.js';
import type { ElectionResult } from '../../speaker/election/types.js';
import { NeighbourMacs } from '../../speaker/spread/macs.js';
import { systemNft } from '../../speaker/spread/nft.js';
import { SPREAD_ANNOTATION } from '../../speaker/spread/settings.js';
import { FlowSpreader } from '../../speaker/spread/spreader.js';
import type { OwnedService } from '../../speaker/world/announcement-plan.js';
import type { Lab, LabEndpoint } from '../lab/lab.js';
import { repoPath } from '../lab/repo-root.js';

export const FLOW_PORT = 8080;
export const SPREAD_KEY = 'ns/web';

export interface Vips {
  readonly v4: string;
  readonly v6: string;
}
const PEER = (): string => repoPath('dist/e2e/spread/flow-peer.js');

export async function prepareDirectRouting(lab: Lab, vips: Vips): Promise<ChildProcess[]> {
  const servers: ChildProcess[] = [];
  for (const node of lab.nodes) {
    for (const [k, v] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2']] as const) await lab.execOk(node.ns, ['sysctl', '-qw', `${k}=${v}`]);
    await lab.execOk(node.ns, ['ip', 'addr', 'add', `${vips.v4}/32`, 'dev', 'lo']);
    await lab.execOk(node.ns, ['ip', 'addr', 'add', `${vips.v6}/128`, 'dev', 'lo', 'nodad']);
    const server = lab.spawn(node.ns, [process.execPath, repoPath('dist/echo/main.js'), '--tcp', '--port', String(FLOW_PORT)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NAME: node.name, POD_NAME: `${node.name}-server` } });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', () => resolve());
      server.once('exit', (code) => reject(new Error(`flow server on ${node.name} exited ${code}`)));
    });
    servers.push(server);
    // The owner learns its peers' MACs from its ARP table: fill it.
    for (const peer of lab.nodes) if (peer !== node) await lab.exec(node.ns, ['ping', '-c', '1', '-W', '1', peer.ipv4]);
  }
  return servers;
}

/** The client's neighbour entries for the VIPs, as the owner's gratuitous ARP/NA would set them. */
export async function pointClientAt(lab: Lab, owner: LabEndpoint, vips: Vips): Promise<void> {
  for (const vip of [vips.v4, vips.v6]) await lab.execOk(lab.client.ns, ['ip', 'neigh', 'replace', vip, 'lladdr', owner.mac, 'dev', 'eth0', 'nud', 'permanent']);
}

/** Counts, in the client's namespace, reply packets from the VIP by the node MAC they came from. */
export async function countRepliesByNode(lab: Lab, vips: Vips): Promise<() => Promise<Map<string, { packets: number; bytes: number }>>> {
  const rules = lab.nodes.map((_n, i) => `  counter from_${i} {\n  }\n  chain c${i} {\n    counter name "from_${i}"\n  }`).join('\n');
  const hooks = lab.nodes.map((n, i) => `    ether saddr ${n.mac} ip saddr ${vips.v4} jump c${i}\n    ether saddr ${n.mac} ip6 saddr ${vips.v6} jump c${i}`).join('\n');
  // Replaces any earlier table of the same name: counting twice would double every figure.
  const text = `table netdev replies\ndelete table netdev replies\ntable netdev replies {\n${rules}\n  chain in {\n    type filter hook ingress device "eth0" priority 0; policy accept;\n${hooks}\n  }\n}\n`;
  await lab.execOk(lab.client.ns, ['nft', '-f', '-'], { input: text });
  return async () => {
    const out = JSON.parse((await lab.execOk(lab.client.ns, ['nft', '-j', 'list', 'counters', 'table', 'netdev', 'replies'])).stdout) as { nftables: { counter?: { name: string; packets: number; bytes: number } }[] };
    const byNode = new Map<string, { packets: number; bytes: number }>();
    for (const item of out.nftables) if (item.counter) byNode.set(lab.nodes[Number(item.counter.name.slice('from_'.length))]!.name, { packets: item.counter.packets, bytes: item.counter.bytes });
    return byNode;
  };
}

/** The node named in an l2lb-echo answer; anything else (an error) as it came. */
const nodeOf = (line: string): string => parseEchoReply(line)?.node ?? line;

/** The client end of long-lived flows (flow-peer.js client), in the client namespace. */
export class FlowClient {
  private readonly pending: ((line: string) => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => this.pending.shift()?.(l));
  }

  static start(lab: Lab): FlowClient {
    return new FlowClient(lab.spawn(lab.client.ns, [process.execPath, PEER(), 'client'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Opens `count` new connections and returns the node that answered on each (or its error). */
  async open(host: string, count: number, port = FLOW_PORT): Promise<string[]> {
    return (await this.openLines(host, count, port)).map(nodeOf);
  }

  /** Like open, with each first answer as it came (l2lb-echo's node, pod and client address). */
  async openLines(host: string, count: number, port = FLOW_PORT): Promise<string[]> {
    return ((await this.send({ op: 'open', host, port, count })) as { nodes: string[] }).nodes;
  }

  /** Asks every connection opened so far again, in opening order. */
  async ask(): Promise<string[]> {
    return ((await this.send({ op: 'ask' })) as { answers: string[] }).answers.map(nodeOf);
  }

  /** Keeps `parallel` connections pulling `bytes`-byte blobs: bytes that arrived in the `seconds` after `warmup`. */
  async pull(host: string, opts: PullSettings & { readonly port?: number }): Promise<{ bytes: number; ms: number }> {
    return (await this.send({ op: 'pull', host, port: FLOW_PORT, ...opts })) as { bytes: number; ms: number };
  }

  stop(): void {
    this.child.stdin?.end();
  }

  private send(cmd: object): Promise<unknown> {
    return new Promise((resolve) => {
      this.pending.push((l) => resolve(JSON.parse(l)));
      this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    });
  }
}

/**
 * The speaker's FlowSpreader as `owner` runs it: nft and the ARP table of the owner's namespace,
 * one Service (SPREAD_KEY, TCP FLOW_PORT) whose annotation says spread() at each election.
 */
export function labSpreader(lab: Lab, owner: LabEndpoint, spread: () => boolean, registry = new Registry()): FlowSpreader {
  return new FlowSpreader({
    me: owner.name,
    enabled: true,
    log: createLogger('error', {}, () => undefined),
    registry,
    sources: {
      services: () => [],
      service: () => ({ metadata: { name: 'web', namespace: 'ns', annotations: { [SPREAD_ANNOTATION]: String(spread()) } }, spec: { type: 'LoadBalancer', ports: [{ port: FLOW_PORT, protocol: 'TCP' }] } }),
      pools: () => [],
      node: (name) => ({ status: { addresses: [{ type: 'InternalIP', address: lab.nodes.find((n) => n.name === name)!.ipv4 }] } }),
      interfaces: () => [{ name: 'eth0', mac: owner.mac }],
    },
    event: () => undefined,
    nft: systemNft(['ip', 'netns', 'exec', owner.ns, 'nft']),
    macs: new NeighbourMacs(async () => (await lab.execOk(owner.ns, ['cat', '/proc/net/arp'])).stdout),
    counterPollMs: 200,
  });
}

/** An election as the speakers would hold it: `candidates[0]` owns SPREAD_KEY; waits until the rules are in. */
export async function labElect(spreader: FlowSpreader, vips: Vips, candidates: readonly LabEndpoint[]): Promise<void> {
  const owned = new Map<string, OwnedService>([[SPREAD_KEY, { key: SPREAD_KEY, ips: [vips.v4, vips.v6], pool: 'p', interfaces: ['eth0'] }]]);
  const results = new Map<string, ElectionResult>([[SPREAD_KEY, { owner: candidates[0]!.name, reason: 'elected', candidates: candidates.map((c) => c.name), keyIp: vips.v4 }]]);
  spreader.elected(owned, results);
  await spreader.idle();
}

/**
 * How the spreading benches and tests pull: many connections (each new blob a new connection, so
 * a new hash) because with C connections hashed over 3 nodes a node has none at some moment with
 * probability about 2/(C+2) (24: 8 %, 96: 2 %), and an idle node's link is capacity lost; a
 * warm-up second so slow start and the first connections' setup are not in the window.
 */
export interface PullSettings {
  readonly parallel: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly warmup: number;
}
export const SHAPED_PULL: PullSettings = { parallel: 96, bytes: 1_000_000, seconds: 8, warmup: 1 };

/**
 * The rate each node's uplink is shaped to. The figures emulate link-limited nodes, so the links
 * must be the bottleneck, not the packet work (veths, bridge, kube-proxy's NAT, the echo servers,
 * the client) on the 2 shared cores of the machines this runs on.
 */
export const UPLINK_MBIT = 20;

/** The benches' shaping and pull, with SPREAD_BENCH_MBIT / _PARALLEL / _SECONDS to try others. */
export function benchShaping(env: NodeJS.ProcessEnv = process.env): { readonly mbit: number; readonly pull: PullSettings } {
  const num = (k: string, d: number): number => {
    const v = env[k] ? Number(env[k]) : d;
    if (!(v > 0)) throw new Error(`${k}=${env[k]}: not a positive number`);
    return v;
  };
  return {
    mbit: num('SPREAD_BENCH_MBIT', UPLINK_MBIT),
    pull: { ...SHAPED_PULL, parallel: num('SPREAD_BENCH_PARALLEL', SHAPED_PULL.parallel), seconds: num('SPREAD_BENCH_SECONDS', SHAPED_PULL.seconds) },
  };
}

/**
 * The machine's CPU use from now on (all cores, every process: other jobs too): call the returned
 * function for the fraction of time the cores were busy since, 0..1. From /proc/stat.
 */
export function cpuBusySince(read: () => string = () => readFileSync('/proc/stat', 'utf8')): () => number {
  const sample = (): { busy: number; total: number } => {
    const f = (/^cpu\s+(.*)$/m.exec(read())?.[1] ?? '').trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user and nice).
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  };
  const start = sample();
  return () => {
    const now = sample();
    return now.total > start.total ? (now.busy - start.busy) / (now.total - start.total) : 0;
  };
}

export const mbitPerS = (r: { readonly bytes: number; readonly ms: number }): number => (r.bytes * 8) / (r.ms / 1000) / 1e6;

/**
 * tbf's bucket: at least 128 KiB, so a whole 64 KiB GSO packet fits (a smaller bucket makes tbf
 * cut every packet into segments in software), and 25 ms at the rate, because tokens beyond the
 * bucket are lost: a dequeue that a loaded machine runs late by more than the bucket's worth of
 * time leaves the link below its rate.
 */
export function tbfBurstBytes(mbit: number): number {
  return Math.max(128 * 1024, Math.ceil((mbit * 1e6) / 8 * 0.025));
}

/** Shapes a node's uplink (egress of its eth0) to `mbit`, as a slower NIC would. */
export function shapeArgs(mbit: number, dev = 'eth0'): string[] {
  return ['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', String(tbfBurstBytes(mbit)), 'latency', '50ms'];
}

/** Shapes every node's uplink to the same rate. */
export async function shapeUplinks(lab: Lab, mbit: number): Promise<void> {
  for (const n of lab.nodes) await lab.execOk(n.ns, shapeArgs(mbit));
}
