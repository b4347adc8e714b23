// 50 real speakers in 50 node namespaces (the lab's maximum on this machine), short: they settle
// with every speaker alive everywhere, stay quiet for a while (no peer death, no VIP announced or
// withdrawn anywhere), and three times in a row a SIGKILL + link down of the VIP's owner hands the
// VIP to the node the election predicts among the survivors, which the client then reaches, with
// no peer declared dead but the killed one. The longer idle window, the speakers' CPU at rest and
// the failover timings are the bench's (make bench BENCH=failover L2LB_FAILOVER_PHASES=fifty).
// No timing is asserted, only bounded waits; the progress lines say what setup cost.
import { jest } from '@jest/globals';
import { cpuSeconds } from '../bench/packet-lab.js';
import { predictedOwner } from './client-checks.js';
import { currentAnswerer, measureFailover } from './failover.js';
import { LabCluster, VIP_RANGE_V4 } from './lab-cluster.js';
import { logsSince, markLogs } from './log-marks.js';
import { sleep } from '../testenv/wait.js';
import { BUILT, describeIf } from '../testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs, BUILT.addon] });
const NODES = 50;
const QUIET_SECONDS = 20;
const KILLS = 3;
jest.setTimeout(300_000);

const t0 = Date.now();
const progress = (line: string): void => void process.stderr.write(`fifty +${((Date.now() - t0) / 1000).toFixed(1)} s: ${line}\n`);

describeRoot(`${NODES} speakers (node namespaces)`, () => {
  let c: LabCluster;
  let starting: Promise<LabCluster> | undefined;

  beforeAll(async () => {
    // Kept so that afterAll can stop a cluster whose start outlived this hook's timeout.
    starting = LabCluster.start({ nodes: NODES, progress });
    c = await starting;
    const cpu = await Promise.all([...c.speakers.values()].map((p) => cpuSeconds(p.pid!)));
    progress(`speakers' CPU from their start to settled: ${cpu.reduce((a, b) => a + b, 0).toFixed(1)} s in all, max ${Math.max(...cpu).toFixed(2)} s`);
    await c.createPool('lab', { addresses: [VIP_RANGE_V4] });
    await c.createAdvertisement('lab');
  }, 600_000);

  afterAll(async () => {
    await (c ?? (await starting?.catch(() => undefined)))?.stop();
    progress('lab stopped');
  });

  test('quiet while nothing happens; each killed owner (SIGKILL, link down) hands the VIP to the predicted node', async () => {
    const alive = c.nodes.map((n) => n.name);
    // One backend is enough: with externalTrafficPolicy Cluster every node may announce, and the
    // lab's nodes answer connections themselves (a name server each). A backend per node would
    // be 50 Pods and as many EndpointSlice updates, each sent to 50 speakers, before the test starts.
    await c.createService('fifty', { endpointsOn: [alive[0]!] });
    const [ip] = await c.waitForIps('fifty', 1, 60_000);
    const owner = predictedOwner(ip!, alive);
    expect(await currentAnswerer(c, ip!, 60_000)).toBe(owner);
    progress(`${ip} answered by ${owner}`);

    const quiet = markLogs(c);
    await sleep(QUIET_SECONDS * 1000);
    expect(logsSince(c, quiet, ['peerDead', 'serviceAnnounced', 'serviceWithdrawn']).map((l) => `${l.node} ${l.event} ${String(l['peer'] ?? l['service'] ?? '')}`)).toEqual([]);
    expect([...c.speakers].filter(([, p]) => !p.running).map(([n]) => n)).toEqual([]);
    progress(`quiet for ${QUIET_SECONDS} s`);

    for (let i = 0; i < KILLS; i++) {
      const mark = markLogs(c);
      const m = await measureFailover(c, ip!, 'kill', 30_000);
      progress(`${m.from} killed: ${ip} answered by ${m.to} after ${m.connectMs.toFixed(0)} ms`);
      expect(m.from).toBe(predictedOwner(ip!, alive));
      alive.splice(alive.indexOf(m.from), 1);
      expect(m.to).toBe(predictedOwner(ip!, alive));
      // Every survivor declares the killed node dead, and nobody else.
      await sleep(1_000);
      const deaths = logsSince(c, mark, ['peerDead']);
      expect(deaths.filter((l) => l['peer'] !== m.from).map((l) => `${l.node}: ${String(l['peer'])}`)).toEqual([]);
      expect(new Set(deaths.map((l) => l.node)).size).toBe(alive.length);
    }
  });
});
