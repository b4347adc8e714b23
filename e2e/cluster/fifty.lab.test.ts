// 50 real speakers in 50 node namespaces (the lab's maximum on this machine), short: they settle
// with every speaker alive everywhere, stay quiet for a while (no peer death, no VIP announced or
// withdrawn anywhere), and a SIGKILL + link down of the VIP's owner hands the VIP to the node the
// election predicts among the other 49, which the client then reaches. The longer idle window
// and the failover timings are the bench's (make bench BENCH=failover
// L2LB_FAILOVER_PHASES=fifty). No timing is asserted, only bounded waits.
import { jest } from '@jest/globals';
import { predictedOwner } from './client-checks.js';
import { currentAnswerer, measureFailover } from './failover.js';
import { LabCluster, VIP_RANGE_V4 } from './lab-cluster.js';
import { logsSince, markLogs } from './log-marks.js';
import { sleep } from '../testenv/wait.js';
import { BUILT, describeIf } from '../testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs, BUILT.addon] });
const NODES = 50;
const QUIET_SECONDS = 20;
jest.setTimeout(300_000);

const t0 = Date.now();
const progress = (line: string): void => void process.stderr.write(`fifty +${((Date.now() - t0) / 1000).toFixed(1)} s: ${line}\n`);

describeRoot(`${NODES} speakers (node namespaces)`, () => {
  let c: LabCluster;

  beforeAll(async () => {
    c = await LabCluster.start({ nodes: NODES, progress });
    await c.createPool('lab', { addresses: [VIP_RANGE_V4] });
    await c.createAdvertisement('lab');
  }, 300_000);

  afterAll(async () => {
    await c?.stop();
    progress('lab stopped');
  });

  test('quiet while nothing happens; the owner killed (SIGKILL, link down) hands the VIP to the predicted node', async () => {
    const names = c.nodes.map((n) => n.name);
    // One backend is enough: with externalTrafficPolicy Cluster every node may announce, and the
    // lab's nodes answer connections themselves (a name server each). A backend per node would
    // be 50 Pods and as many EndpointSlice updates, each sent to 50 speakers, before the test starts.
    await c.createService('fifty', { endpointsOn: [names[0]!] });
    const [ip] = await c.waitForIps('fifty', 1, 60_000);
    const owner = predictedOwner(ip!, names);
    expect(await currentAnswerer(c, ip!, 60_000)).toBe(owner);
    progress(`${ip} answered by ${owner}`);

    const mark = markLogs(c);
    await sleep(QUIET_SECONDS * 1000);
    expect(logsSince(c, mark, ['peerDead', 'serviceAnnounced', 'serviceWithdrawn']).map((l) => `${l.node} ${l.event} ${String(l['peer'] ?? l['service'] ?? '')}`)).toEqual([]);
    expect([...c.speakers].filter(([, p]) => !p.running).map(([n]) => n)).toEqual([]);
    progress(`quiet for ${QUIET_SECONDS} s`);

    const m = await measureFailover(c, ip!, 'kill', 30_000);
    progress(`${m.from} killed: ${ip} answered by ${m.to} after ${m.connectMs.toFixed(0)} ms`);
    expect(m.from).toBe(owner);
    expect(m.to).toBe(predictedOwner(ip!, names.filter((n) => n !== owner)));
  });
});
