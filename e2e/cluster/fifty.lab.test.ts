// 50 real speakers in 50 node namespaces (the lab's maximum on this machine), short: they settle
// with every speaker alive everywhere, stay quiet (no peer death, no ownership move) for a while,
// and a SIGKILL + link down of the VIP's owner moves the VIP to the node the election predicts
// among the other 49. The longer idle window and the failover timings are the bench's
// (make bench BENCH=failover L2LB_FAILOVER_PHASES=fifty). No timing is asserted, only bounded waits.
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
jest.setTimeout(600_000);

describeRoot(`${NODES} speakers (node namespaces)`, () => {
  let c: LabCluster;

  beforeAll(async () => {
    c = await LabCluster.start({ nodes: NODES });
    await c.createPool('lab', { addresses: [VIP_RANGE_V4] });
    await c.createAdvertisement('lab');
  }, 600_000);

  afterAll(async () => {
    await c?.stop();
  });

  test('quiet while nothing happens; the owner killed (SIGKILL, link down) hands the VIP to the predicted node', async () => {
    await c.createService('fifty');
    const [ip] = await c.waitForIps('fifty', 1, 60_000);
    const names = c.nodes.map((n) => n.name);
    const owner = predictedOwner(ip!, names);
    expect(await currentAnswerer(c, ip!, 60_000)).toBe(owner);

    const mark = markLogs(c);
    await sleep(QUIET_SECONDS * 1000);
    expect(logsSince(c, mark, ['peerDead', 'serviceWithdrawn']).map((l) => `${l.node} ${l.event} ${String(l['peer'] ?? l['service'] ?? '')}`)).toEqual([]);

    const m = await measureFailover(c, ip!, 'kill', 30_000);
    expect(m.from).toBe(owner);
    expect(m.to).toBe(predictedOwner(ip!, names.filter((n) => n !== owner)));
  });
});
