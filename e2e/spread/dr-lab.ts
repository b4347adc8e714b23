// A lab for flow spreading without Kubernetes: every node namespace carries the VIP on `lo` (as
// a direct-routing real server does; arp_ignore keeps the kernel from answering ARP for it, and
// IPv6 neighbour discovery answers only for the receiving interface's own addresses) and runs a
// line server naming its node; the client holds a static neighbour entry for the VIP pointing at
// the owner, as after the owner's gratuitous ARP. kube-proxy's part (accepting a packet for a
// load-balancer IP) is played by the address on `lo`; everything on the wire is real.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab, LabEndpoint } from '../lab/lab.js';
import { repoPath } from '../lab/repo-root.js';

export const FLOW_PORT = 8080;
const PEER = (): string => repoPath('dist/e2e/spread/flow-peer.js');

export async function prepareDirectRouting(lab: Lab, vips: { readonly v4: string; readonly v6: string }): Promise<ChildProcess[]> {
  const servers: ChildProcess[] = [];
  for (const node of lab.nodes) {
    for (const [k, v] of [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2']] as const) await lab.execOk(node.ns, ['sysctl', '-qw', `${k}=${v}`]);
    await lab.execOk(node.ns, ['ip', 'addr', 'add', `${vips.v4}/32`, 'dev', 'lo']);
    await lab.execOk(node.ns, ['ip', 'addr', 'add', `${vips.v6}/128`, 'dev', 'lo', 'nodad']);
    const server = lab.spawn(node.ns, [process.execPath, PEER(), 'server', node.name, String(FLOW_PORT)]);
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
export async function pointClientAt(lab: Lab, owner: LabEndpoint, vips: { readonly v4: string; readonly v6: string }): Promise<void> {
  for (const vip of [vips.v4, vips.v6]) await lab.execOk(lab.client.ns, ['ip', 'neigh', 'replace', vip, 'lladdr', owner.mac, 'dev', 'eth0', 'nud', 'permanent']);
}

/** Counts, in the client's namespace, reply packets from the VIP by the node MAC they came from. */
export async function countRepliesByNode(lab: Lab, vips: { readonly v4: string; readonly v6: string }): Promise<() => Promise<Map<string, number>>> {
  const rules = lab.nodes.map((_n, i) => `  counter from_${i} {\n  }\n  chain c${i} {\n    counter name "from_${i}"\n  }`).join('\n');
  const hooks = lab.nodes.map((n, i) => `    ether saddr ${n.mac} ip saddr ${vips.v4} jump c${i}\n    ether saddr ${n.mac} ip6 saddr ${vips.v6} jump c${i}`).join('\n');
  const text = `table netdev replies {\n${rules}\n  chain in {\n    type filter hook ingress device "eth0" priority 0; policy accept;\n${hooks}\n  }\n}\n`;
  await lab.execOk(lab.client.ns, ['nft', '-f', '-'], { input: text });
  return async () => {
    const out = JSON.parse((await lab.execOk(lab.client.ns, ['nft', '-j', 'list', 'counters', 'table', 'netdev', 'replies'])).stdout) as { nftables: { counter?: { name: string; packets: number } }[] };
    const byNode = new Map<string, number>();
    for (const item of out.nftables) if (item.counter) byNode.set(lab.nodes[Number(item.counter.name.slice('from_'.length))]!.name, item.counter.packets);
    return byNode;
  };
}

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
  async open(host: string, count: number): Promise<string[]> {
    return ((await this.send({ op: 'open', host, port: FLOW_PORT, count })) as { nodes: string[] }).nodes;
  }

  /** Asks every connection opened so far again, in opening order. */
  async ask(): Promise<string[]> {
    return ((await this.send({ op: 'ask' })) as { answers: string[] }).answers;
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
