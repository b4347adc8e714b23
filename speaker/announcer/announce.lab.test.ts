// The announcer on real sockets, between network namespaces: a client resolves VIPs that
// l2lb-announce answers for, takeovers move the client within 100 ms, unicast solicitations
// (NUD) are answered, snooping bridges still deliver solicitations, and nothing is ever answered
// that should not be. Needs `make build` (the programs run from dist/, as installed).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createLab, type Lab } from '../../e2e/lab/lab.js';
import { inNs } from '../../e2e/lab/run.js';
import { addClientSenders, announcerCounter, runFlood, startAnnouncer, type RunningAnnouncer } from '../../e2e/bench/packet-lab.js';
import { SIMULATE_NO_IGNORE_OUTGOING_ENV } from '../native/packet-socket.js';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.announce, BUILT.flood, BUILT.addon] });
const VIP4 = '192.0.2.200';
const VIP6 = '2001:db8::200';
const TIMEOUT_MS = 30_000;

describeRoot('l2lb-announce in the lab', () => {
  let lab: Lab;
  const running: RunningAnnouncer[] = [];
  const announce = async (nodeIndex: number, ips: string[], ifaces?: string[], env?: NodeJS.ProcessEnv): Promise<RunningAnnouncer> => {
    const a = await startAnnouncer(lab, lab.nodes[nodeIndex]!, ips, ifaces, env ? { env } : {});
    running.push(a);
    return a;
  };

  beforeEach(async () => {
    lab = await createLab({ nodes: 2 });
  });
  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop();
    await lab.destroy();
  });

  async function neighbour(ip: string): Promise<string> {
    return (await lab.execOk(lab.client.ns, ['ip', 'neigh', 'show', ip, 'dev', 'eth0'])).stdout.trim();
  }

  test('the client resolves IPv4 and IPv6 VIPs to node1, which never carries them', async () => {
    await announce(0, [VIP4, VIP6]);
    // Nothing answers ICMP on the VIP (it is on no interface); the neighbour cache is the oracle.
    await lab.exec(lab.client.ns, ['ping', '-c', '1', '-W', '1', VIP4]);
    await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '1', VIP6]);
    expect(await neighbour(VIP4)).toMatch(new RegExp(`lladdr ${lab.nodes[0]!.mac} (REACHABLE|STALE|DELAY)`));
    expect(await neighbour(VIP6)).toMatch(new RegExp(`lladdr ${lab.nodes[0]!.mac} (REACHABLE|STALE|DELAY)`));
    const addrs = (await lab.execOk(lab.nodes[0]!.ns, ['ip', 'addr'])).stdout;
    expect(addrs).not.toContain(VIP4);
    expect(addrs).not.toContain('2001:db8::200');
  }, TIMEOUT_MS);

  test('a takeover by node2 moves the client entry within 100 ms (gratuitous ARP, unsolicited NA)', async () => {
    const first = await announce(0, [VIP4, VIP6]);
    await lab.exec(lab.client.ns, ['ping', '-c', '1', '-W', '1', VIP4]);
    await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '1', VIP6]);
    expect(await neighbour(VIP4)).toContain(lab.nodes[0]!.mac);
    expect(await neighbour(VIP6)).toContain(lab.nodes[0]!.mac);

    // Watch the client's neighbour table with timestamps, then hand over.
    // `ip -ts` prints local time without a zone: run it in UTC, so the stamps parse the same
    // whatever the machine's zone.
    const [file, ...args] = inNs(lab.client.ns, ['ip', '-ts', 'monitor', 'neigh']);
    const monitor = spawn(file!, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'UTC' } });
    const moved = new Map<string, number>();
    const MARKER = '192.0.2.250';
    let markerSeen!: () => void;
    const listening = new Promise<void>((r) => (markerSeen = r));
    const bothMoved = new Promise<void>((resolve) => {
      createInterface({ input: monitor.stdout }).on('line', (line) => {
        if (line.includes(MARKER)) markerSeen();
        const m = /^\[([^\]]+)\]\s+(\S+) dev eth0 lladdr (\S+)/.exec(line);
        if (!m || m[3] !== lab.nodes[1]!.mac || moved.has(m[2]!)) return;
        moved.set(m[2]!, Date.parse(m[1]!.replace(/(\.\d{3})\d*/, '$1') + 'Z'));
        if (moved.has(VIP4) && moved.has(VIP6)) resolve();
      });
    });
    try {
      // The monitor is listening once it reports a neighbour entry we add.
      await lab.execOk(lab.client.ns, ['ip', 'neigh', 'replace', MARKER, 'lladdr', '02:00:00:00:02:50', 'dev', 'eth0', 'nud', 'permanent']);
      await listening;
      await lab.execOk(lab.client.ns, ['ip', 'neigh', 'del', MARKER, 'dev', 'eth0']);
      await first.stop();
      const second = await announce(1, [VIP4, VIP6]);
      await Promise.race([bothMoved, new Promise((r) => setTimeout(r, 3000))]);
      const v4ms = moved.get(VIP4)! - second.startedAt;
      const v6ms = moved.get(VIP6)! - second.startedAt;
      process.stdout.write(`takeover: client moved after ${v4ms} ms (IPv4), ${v6ms} ms (IPv6)\n`);
      expect(v4ms).toBeLessThan(100);
      expect(v6ms).toBeLessThan(100);
    } finally {
      monitor.kill();
    }
    expect(await neighbour(VIP4)).toContain(lab.nodes[1]!.mac);
    expect(await neighbour(VIP6)).toContain(lab.nodes[1]!.mac);
  }, TIMEOUT_MS);

  test('a unicast solicitation for the VIP (neighbour unreachability detection) is answered', async () => {
    await announce(0, [VIP6]);
    const r = await runFlood(lab, {
      protocol: 'ns',
      target: VIP6,
      senders: [lab.client.ipv6],
      ethDst: lab.nodes[0]!.mac,
      ipDst: 'target',
      sourceLinkLayer: false,
      count: 3,
      rate: 10,
      waitMs: 300,
    });
    expect(r).toMatchObject({ sent: 3, answered: 3, replyMacs: { [lab.nodes[0]!.mac]: 3 } });

    // And the kernel's own NUD: a stale entry is probed by unicast and comes back reachable.
    await lab.execOk(lab.client.ns, ['sh', '-c', 'echo 0 > /proc/sys/net/ipv6/neigh/eth0/delay_first_probe_time']);
    await lab.execOk(lab.client.ns, ['ip', '-6', 'neigh', 'replace', VIP6, 'lladdr', lab.nodes[0]!.mac, 'dev', 'eth0', 'nud', 'stale']);
    await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '1', VIP6]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await neighbour(VIP6)).toMatch(new RegExp(`lladdr ${lab.nodes[0]!.mac} REACHABLE`));
  }, TIMEOUT_MS);

  test('with multicast snooping and a querier on the bridge, solicitations still reach the announcer', async () => {
    // The bridge only filters once it is a working MLD querier: its link-local address must have
    // finished DAD (else it cannot send queries) and the response interval must have passed
    // (until then it floods). Shortened to 1 s here; default 10 s.
    for (let i = 0; i < 50; i++) {
      const a = (await lab.execOk(lab.bridgeNs, ['ip', '-6', 'addr', 'show', 'dev', lab.bridgeIf])).stdout;
      if (a.includes('fe80') && !a.includes('tentative')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await lab.execOk(lab.bridgeNs, ['ip', 'link', 'set', lab.bridgeIf, 'type', 'bridge', 'mcast_snooping', '1', 'mcast_query_response_interval', '100']);
    await lab.execOk(lab.bridgeNs, ['ip', 'link', 'set', lab.bridgeIf, 'type', 'bridge', 'mcast_querier', '1']);
    await new Promise((r) => setTimeout(r, 1500));
    const node1 = lab.nodes[0]!;
    await announce(0, [VIP6]);
    // The MLD report of the solicited-node join is what the bridge forwards on.
    let mdb = '';
    for (let i = 0; i < 20 && !/port n1 grp ff02::1:ff00:200/.test(mdb); i++) {
      await new Promise((r) => setTimeout(r, 100));
      mdb = (await lab.execOk(lab.bridgeNs, ['bridge', 'mdb', 'show'])).stdout;
    }
    expect(mdb).toMatch(/port n1 grp ff02::1:ff00:200/);
    await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '1', VIP6]);
    expect(await neighbour(VIP6)).toMatch(new RegExp(`lladdr ${node1.mac} (REACHABLE|STALE|DELAY)`));

    // Control: a solicitation for a group nobody joined never reaches node1 (so the bridge is
    // really filtering, and the join above is what made the VIP work).
    const r = await runFlood(lab, { protocol: 'ns', target: '2001:db8::201', senders: [lab.client.ipv6], count: 3, rate: 20, waitMs: 200 });
    expect(r.answered).toBe(0);
    expect(await announcerCounter(lab, node1, 'l2lb_packets_dropped_total', { protocol: 'ndp', reason: 'not-owned' })).toBe(0);
    expect(await announcerCounter(lab, node1, 'metallb_layer2_requests_received', { protocol: 'ndp', ip: VIP6 })).toBeGreaterThanOrEqual(1);
  }, TIMEOUT_MS);

  test('no answer for an address not owned, on an excluded interface, or to another host\'s MAC', async () => {
    // node1 gets a second port on the same segment, eth1, which is not announced on.
    const eth1Mac = '02:1b:00:00:01:01';
    await lab.execOk(lab.bridgeNs, ['ip', 'link', 'add', 'n1b', 'type', 'veth', 'peer', 'name', 'eth1', 'netns', lab.nodes[0]!.ns]);
    await lab.execOk(lab.bridgeNs, ['ip', 'link', 'set', 'n1b', 'master', lab.bridgeIf, 'up']);
    await lab.execOk(lab.nodes[0]!.ns, ['ip', 'link', 'set', 'eth1', 'address', eth1Mac, 'up']);
    await addClientSenders(lab);
    await announce(0, [VIP4, VIP6], ['eth0']);
    const probe = { senders: [lab.client.ipv4], count: 3, rate: 20, waitMs: 300 } as const;
    const probe6 = { ...probe, senders: [lab.client.ipv6] };

    // Owned: exactly one answer per request, from eth0 (eth1 also heard the broadcast).
    expect(await runFlood(lab, { ...probe, protocol: 'arp', target: VIP4 })).toMatchObject({ answered: 3, unmatchedReplies: 0, replyMacs: { [lab.nodes[0]!.mac]: 3 } });
    expect(await runFlood(lab, { ...probe6, protocol: 'ns', target: VIP6 })).toMatchObject({ answered: 3, unmatchedReplies: 0, replyMacs: { [lab.nodes[0]!.mac]: 3 } });

    // Not owned.
    expect(await runFlood(lab, { ...probe, protocol: 'arp', target: '192.0.2.201' })).toMatchObject({ answered: 0, replyMacs: {} });
    expect(await runFlood(lab, { ...probe6, protocol: 'ns', target: '2001:db8::201' })).toMatchObject({ answered: 0, replyMacs: {} });

    // Owned, but the frame is for another host: a MAC the bridge has never seen, so it floods
    // the frame to node1 too, whose packet socket sees it.
    const other = '02:1b:00:00:00:99';
    expect(await runFlood(lab, { ...probe, protocol: 'arp', target: VIP4, ethDst: other })).toMatchObject({ answered: 0, replyMacs: {} });
    expect(await runFlood(lab, { ...probe6, protocol: 'ns', target: VIP6, ethDst: other, ipDst: 'target' })).toMatchObject({ answered: 0, replyMacs: {} });
    // They did reach the announcer, and were dropped for the right reasons.
    const node1 = lab.nodes[0]!;
    const dropped = (protocol: string, reason: string): Promise<number> => announcerCounter(lab, node1, 'l2lb_packets_dropped_total', { protocol, reason, interface: 'eth0' });
    expect(await dropped('arp', 'eth-dst-not-us')).toBe(3);
    expect(await dropped('ndp', 'eth-dst-not-us')).toBe(3);
    expect(await dropped('arp', 'not-owned')).toBeGreaterThanOrEqual(3);
    expect(await dropped('ndp', 'not-owned')).toBeGreaterThanOrEqual(3); // plus the lab's own DAD and resolution traffic
  }, TIMEOUT_MS);

  test('on a kernel without PACKET_IGNORE_OUTGOING (simulated) it still answers, and never its own host\'s requests', async () => {
    const node1 = lab.nodes[0]!;
    const a = await announce(0, [VIP4], ['eth0'], { [SIMULATE_NO_IGNORE_OUTGOING_ENV]: '1' });
    expect(a.logs.filter((l) => l['event'] === 'ignoreOutgoingFallback')).toHaveLength(1);
    // Before the fallback, opening the sockets failed on such kernels and nothing was answered.
    // node1's own requests for the VIP (arping, from its own packet socket) must not be answered.
    // Our sockets are bound to one ethertype, and the kernel shows outgoing frames only to
    // ETH_P_ALL sockets, so this holds even without either filter; the packet-socket lab test
    // (an ETH_P_ALL socket) is the one that fails without the fallback.
    await lab.exec(node1.ns, ['arping', '-c', '3', '-w', '2', '-I', 'eth0', VIP4]);
    // Then the client's: answered. Frames reach the socket in order, so once these are answered
    // node1's earlier ones would have been counted too.
    await addClientSenders(lab);
    expect(await runFlood(lab, { protocol: 'arp', target: VIP4, senders: [lab.client.ipv4], count: 3, rate: 20, waitMs: 300 })).toMatchObject({ answered: 3, replyMacs: { [node1.mac]: 3 } });
    expect(await announcerCounter(lab, node1, 'metallb_layer2_requests_received', { protocol: 'arp', ip: VIP4 })).toBe(3);
    expect(await announcerCounter(lab, node1, 'metallb_layer2_responses_sent', { protocol: 'arp', ip: VIP4 })).toBe(3);
  }, TIMEOUT_MS);
});
