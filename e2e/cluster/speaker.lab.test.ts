// The speaker end to end, seen from the client namespace: a real control plane, the controller
// and one real speaker per node namespace. The elected node (the pure election's own prediction)
// answers, nobody else does, the status and the Event name it once; shared-IP and dual-stack
// Services move as one.
import { jest } from '@jest/globals';
import { currentAnswerer } from './failover.js';
import { LabCluster, VIP_RANGE_V4, VIP_RANGE_V6 } from './lab-cluster.js';
import { arpReplies, ndpReplies, predictedOwner, serviceEvents } from './client-checks.js';
import { logsSince, markLogs } from './log-marks.js';
import { sleep, waitFor } from '../testenv/wait.js';
import { BUILT, describeIf } from '../testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs] });
jest.setTimeout(90_000);

describeRoot('speaker end to end (3 node namespaces)', () => {
  let c: LabCluster;
  const nodes = (): string[] => c.nodes.map((n) => n.name);
  const macOf = (node: string): string => c.node(node).mac.toLowerCase();

  beforeAll(async () => {
    c = await LabCluster.start({ nodes: 3 });
    await c.createPool('lab', { addresses: [VIP_RANGE_V4, VIP_RANGE_V6] });
    await c.createAdvertisement('lab');
  }, 120_000);

  afterAll(async () => {
    await c?.stop();
  });

  /** Until the ServiceL2Status of `service` names `node`. */
  const statusNames = (service: string, node: string): Promise<void> =>
    waitFor(`ServiceL2Status of ${service} naming ${node}`, async () => (await c.announcingNode(service)) === node, { timeoutMs: 10_000 });

  test('the elected node answers: TCP, the client\'s neighbour entry, ServiceL2Status, one serviceAnnounced, one nodeAssigned Event', async () => {
    const mark = markLogs(c);
    await c.createService('web', { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.200' } });
    const [ip] = await c.waitForIps('web');
    const owner = predictedOwner(ip!, nodes());

    expect(await currentAnswerer(c, ip!)).toBe(owner);
    expect(await c.clientNeighbor(ip!)).toBe(macOf(owner));
    await statusNames('web', owner);
    await waitFor('nodeAssigned Event', async () => (await serviceEvents(c, 'web', 'nodeAssigned')).length > 0, { timeoutMs: 10_000 });
    await sleep(1_500); // room for a second announcement or Event, if there were one

    const announced = logsSince(c, mark, ['serviceAnnounced']).filter((l) => l['service'] === 'demo/web');
    expect(announced.map((l) => l.node)).toEqual([owner]);
    const events = await serviceEvents(c, 'web', 'nodeAssigned');
    expect(events).toHaveLength(1);
    expect(events[0]!.count ?? 1).toBe(1);
    expect(events[0]!.message).toContain(`"${owner}"`);
  });

  test('every speaker restarted at once (an upgrade): the same node announces again, and no second nodeAssigned Event', async () => {
    const [ip] = await c.waitForIps('web');
    const owner = predictedOwner(ip!, nodes());
    await waitFor('nodeAssigned Event', async () => (await serviceEvents(c, 'web', 'nodeAssigned')).length > 0, { timeoutMs: 10_000 });
    const before = await serviceEvents(c, 'web', 'nodeAssigned');
    await Promise.all(nodes().map((n) => c.speakers.get(n)!.stop('SIGKILL')));
    const mark = markLogs(c);
    // The owner first: alone, it announces everything, 'web' included; the others joining later
    // never move 'web' (adding nodes to the ranking moves a VIP only to a node ranked above its owner,
    // and the owner is the top of the full ranking).
    await c.startSpeaker(owner);
    await Promise.all(nodes().filter((n) => n !== owner).map((n) => c.startSpeaker(n)));
    await waitFor(`${ip} answered by ${owner} again`, async () => (await c.connect(ip!, 300)) === owner, { timeoutMs: 15_000 });
    await sleep(1_500); // room for an Event, if one were sent
    // Announcing again after a restart is logged (it is this process's first announcement)...
    expect(logsSince(c, mark, ['serviceAnnounced']).filter((l) => l['service'] === 'demo/web').map((l) => l.node)).toEqual([owner]);
    // ...but the ServiceL2Status already named the node: for the Service nothing changed.
    const after = await serviceEvents(c, 'web', 'nodeAssigned');
    expect(after.map((e) => e.count ?? 1)).toEqual(before.map((e) => e.count ?? 1));
  });

  test('only the owner answers ARP for a VIP, and nobody answers for a pool address no Service uses', async () => {
    const [ip] = await c.waitForIps('web');
    const owner = predictedOwner(ip!, nodes());
    const replies = await arpReplies(c, ip!, 3);
    expect([...replies.keys()]).toEqual([macOf(owner)]);
    expect(replies.get(macOf(owner))).toBeGreaterThanOrEqual(3);
    // .206 is in the pool; the allocator hands out addresses from the bottom and this file asks for fewer.
    expect((await arpReplies(c, '192.0.2.206', 2)).size).toBe(0);
  });

  test('a dual-stack Service: both addresses on the node elected by the first, only it answers NDP, and both move together', async () => {
    await c.createService('dual', { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } });
    const ips = await c.waitForIps('dual', 2);
    const v6 = ips.find((i) => i.includes(':'))!;
    const owner = predictedOwner(ips[0]!, nodes());
    for (const ip of ips) expect(await currentAnswerer(c, ip)).toBe(owner);
    expect([...(await ndpReplies(c, v6)).keys()]).toEqual([macOf(owner)]);
    expect((await ndpReplies(c, '2001:db8::206', 2)).size).toBe(0);

    // A planned restart of the owner: both families go to the same survivor.
    await c.speakers.get(owner)!.stop('SIGTERM');
    const next = predictedOwner(ips[0]!, nodes().filter((n) => n !== owner));
    for (const ip of ips) await waitFor(`${ip} answered by ${next}`, async () => (await c.connect(ip, 300)) === next, { timeoutMs: 10_000 });
    await statusNames('dual', next);
    expect([...(await ndpReplies(c, v6)).keys()]).toEqual([macOf(next)]);
    await c.startSpeaker(owner);
    for (const ip of ips) await waitFor(`${ip} back on ${owner}`, async () => (await c.connect(ip, 300)) === owner, { timeoutMs: 10_000 });
  });

  test('Services sharing an IP (metallb.io/allow-shared-ip) are announced by one node and move together', async () => {
    const shared = { 'metallb.io/allow-shared-ip': 'team', 'metallb.io/loadBalancerIPs': '192.0.2.204' };
    await c.createService('share-a', { annotations: shared });
    await c.createService('share-b', { annotations: shared, spec: { ports: [{ port: 8081, protocol: 'TCP' }] } });
    const [a] = await c.waitForIps('share-a');
    const [b] = await c.waitForIps('share-b');
    expect(b).toBe(a);
    const owner = predictedOwner(a!, nodes());
    await statusNames('share-a', owner);
    await statusNames('share-b', owner);
    expect(await currentAnswerer(c, a!)).toBe(owner);

    await c.speakers.get(owner)!.stop('SIGTERM');
    const next = predictedOwner(a!, nodes().filter((n) => n !== owner));
    await statusNames('share-a', next);
    await statusNames('share-b', next);
    await waitFor(`${a} answered by ${next}`, async () => (await c.connect(a!, 300)) === next, { timeoutMs: 10_000 });
    expect([...(await arpReplies(c, a!, 2)).keys()]).toEqual([macOf(next)]);
    await c.startSpeaker(owner);
    await statusNames('share-a', owner);
    await statusNames('share-b', owner);
  });
});
