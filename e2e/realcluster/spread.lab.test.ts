// Flow spreading on the real cluster: l2lb installed as docs/install.md says, then upgraded with
// speaker.spreadFlows.enabled (NET_ADMIN, --spread-flows); backends are l2lb-echo --tcp pods
// behind LoadBalancer Services annotated l2lb.io/spread-flows, externalTrafficPolicy Local so a
// flow's answer names the node that received it (spread-cluster.ts). Checks: flows reach every
// node with a ready pod and replies leave from each (counted at the client by source MAC), the
// backend sees the client's address, turning spreading off brings every reply back to the owner
// (shaped uplinks, throughput printed), nodes without a ready pod get no flow, a node the owner
// forwards to dies and no connection on another node is disturbed, and then the owner node dies
// and every connection on the surviving node keeps working. The long figures are in
// `make bench BENCH=spread-realcluster`.
import { jest } from '@jest/globals';
import { parseEchoReply } from '../../echo/reply.js';
import { countRepliesByNode, FlowClient, SHAPED_PULL, UPLINK_MBIT } from '../spread/dr-lab.js';
import { describeIf, BUILT } from '../testing/suite-gate.js';
import type { RealCluster } from './cluster.js';
import { CAP, findContainerProcesses } from './container-procs.js';
import { disturbed, flowsReaching, lostWithVictim, measureNodeDeath, measureSpreadThroughput, onOtherNodes, startSpreadCluster } from './spread-cluster.js';

const describeReal = describeIf({ root: true, built: [BUILT.programs, 'dist/e2e/spread/flow-peer.js'] });
jest.setTimeout(180_000);

const log = (line: string): void => void process.stderr.write(`[realcluster-spread] ${line}\n`);

describeReal('flow spreading on a real 3-node cluster', () => {
  let c: RealCluster;
  let client: FlowClient;
  let bulk = '';
  let two = '';
  const UNUSED_V6 = '2001:db8::2ff';

  beforeAll(async () => {
    const started = await startSpreadCluster([{ name: 'bulk' }, { name: 'two', nodes: ['node2', 'node3'] }], log);
    c = started.c;
    bulk = started.vips.get('bulk')!;
    two = started.vips.get('two')!;
    client = FlowClient.start(c.lab);
  }, 30 * 60_000);

  afterAll(async () => {
    client?.stop();
    if (!c) return;
    const reports = await c.stop();
    const left = reports.filter((r) => r.pidsLeft.length + r.mountsLeft.length + r.cgroupsLeft.length > 0);
    if (left.length > 0) throw new Error(`tear-down left: ${JSON.stringify(left)}`);
  }, 120_000);

  test('the speakers run with NET_ADMIN besides NET_RAW', () => {
    for (const n of c.nodes) {
      const s = findContainerProcesses(n.plan.cgroupRoot, 'speaker/main.js')[0]!;
      expect(s.capEff).toBe((1n << BigInt(CAP.NET_RAW)) | (1n << BigInt(CAP.NET_ADMIN)));
    }
  });

  test('flows reach every node with a ready pod, replies leave from each, the backend sees the client', async () => {
    const replies = await countRepliesByNode(c.lab, { v4: bulk, v6: UNUSED_V6 });
    const seen = await flowsReaching(client, bulk, c.nodes.map((n) => n.plan.name));
    expect(seen.every((s) => c.nodes.some((n) => n.plan.name === s))).toBe(true);
    const byNode = await replies();
    for (const n of c.nodes) expect(byNode.get(n.plan.name)?.packets ?? 0).toBeGreaterThan(0);
    const clients = new Set((await client.openLines(bulk, 10)).map((l) => parseEchoReply(l)?.client));
    expect([...clients]).toEqual([c.lab.client.ipv4]);
  });

  test('shaped uplinks: spreading off keeps replies on the owner, on puts them on every node (throughput printed)', async () => {
    const t = await measureSpreadThroughput(c, client, 'bulk', bulk, UPLINK_MBIT, SHAPED_PULL);
    const mb = (m: ReadonlyMap<string, number>): string => c.nodes.map((n) => ((m.get(n.plan.name) ?? 0) / 1e6).toFixed(1)).join('/');
    log(`uplinks ${UPLINK_MBIT} Mbit/s, ${SHAPED_PULL.parallel} pulls: off ${t.offMbit.toFixed(1)} Mbit/s, on ${t.onMbit.toFixed(1)} Mbit/s, ratio ${(t.onMbit / t.offMbit).toFixed(2)}; reply MB per node (counted on each node) off ${mb(t.offBytes)}, on ${mb(t.onBytes)}; CPU busy off ${Math.round(t.cpuOff * 100)} %, on ${Math.round(t.cpuOn * 100)} %`);
    for (const n of c.nodes) {
      if (n.plan.name !== t.owner) expect(t.offBytes.get(n.plan.name)).toBeLessThan(100_000);
      expect(t.onBytes.get(n.plan.name)).toBeGreaterThan(1_000_000);
    }
  });

  test('externalTrafficPolicy Local: only nodes with a ready pod get flows', async () => {
    const seen = await flowsReaching(client, two, ['node2', 'node3']);
    expect(seen.filter((s) => s !== 'node2' && s !== 'node3')).toEqual([]);
  });

  test('a node the owner forwards to dies: only its connections are affected', async () => {
    const d = await measureNodeDeath(c, 'bulk', bulk, 'non-owner', 100);
    log(`${d.victim} killed (owner ${d.ownerBefore}): ${onOtherNodes(d)} of ${d.before.length} connections on other nodes, ${disturbed(d).length} of them disturbed; owner's table without it after ${Math.round(d.tableMs)} ms`);
    expect(d.ownerAfter).toBe(d.ownerBefore);
    expect(onOtherNodes(d)).toBeGreaterThan(0);
    expect(lostWithVictim(d)).toBeGreaterThan(0);
    expect(disturbed(d)).toEqual([]);
  });

  test('then the owner node dies: every connection on the surviving node keeps working', async () => {
    const d = await measureNodeDeath(c, 'bulk', bulk, 'owner', 100);
    log(`owner ${d.victim} killed: ${onOtherNodes(d)} of ${d.before.length} connections on the surviving node, ${disturbed(d).length} of them broken (${JSON.stringify(disturbed(d).slice(0, 5))}); the client followed to ${d.ownerAfter} after ${Math.round(d.clientMs)} ms`);
    expect(onOtherNodes(d)).toBeGreaterThan(0);
    expect(disturbed(d)).toEqual([]);
  });
});
