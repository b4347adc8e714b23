// Failover end to end: the VIP leaves its owner when (a) the node dies (speaker SIGKILL + link
// down), (b) the speaker stops (SIGTERM), (c) the owner's only endpoint goes not-Ready under
// externalTrafficPolicy: Local, (d) the owner gets the exclusion label; it lands on the node the
// election predicts among the rest, and when the old owner comes back the VIP moves back at most
// once. No timing is asserted (the benchmark measures), only bounded waits.
import { jest } from '@jest/globals';
import { EXCLUDE_LABEL } from '../../speaker/election/index.js';
import { announcedSeries, predictedOwner } from './client-checks.js';
import { currentAnswerer, measureFailover, restore, type Fault } from './failover.js';
import { LabCluster, VIP_RANGE_V4 } from './lab-cluster.js';
import { logsSince, markLogs } from './log-marks.js';
import { Prober } from './observe.js';
import { sleep, waitFor } from '../testenv/wait.js';
import { BUILT, describeIf } from '../testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs] });
jest.setTimeout(90_000);

describeRoot('failover end to end (3 node namespaces)', () => {
  let c: LabCluster;
  const nodes = (): string[] => c.nodes.map((n) => n.name);
  const others = (node: string): string[] => nodes().filter((n) => n !== node);

  beforeAll(async () => {
    c = await LabCluster.start({ nodes: 3 });
    await c.createPool('lab', { addresses: [VIP_RANGE_V4] });
    await c.createAdvertisement('lab');
  }, 120_000);

  afterAll(async () => {
    await c?.stop();
  });

  const answeredBy = (ip: string, node: string): Promise<void> =>
    waitFor(`${ip} answered by ${node}`, async () => (await c.connect(ip, 300)) === node, { timeoutMs: 15_000, intervalMs: 50 });

  const statusNames = (service: string, node: string): Promise<void> =>
    waitFor(`ServiceL2Status of ${service} naming ${node}`, async () => (await c.announcingNode(service)) === node, { timeoutMs: 10_000 });

  /**
   * Runs `comeBack`, then waits until `owner` answers ip again and everything settles; returns how
   * many times the Service was announced meanwhile (by anyone) and how often the client saw the
   * answering node change.
   */
  async function returnMoves(service: string, ip: string, owner: string, comeBack: () => Promise<void>): Promise<{ announced: string[]; answerChanges: number }> {
    const mark = markLogs(c);
    const prober = new Prober(c.lab, ip, 10, 200);
    try {
      await comeBack();
      await answeredBy(ip, owner);
      await statusNames(service, owner);
      await sleep(2_000); // a second move, if there were one, would show up here
    } finally {
      prober.stop();
    }
    const answers = prober.results().flatMap((r) => (r.ok && r.node ? [r.node] : []));
    const answerChanges = answers.filter((n, i) => i > 0 && n !== answers[i - 1]).length;
    const announced = logsSince(c, mark, ['serviceAnnounced']).filter((l) => l['service'] === `${c.appNamespace}/${service}`).map((l) => l.node);
    return { announced, answerChanges };
  }

  async function faultAndReturn(service: string, fault: Fault): Promise<void> {
    await c.createService(service);
    const [ip] = await c.waitForIps(service);
    const owner = predictedOwner(ip!, nodes());
    expect(await currentAnswerer(c, ip!)).toBe(owner);

    const m = await measureFailover(c, ip!, fault);
    expect(m.from).toBe(owner);
    expect(m.to).toBe(predictedOwner(ip!, others(owner)));
    await statusNames(service, m.to);
    expect(await c.clientNeighbor(ip!)).toBe(c.node(m.to).mac.toLowerCase());

    const back = await returnMoves(service, ip!, owner, () => restore(c, owner));
    expect(back.announced).toEqual([owner]);
    expect(back.answerChanges).toBeLessThanOrEqual(1);
  }

  test('(a) owner killed (SIGKILL, link down): the next node takes the VIP; the returning owner takes it back in one move', async () => {
    await faultAndReturn('fo-kill', 'kill');
  });

  test('(b) owner stopped (SIGTERM): the next node takes the VIP; the returning owner takes it back in one move', async () => {
    await faultAndReturn('fo-term', 'term');
  });

  test('(c) externalTrafficPolicy Local: the owner\'s endpoint going not Ready moves the VIP to the other endpoint node', async () => {
    await c.createService('fo-local', { spec: { externalTrafficPolicy: 'Local' }, endpointsOn: [] });
    const [ip] = await c.waitForIps('fo-local');
    // Endpoints on two nodes; the third must never be elected.
    const [e1, e2] = [nodes()[0]!, nodes()[1]!];
    const pods = new Map([[e1, await c.addBackend('fo-local', e1)], [e2, await c.addBackend('fo-local', e2)]]);
    const owner = predictedOwner(ip!, [e1, e2]);
    const other = owner === e1 ? e2 : e1;
    await answeredBy(ip!, owner);
    await statusNames('fo-local', owner);

    await c.kubelet.setPodReady(c.appNamespace, pods.get(owner)!, false);
    await answeredBy(ip!, other);
    await statusNames('fo-local', other);

    const back = await returnMoves('fo-local', ip!, owner, async () => {
      await c.kubelet.setPodReady(c.appNamespace, pods.get(owner)!, true);
    });
    expect(back.announced).toEqual([owner]);
    expect(back.answerChanges).toBeLessThanOrEqual(1);
  });

  test('(d) exclusion label on the owner node moves the VIP; its metallb_speaker_announced series goes with it', async () => {
    await c.createService('fo-exclude');
    const [ip] = await c.waitForIps('fo-exclude');
    const key = `${c.appNamespace}/fo-exclude`;
    const owner = predictedOwner(ip!, nodes());
    const next = predictedOwner(ip!, others(owner));
    await answeredBy(ip!, owner);
    await waitFor('announced series on the owner', async () => (await announcedSeries(c, owner, key)).length === 1, { timeoutMs: 10_000 });

    await c.kubelet.labelNode(owner, { [EXCLUDE_LABEL]: '' });
    await answeredBy(ip!, next);
    await statusNames('fo-exclude', next);
    expect(await announcedSeries(c, next, key)).toEqual([{ ip: ip!, value: 1 }]);
    // A stale series would tell dashboards that two nodes announce the VIP.
    expect(await announcedSeries(c, owner, key)).toEqual([]);

    const back = await returnMoves('fo-exclude', ip!, owner, async () => {
      await c.kubelet.labelNode(owner, { [EXCLUDE_LABEL]: null });
    });
    expect(back.announced).toEqual([owner]);
    expect(back.answerChanges).toBeLessThanOrEqual(1);
    expect(await announcedSeries(c, next, key)).toEqual([]);
  });
});
