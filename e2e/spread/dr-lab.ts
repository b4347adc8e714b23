// A lab for flow spreading without Kubernetes: every node namespace carries the VIP on `lo` (as
// a direct-routing real server does; arp_ignore keeps the kernel from answering ARP for it, and
// IPv6 neighbour discovery answers only for the receiving interface's own addresses) and runs
// l2lb-echo --tcp naming its node; the client holds a static neighbour entry for the VIP pointing at
// the owner, as after the owner's gratuitous ARP. kube-proxy's part (accepting a packet for a
// load-balancer IP) is played by the address on `lo`; everything on the wire is real.
import type { ChildProcess } from 'node:child_process';
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

  /** Keeps `parallel` connections pulling `bytes`-byte blobs for `seconds`: bytes received and the time taken. */
  async pull(host: string, opts: { readonly parallel: number; readonly bytes: number; readonly seconds: number; readonly port?: number }): Promise<{ bytes: number; ms: number }> {
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

/** Shapes every node's uplink (egress of its eth0) to the same rate, as a slower NIC would. */
export async function shapeUplinks(lab: Lab, mbit: number): Promise<void> {
  for (const n of lab.nodes) await lab.execOk(n.ns, ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '32kb', 'latency', '50ms']);
}
