// Flow spreading on the real cluster: l2lb installed as docs/install.md says, then upgraded with
// speaker.spreadFlows.enabled (NET_ADMIN, --spread-flows); backends are l2lb-echo --tcp pods
// behind LoadBalancer Services annotated l2lb.io/spread-flows, externalTrafficPolicy Local so a
// flow's answer names the node that received it. Checks: flows reach every node with a ready
// pod and replies leave from each (counted at the client by source MAC), the backend sees the
// client's address, turning spreading off brings every reply back to the owner, nodes without a
// ready pod get no flow, and when the owner node dies every connection on a surviving node keeps
// working. Throughput with shaped uplinks is printed (make bench BENCH=spread has the figures).
import { jest } from '@jest/globals';
import { parseEchoReply } from '../../echo/reply.js';
import { SPREAD_ANNOTATION } from '../../speaker/spread/settings.js';
import { countRepliesByNode, FlowClient, shapeUplinks } from '../spread/dr-lab.js';
import { describeIf, BUILT } from '../testing/suite-gate.js';
import { repoRoot } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import { RealCluster } from './cluster.js';
import { CAP, findContainerProcesses } from './container-procs.js';
import { announcingNode, APP_NAMESPACE, ECHO_PORT, echoDeployment, installL2lbWithEcho, L2LB_NAMESPACE, serviceIps } from './workloads.js';

const describeReal = describeIf({ root: true, built: [BUILT.programs, 'dist/e2e/spread/flow-peer.js'] });
jest.setTimeout(180_000);

const log = (line: string): void => void process.stderr.write(`[realcluster-spread] ${line}\n`);

/** l2lb-echo --tcp pods on the given nodes, one each, behind a spread LoadBalancer Service. */
function tcpEchoManifest(name: string, imageRef: string, nodes: readonly string[]): string {
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

describeReal('flow spreading on a real 3-node cluster', () => {
  let c: RealCluster;
  let client: FlowClient;
  let bulk = '';
  let two = '';
  const UNUSED_V6 = '2001:db8::2ff';

  beforeAll(async () => {
    const t0 = Date.now();
    c = await RealCluster.start({ nodes: 3, progress: log });
    await installL2lbWithEcho(c, log);
    await c.helm(['upgrade', 'l2lb', 'charts/l2lb', '--namespace', L2LB_NAMESPACE, '--reuse-values', '--set', 'speaker.spreadFlows.enabled=true', '--wait', '--timeout', '180s'], repoRoot());
    await c.kubectl(['rollout', 'status', 'daemonset/l2lb-speaker', '-n', L2LB_NAMESPACE, '--timeout=180s']);
    const all = c.nodes.map((n) => n.plan.name);
    await c.kubectl(['apply', '-f', '-'], tcpEchoManifest('bulk', c.images.product.ref, all));
    await c.kubectl(['apply', '-f', '-'], tcpEchoManifest('two', c.images.product.ref, all.slice(1)));
    [bulk] = await serviceIps(c, 'bulk', 1);
    [two] = await serviceIps(c, 'two', 1);
    await c.waitForReadyPods(APP_NAMESPACE, 'app=bulk', 3, 180_000);
    await c.waitForReadyPods(APP_NAMESPACE, 'app=two', 2, 180_000);
    client = FlowClient.start(c.lab);
    log(`cluster, chart with spreading, Services bulk ${bulk} and two ${two} ready after ${Date.now() - t0} ms`);
  }, 30 * 60_000);

  afterAll(async () => {
    client?.stop();
    if (!c) return;
    const reports = await c.stop();
    const left = reports.filter((r) => r.pidsLeft.length + r.mountsLeft.length + r.cgroupsLeft.length > 0);
    if (left.length > 0) throw new Error(`tear-down left: ${JSON.stringify(left)}`);
  }, 120_000);

  /** Flows until every one of `nodes` answered one (the owner's rules may take an election to land). */
  async function flowsReaching(ip: string, nodes: readonly string[]): Promise<string[]> {
    let seen: string[] = [];
    await waitFor(`flows to ${ip} reaching ${nodes.join(', ')}`, async () => {
      seen = await client.open(ip, 30);
      return nodes.every((n) => seen.includes(n));
    }, { timeoutMs: 60_000, intervalMs: 1_000 });
    return seen;
  }

  test('the speakers run with NET_ADMIN besides NET_RAW', () => {
    for (const n of c.nodes) {
      const s = findContainerProcesses(n.plan.cgroupRoot, 'speaker/main.js')[0]!;
      expect(s.capEff).toBe((1n << BigInt(CAP.NET_RAW)) | (1n << BigInt(CAP.NET_ADMIN)));
    }
  });

  test('flows reach every node with a ready pod, replies leave from each, the backend sees the client', async () => {
    const replies = await countRepliesByNode(c.lab, { v4: bulk, v6: UNUSED_V6 });
    const seen = await flowsReaching(bulk, c.nodes.map((n) => n.plan.name));
    expect(seen.every((s) => c.nodes.some((n) => n.plan.name === s))).toBe(true);
    const byNode = await replies();
    for (const n of c.nodes) expect(byNode.get(n.plan.name)?.packets ?? 0).toBeGreaterThan(0);
    const clients = new Set((await client.openLines(bulk, 10)).map((l) => parseEchoReply(l)?.client));
    expect([...clients]).toEqual([c.lab.client.ipv4]);
  });

  test('shaped uplinks: more throughput with spreading than without, in the same run (figures printed)', async () => {
    await shapeUplinks(c.lab, 40);
    const replies = await countRepliesByNode(c.lab, { v4: bulk, v6: UNUSED_V6 });
    const owner = await announcingNode(c, 'bulk');
    const annotate = (v: string) => c.kubectl(['annotate', '--overwrite', 'service', 'bulk', '-n', APP_NAMESPACE, `${SPREAD_ANNOTATION}=${v}`]);
    await annotate('false');
    await waitFor('every new flow on the owner', async () => new Set(await client.open(bulk, 10)).size === 1, { timeoutMs: 30_000, intervalMs: 500 });
    const before = await replies();
    const off = await client.pull(bulk, { parallel: 24, bytes: 1_000_000, seconds: 8 });
    const mid = await replies();
    await annotate('true');
    await flowsReaching(bulk, c.nodes.map((n) => n.plan.name));
    const on = await client.pull(bulk, { parallel: 24, bytes: 1_000_000, seconds: 8 });
    const after = await replies();
    const rate = (r: { bytes: number; ms: number }): number => (r.bytes * 8) / (r.ms / 1000) / 1e6;
    const sent = (a: typeof before, b: typeof before, node: string): number => (b.get(node)?.bytes ?? 0) - (a.get(node)?.bytes ?? 0);
    log(`uplinks 40 Mbit/s: off ${rate(off).toFixed(1)} Mbit/s, on ${rate(on).toFixed(1)} Mbit/s, ratio ${(rate(on) / rate(off)).toFixed(2)}; reply MB per node off ${c.nodes.map((n) => (sent(before, mid, n.plan.name) / 1e6).toFixed(1)).join('/')}, on ${c.nodes.map((n) => (sent(mid, after, n.plan.name) / 1e6).toFixed(1)).join('/')}`);
    for (const n of c.nodes) {
      if (n.plan.name !== owner) expect(sent(before, mid, n.plan.name)).toBeLessThan(100_000);
      expect(sent(mid, after, n.plan.name)).toBeGreaterThan(1_000_000);
    }
  });

  test('externalTrafficPolicy Local: only nodes with a ready pod get flows', async () => {
    const seen = await flowsReaching(two, ['node2', 'node3']);
    expect(seen.filter((s) => s !== 'node2' && s !== 'node3')).toEqual([]);
  });

  test('the owner node dies: every connection on a surviving node keeps working', async () => {
    const owner = await announcingNode(c, 'bulk');
    expect(owner).toBeDefined();
    const fresh = FlowClient.start(c.lab);
    try {
      const before = await fresh.open(bulk, 100);
      await c.killNode(owner!);
      await waitFor('a new owner for bulk', async () => ((await announcingNode(c, 'bulk')) ?? owner) !== owner, { timeoutMs: 30_000, intervalMs: 200 });
      await new Promise((r) => setTimeout(r, 2_000));
      const after = await fresh.ask();
      const survivors = before.map((node, i) => [node, after[i]] as const).filter(([node]) => node !== owner);
      const broken = survivors.filter(([node, now]) => now !== node);
      log(`owner ${owner} killed: ${survivors.length} of ${before.length} connections on surviving nodes, ${broken.length} of them broken (${JSON.stringify(broken.slice(0, 5))})`);
      expect(survivors.length).toBeGreaterThan(0);
      expect(broken).toEqual([]);
    } finally {
      fresh.stop();
    }
  });
});
