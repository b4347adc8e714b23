// Flow spreading on real kernels and real frames: the speaker's FlowSpreader installs its
// nftables rules (through nft, in the owner's namespace), the client opens long-lived TCP flows
// to the VIP, and every node that the table names answers some of them, with replies leaving
// from that node. Owner failover and a non-owner's death are played as the speakers would see
// them (new candidates, a new owner's rules, the client's neighbour entry moving), and the test
// counts which flows survive. The nodes stand in for kube-proxy with the VIP on lo
// (e2e/spread/dr-lab.ts). Needs root and `make build`.
import type { ChildProcess } from 'node:child_process';
import { createLab, type Lab, type LabEndpoint } from '../../e2e/lab/lab.js';
import { countRepliesByNode, FlowClient, labElect, labSpreader, pointClientAt, prepareDirectRouting, SPREAD_KEY } from '../../e2e/spread/dr-lab.js';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';
import { Registry } from '../../shared/metrics/prom.js';
import type { FlowSpreader } from './spreader.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs, 'dist/e2e/spread/flow-peer.js'] });
const VIPS = { v4: '192.0.2.210', v6: '2001:db8::210' };
const TIMEOUT_MS = 60_000;
const FLOWS = 45;

describeRoot('flow spreading between network namespaces', () => {
  let lab: Lab;
  let servers: ChildProcess[] = [];
  let client: FlowClient;
  const spreaders: FlowSpreader[] = [];
  let spreadOn = true;

  function spreaderOn(owner: LabEndpoint): { spreader: FlowSpreader; registry: Registry } {
    const registry = new Registry();
    const spreader = labSpreader(lab, owner, () => spreadOn, registry);
    spreaders.push(spreader);
    return { spreader, registry };
  }

  const elect = (spreader: FlowSpreader, candidates: readonly LabEndpoint[]): Promise<void> => labElect(spreader, VIPS, candidates);

  beforeEach(async () => {
    spreadOn = true;
    lab = await createLab({ nodes: 3 });
    servers = await prepareDirectRouting(lab, VIPS);
    await pointClientAt(lab, lab.nodes[0]!, VIPS);
    client = FlowClient.start(lab);
  }, TIMEOUT_MS);

  afterEach(async () => {
    client.stop();
    for (const s of spreaders.splice(0)) await s.stop();
    for (const s of servers) s.kill();
    await lab.destroy();
  });

  const names = (nodes: readonly LabEndpoint[]): string[] => nodes.map((n) => n.name).sort();

  test('new flows spread over every node of the table, and each node replies to the client itself', async () => {
    const [n1, n2, n3] = lab.nodes as [LabEndpoint, LabEndpoint, LabEndpoint];
    const replies = await countRepliesByNode(lab, VIPS);
    const { spreader, registry } = spreaderOn(n1);
    await elect(spreader, [n1, n2, n3]);
    const v4 = await client.open(VIPS.v4, FLOWS);
    const v6 = await client.open(VIPS.v6, FLOWS);
    expect([...new Set(v4)].sort()).toEqual(names(lab.nodes));
    expect([...new Set(v6)].sort()).toEqual(names(lab.nodes));
    const byNode = await replies();
    for (const n of lab.nodes) expect(byNode.get(n.name)?.packets).toBeGreaterThan(0);
    // The owner's counters, as its metrics report them.
    await new Promise((r) => setTimeout(r, 500));
    await elect(spreader, [n1, n2, n3]);
    const metric = await registry.getSingleMetricAsString('l2lb_spread_flows_total');
    for (const [node, kind] of [[n1.name, 'local'], [n2.name, 'forwarded'], [n3.name, 'forwarded']]) {
      const count = [...v4, ...v6].filter((x) => x === node).length;
      const line = metric.split('\n').find((l) => l.startsWith(`l2lb_spread_flows_total{service="${SPREAD_KEY}",node="${node}",kind="${kind}"} `));
      // One SYN per flow; a retransmitted SYN counts again.
      expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(count);
    }
  }, TIMEOUT_MS);

  test('owner failover: a new owner with the same table keeps every flow whose node survives', async () => {
    const [n1, n2, n3] = lab.nodes as [LabEndpoint, LabEndpoint, LabEndpoint];
    await elect(spreaderOn(n1).spreader, [n1, n2, n3]);
    const before = await client.open(VIPS.v4, FLOWS);
    expect(new Set(before).size).toBe(3);
    // node1 dies: its link goes down; the survivors elect node2, whose rules exclude node1.
    await lab.setLink(n1.ns, 'down');
    await elect(spreaderOn(n2).spreader, [n2, n3]);
    await pointClientAt(lab, n2, VIPS);
    const after = await client.ask();
    const survivors = before.map((node, i) => [node, after[i]]).filter(([node]) => node !== n1.name);
    expect(survivors.length).toBeGreaterThan(0);
    const broken = survivors.filter(([node, now]) => now !== node);
    expect(broken).toEqual([]);
    // New flows go to the survivors only.
    expect(new Set(await client.open(VIPS.v4, 20))).toEqual(new Set([n2.name, n3.name]));
  }, TIMEOUT_MS);

  test('a non-owner dies: only its flows move, every other flow keeps its node', async () => {
    const [n1, n2, n3] = lab.nodes as [LabEndpoint, LabEndpoint, LabEndpoint];
    const { spreader } = spreaderOn(n1);
    await elect(spreader, [n1, n2, n3]);
    const before = await client.open(VIPS.v4, FLOWS);
    await lab.setLink(n3.ns, 'down');
    await elect(spreader, [n1, n2]);
    const after = await client.ask();
    const kept = before.map((node, i) => [node, after[i]]).filter(([node]) => node !== n3.name);
    expect(kept.filter(([node, now]) => now !== node)).toEqual([]);
    expect(new Set(await client.open(VIPS.v4, 20))).toEqual(new Set([n1.name, n2.name]));
  }, TIMEOUT_MS);

  test('ICMP errors about a flow reach the node that serves it', async () => {
    const [n1, n2, n3] = lab.nodes as [LabEndpoint, LabEndpoint, LabEndpoint];
    await elect(spreaderOn(n1).spreader, [n1, n2, n3]);
    expect(new Set(await client.open(VIPS.v4, FLOWS)).size).toBe(3);
    // The client refuses the nodes' replies from now on with port-unreachable errors, each about
    // one reply (inner header: VIP:8080 -> client:port), sent to the VIP, i.e. to the owner.
    const others = [n2, n3];
    // Every refused reply must yield its error: no per-host limit, and a global budget (per
    // namespace; burst 50 by default) larger than the 45 flows' retransmissions arriving together.
    await lab.execOk(lab.client.ns, ['sysctl', '-qw', 'net.ipv4.icmp_ratelimit=0', 'net.ipv4.icmp_msgs_per_sec=100000', 'net.ipv4.icmp_msgs_burst=100000']);
    const rejects = others.map((_n, i) => `counter r${i} {\n}\nchain c${i} {\n counter name "r${i}" reject with icmp type port-unreachable\n}`).join('\n');
    const hooks = others.map((n, i) => `ether saddr ${n.mac} ip saddr ${VIPS.v4} tcp sport 8080 jump c${i}`).join('\n');
    await lab.execOk(lab.client.ns, ['nft', '-f', '-'], { input: `table inet refuse {\n${rejects}\nchain in {\n type filter hook input priority 0; policy accept;\n${hooks}\n}\n}\n` });
    for (const n of others) {
      await lab.execOk(n.ns, ['nft', '-f', '-'], { input: `table netdev errors {\ncounter e {\n}\nchain in {\n type filter hook ingress device "eth0" priority 0; policy accept;\n ip daddr ${VIPS.v4} icmp type destination-unreachable counter name "e"\n}\n}\n` });
    }
    const counter = async (ns: string, table: string, name: string): Promise<number> => {
      const out = JSON.parse((await lab.execOk(ns, ['nft', '-j', 'list', 'counter', table === 'refuse' ? 'inet' : 'netdev', table, name])).stdout) as { nftables: { counter?: { packets: number } }[] };
      return out.nftables.find((x) => x.counter)?.counter?.packets ?? 0;
    };
    await client.ask();
    // Replies are retransmitted (never acknowledged), so the counts grow: the errors a node got
    // lie between the replies refused before and after reading it.
    const refusedBefore = await Promise.all(others.map((_n, i) => counter(lab.client.ns, 'refuse', `r${i}`)));
    await new Promise((r) => setTimeout(r, 300));
    const arrived = await Promise.all(others.map((n) => counter(n.ns, 'errors', 'e')));
    const refusedAfter = await Promise.all(others.map((_n, i) => counter(lab.client.ns, 'refuse', `r${i}`)));
    others.forEach((_n, i) => {
      expect(refusedBefore[i]).toBeGreaterThan(0);
      expect(arrived[i]).toBeGreaterThanOrEqual(refusedBefore[i]!);
      expect(arrived[i]).toBeLessThanOrEqual(refusedAfter[i]!);
    });
  }, TIMEOUT_MS);

  test('turned off: the owner takes every new flow at once', async () => {
    const [n1, n2, n3] = lab.nodes as [LabEndpoint, LabEndpoint, LabEndpoint];
    const { spreader } = spreaderOn(n1);
    await elect(spreader, [n1, n2, n3]);
    expect(new Set(await client.open(VIPS.v4, 20)).size).toBe(3);
    spreadOn = false;
    await elect(spreader, [n1, n2, n3]);
    expect(new Set(await client.open(VIPS.v4, 20))).toEqual(new Set([n1.name]));
    expect((await lab.execOk(n1.ns, ['nft', 'list', 'tables'])).stdout).not.toContain('l2lb_spread');
  }, TIMEOUT_MS);
});
