// Real frames between lab namespaces through the AF_PACKET addon: node1 receives the client's
// ARP request, never its own outgoing frames, and nothing its BPF filter rejects.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createLab, type Lab } from '../../e2e/lab/lab.js';
import { transpileForNamespace, type TranspiledProgram } from '../../e2e/lab/transpile.js';
import { bpfArpFilter, ETHERTYPE_ARP, isSystemError, PacketSocket, SIMULATE_NO_IGNORE_OUTGOING_ENV } from './packet-socket.js';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.addon] });

const macBytes = (mac: string): number[] => mac.split(':').map((h) => parseInt(h, 16));
const ipBytes = (ip: string): number[] => ip.split('.').map(Number);

function ethernet(dst: string, src: string, ethertype: number, payload: number[]): string {
  const f = Buffer.alloc(60); // minimum frame size without FCS: short frames get padded anyway
  Buffer.from([...macBytes(dst), ...macBytes(src), ethertype >> 8, ethertype & 0xff, ...payload]).copy(f);
  return f.toString('hex');
}

function arpRequest(srcMac: string, srcIp: string, targetIp: string, opts: { ptype?: number } = {}): string {
  const ptype = opts.ptype ?? 0x0800;
  return ethernet('ff:ff:ff:ff:ff:ff', srcMac, 0x0806, [0, 1, ptype >> 8, ptype & 0xff, 6, 4, 0, 1, ...macBytes(srcMac), ...ipBytes(srcIp), 0, 0, 0, 0, 0, 0, ...ipBytes(targetIp)]);
}

/** A packet-tool fixture in a namespace, with its stdout lines collected. */
class Tool {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(
    readonly child: ChildProcess,
    readonly role: 'node' | 'client',
  ) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      this.lines.push(l);
      for (const w of this.waiters) w();
    });
  }
  frames(): string[] {
    return this.lines.filter((l) => l.startsWith('frame ')).map((l) => l.slice(6));
  }
  async waitFor(pred: (lines: string[]) => boolean, what: string, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.lines)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${this.lines.join('\n')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
      this.waiters = [];
    }
  }
  send(hex: string): void {
    this.child.stdin!.write(`send ${hex}\n`);
  }
}

describeRoot('PacketSocket (AF_PACKET addon) between lab namespaces', () => {
  let lab: Lab;
  let program: TranspiledProgram;
  const tools: Tool[] = [];

  beforeAll(async () => {
    program = transpileForNamespace('speaker/native/fixtures/packet-tool.ts');
    lab = await createLab({ nodes: 1 });
  });
  afterAll(async () => {
    for (const t of tools) t.child.stdin?.end();
    await lab?.destroy();
    program?.cleanup();
  });

  async function start(ns: string, ethertype: string, filter: string, mode = 'print', env: NodeJS.ProcessEnv = {}): Promise<Tool> {
    const role = ns === lab.client.ns ? 'client' : 'node';
    const child = lab.spawn(ns, [process.execPath, program.entry, 'eth0', ethertype, filter, mode], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    const tool = new Tool(child, role);
    tools.push(tool);
    await tool.waitFor((l) => l.includes('ready'), 'ready');
    return tool;
  }

  // Kernels before 4.20 refuse PACKET_IGNORE_OUTGOING; the addon then drops outgoing frames with
  // a BPF prefix on the frame's pkttype. The environment variable makes it act as on such a kernel.
  test.each([
    ['PACKET_IGNORE_OUTGOING', 'socket-option', {}],
    ['the BPF fallback (no PACKET_IGNORE_OUTGOING, simulated)', 'bpf', { [SIMULATE_NO_IGNORE_OUTGOING_ENV]: '1' }],
  ])('node1 receives ARP, never its own frames, and nothing the filter rejects: %s', async (_name, mode, env) => {
    const node1 = lab.nodes[0]!;
    const client = lab.client;
    // ETH_P_ALL (3) so outgoing frames would reach the socket without PACKET_IGNORE_OUTGOING;
    // the ARP filter is then the only thing keeping other traffic out.
    const rx = await start(node1.ns, '3', 'arp', 'print', env);
    expect(rx.lines).toContain(`outgoing-filter ${mode}`);
    const tx = await start(client.ns, '3', 'none');

    const ipv4 = ethernet('ff:ff:ff:ff:ff:ff', client.mac, 0x0800, [0x45, 0, 0, 20]);
    const badArp = arpRequest(client.mac, client.ipv4, '192.0.2.201', { ptype: 0x86dd });
    const goodArp = arpRequest(client.mac, client.ipv4, '192.0.2.200');
    // Frames keep their order through the bridge: once the good one arrives, the two before
    // it would have too, unless the filter dropped them.
    tx.send(ipv4);
    tx.send(badArp);
    tx.send(goodArp);
    await rx.waitFor(() => rx.frames().includes(goodArp), 'the ARP request on node1');
    expect(rx.frames()).not.toContain(ipv4);
    expect(rx.frames()).not.toContain(badArp);

    // node1 sends, from this socket and from a second one on the same interface (as the
    // speaker's ARP and NDP sockets, or the kernel, do): the client sees both frames, so they
    // were sent; rx sees neither. The kernel never loops a frame back to the socket that sent
    // it; PACKET_IGNORE_OUTGOING is what keeps out the other local senders' frames.
    const other = await start(node1.ns, '0x0806', 'none', 'print', env);
    const own = arpRequest(node1.mac, node1.ipv4, '192.0.2.202');
    const local = arpRequest(node1.mac, node1.ipv4, '192.0.2.206');
    rx.send(own);
    other.send(local);
    await tx.waitFor(() => tx.frames().includes(own) && tx.frames().includes(local), "node1's frames on the client");
    const marker = arpRequest(client.mac, client.ipv4, '192.0.2.203');
    tx.send(marker);
    await rx.waitFor(() => rx.frames().includes(marker), 'the marker on node1');
    expect(rx.frames()).not.toContain(own);
    expect(rx.frames()).not.toContain(local);
    expect(rx.lines.filter((l) => l.startsWith('error'))).toEqual([]);
  });

  test('a socket bound to ARP gets ARP only, even without a filter', async () => {
    const rx = await start(lab.nodes[0]!.ns, '0x0806', 'none');
    const tx = tools.find((t) => t.role === 'client')!;
    const ipv4 = ethernet('ff:ff:ff:ff:ff:ff', lab.client.mac, 0x0800, [0x45, 0, 0, 20]);
    const arp = arpRequest(lab.client.mac, lab.client.ipv4, '192.0.2.204');
    tx.send(ipv4);
    tx.send(arp);
    await rx.waitFor(() => rx.frames().includes(arp), 'the ARP request');
    expect(rx.frames()).not.toContain(ipv4);
  });

  test('the kernel answers a real ARP request, and the reply is seen by a listener on the client', async () => {
    const listener = await start(lab.client.ns, '0x0806', 'none');
    const r = await lab.exec(lab.client.ns, ['arping', '-c', '1', '-w', '2', '-I', 'eth0', lab.nodes[0]!.ipv4]);
    expect(r.code).toBe(0);
    // Opcode 2 (reply) from node1's MAC. arping has it already; the listener prints it from its
    // own process, so its line may come a moment later.
    const isReply = (f: string): boolean => f.slice(40, 44) === '0002' && f.slice(12, 24) === lab.nodes[0]!.mac.replaceAll(':', '');
    await listener.waitFor(() => listener.frames().some(isReply), "node1's ARP reply on the client's listener");
  });

  test('link down is reported as ENETDOWN and the socket receives again after link up', async () => {
    const node1 = lab.nodes[0]!;
    const rx = await start(node1.ns, '0x0806', 'arp');
    const tx = tools.find((t) => t.role === 'client')!;
    await lab.setLink(node1.ns, 'down');
    await rx.waitFor((l) => l.includes('error ENETDOWN'), 'ENETDOWN');
    await lab.setLink(node1.ns, 'up');
    const arp = arpRequest(lab.client.mac, lab.client.ipv4, '192.0.2.205');
    // The veth pair needs a moment to report carrier again: resend until it arrives.
    const deadline = Date.now() + 5000;
    while (!rx.frames().includes(arp) && Date.now() < deadline) {
      tx.send(arp);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rx.frames()).toContain(arp);
  });

  test('errors carry the errno name', () => {
    let caught: unknown;
    try {
      PacketSocket.open({ ifindex: 999999, ethertype: ETHERTYPE_ARP });
    } catch (err) {
      caught = err;
    }
    expect(isSystemError(caught) && caught.code).toBe('ENODEV');
    expect(() => PacketSocket.open({ ifindex: 0, ethertype: ETHERTYPE_ARP })).toThrow(RangeError);
  });

  test('close is idempotent and send after close throws', () => {
    const sock = PacketSocket.open({ ifindex: 1, ethertype: ETHERTYPE_ARP, filter: bpfArpFilter() });
    sock.onFrame(() => undefined);
    sock.close();
    sock.close();
    expect(sock.closed).toBe(true);
    expect(() => sock.send(new Uint8Array(60))).toThrow(/closed/);
  });

  test('close() from inside a frame callback: no further callback, the process carries on, the next socket works', async () => {
    // Loopback: a frame one socket sends comes back in as received by the other.
    const rx = PacketSocket.open({ ifindex: 1, ethertype: ETHERTYPE_ARP });
    const tx = PacketSocket.open({ ifindex: 1, ethertype: ETHERTYPE_ARP });
    const frame = Buffer.from(arpRequest('02:00:00:00:00:01', '127.0.0.1', '127.0.0.2'), 'hex');
    let calls = 0;
    const closedInCallback = new Promise<void>((resolve) =>
      rx.onFrame(() => {
        calls++;
        rx.close();
        resolve();
      }),
    );
    // Several frames, so the one wakeup that closes us still has frames in its batch.
    for (let i = 0; i < 5; i++) tx.send(frame);
    await closedInCallback;
    // Let any later wakeup (there must be none) and the deferred release run.
    await new Promise<void>((r) => setImmediate(r));
    for (let i = 0; i < 5; i++) tx.send(frame);
    await new Promise<void>((r) => setImmediate(r));
    expect(calls).toBe(1);
    expect(rx.closed).toBe(true);
    const again = PacketSocket.open({ ifindex: 1, ethertype: ETHERTYPE_ARP });
    const got = new Promise<void>((resolve) => again.onFrame(() => resolve()));
    tx.send(frame);
    await got;
    again.close();
    tx.close();
  });

  test('a burst larger than one wakeup batch arrives complete and in order', async () => {
    const rx = await start(lab.nodes[0]!.ns, '0x0806', 'arp-requests', 'quiet');
    const tx = tools.find((t) => t.role === 'client')!;
    const n = 20000;
    tx.child.stdin!.write(`flood ${n} ${arpRequest(lab.client.mac, lab.client.ipv4, '192.0.2.207')}\n`);
    await tx.waitFor((l) => l.some((x) => x.startsWith('flooded ')), 'the flood', 10000);
    const sent = Number(tx.lines.find((x) => x.startsWith('flooded '))!.split(' ')[1]);
    expect(sent).toBe(n);
    const deadline = Date.now() + 10000;
    let stats: number[] = [];
    while (Date.now() < deadline) {
      rx.lines.length = 0;
      rx.child.stdin!.write('stats\n');
      await rx.waitFor((l) => l.some((x) => x.startsWith('stats ')), 'stats');
      stats = rx.lines.find((x) => x.startsWith('stats '))!.split(' ').slice(1).map(Number);
      if (stats[0]! + stats[1]! >= n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // received, kernel drops, out of order
    expect(stats).toEqual([n, 0, 0]);
  });
});
