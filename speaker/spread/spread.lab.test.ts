// Flow spreading on real kernels and real frames: the speaker's FlowSpreader installs its
// nftables rules (through nft, in the owner's namespace), the client opens long-lived TCP flows
// to the VIP, and every node that the table names answers some of them, with replies leaving
// from that node. Owner failover and a non-owner's death are played as the speakers would see
// them (new candidates, a new owner's rules, the client's neighbour entry moving), and the test
// counts which flows survive. The nodes stand in for kube-proxy with the VIP on lo
// (e2e/spread/dr-lab.ts). Needs root and `make build`.
import type { ChildProcess } from 'node:child_process';
import { createLab, type Lab, type LabEndpoint } from '../../e2e/lab/lab.js';
import { countRepliesByNode, FlowClient, pointClientAt, prepareDirectRouting } from '../../e2e/spread/dr-lab.js';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';
import { createLogger } from '../../shared/log.js';
import { Registry } from '../../shared/metrics/prom.js';
import type { ElectionResult } from '../election/types.js';
import type { OwnedService } from '../world/announcement-plan.js';
import { NeighbourMacs } from './macs.js';
import { systemNft } from './nft.js';
import { SPREAD_ANNOTATION } from './settings.js';
import { FlowSpreader } from './spreader.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs, 'dist/e2e/spread/flow-peer.js'] });
const VIPS = { v4: '192.0.2.210', v6: '2001:db8::210' };
const KEY = 'ns/web';
const TIMEOUT_MS = 60_000;
const FLOWS = 45;

describeRoot('flow spreading between network namespaces', () => {
  let lab: Lab;
  let servers: ChildProcess[] = [];
  let client: FlowClient;
  const spreaders: FlowSpreader[] = [];
  let spreadOn = true;

  /** The speaker's spreader as `owner` runs it: nft and the ARP table of the owner's namespace. */
  function spreaderOn(owner: LabEndpoint): { spreader: FlowSpreader; registry: Registry } {
    const registry = new Registry();
    const spreader = new FlowSpreader({
      me: owner.name,
      enabled: true,
      log: createLogger('error', {}, () => undefined),
      registry,
      sources: {
        services: () => [],
        service: () => ({ metadata: { name: 'web', namespace: 'ns', annotations: { [SPREAD_ANNOTATION]: String(spreadOn) } }, spec: { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP' }] } }),
        pools: () => [],
        node: (name) => ({ status: { addresses: [{ type: 'InternalIP', address: lab.nodes.find((n) => n.name === name)!.ipv4 }] } }),
        interfaces: () => [{ name: 'eth0', mac: owner.mac }],
      },
      event: () => undefined,
      nft: systemNft(['ip', 'netns', 'exec', owner.ns, 'nft']),
      macs: new NeighbourMacs(async () => (await lab.execOk(owner.ns, ['cat', '/proc/net/arp'])).stdout),
      counterPollMs: 200,
    });
    spreaders.push(spreader);
    return { spreader, registry };
  }

  async function elect(spreader: FlowSpreader, candidates: readonly LabEndpoint[]): Promise<void> {
    const owned = new Map<string, OwnedService>([[KEY, { key: KEY, ips: [VIPS.v4, VIPS.v6], pool: 'p', interfaces: ['eth0'] }]]);
    const results = new Map<string, ElectionResult>([[KEY, { owner: candidates[0]!.name, reason: 'elected', candidates: candidates.map((c) => c.name), keyIp: VIPS.v4 }]]);
    spreader.elected(owned, results);
    await spreader.idle();
  }

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
    for (const n of lab.nodes) expect(byNode.get(n.name)).toBeGreaterThan(0);
    // The owner's counters, as its metrics report them.
    await new Promise((r) => setTimeout(r, 500));
    await elect(spreader, [n1, n2, n3]);
    const metric = await registry.getSingleMetricAsString('l2lb_spread_flows_total');
    for (const [node, kind] of [[n1.name, 'local'], [n2.name, 'forwarded'], [n3.name, 'forwarded']]) {
      const count = [...v4, ...v6].filter((x) => x === node).length;
      expect(metric).toContain(`l2lb_spread_flows_total{service="${KEY}",node="${node}",kind="${kind}"} ${count}`);
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
