// The bridge's multicast querier: off, a solicitation to a group nobody joined is flooded to
// every port; on, only ports that reported the group get it, as on a snooping switch.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createLab, type Lab } from './lab.js';
import { learnedGroups } from './multicast.js';
import { transpileForNamespace, type TranspiledProgram } from './transpile.js';
import { BUILT, describeIf } from '../testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.addon] });

/** Ethernet + IPv6 + ICMPv6 NS for target 2001:db8::200 to its solicited-node group, checksummed. */
function solicitation(srcMac: string, seq: number): string {
  const mac = srcMac.replaceAll(':', '');
  const src = 'fe80000000000000001b00fffe000064';
  const dst = 'ff0200000000000000000001ff000200';
  const body = Buffer.from('87000000' + seq.toString(16).padStart(8, '0') + '20010db8000000000000000000000200' + '0101' + mac, 'hex');
  // RFC 4443 checksum over the pseudo-header (source, destination, length, next header 58).
  const pseudo = Buffer.concat([Buffer.from(src + dst, 'hex'), Buffer.from([0, 0, 0, body.length, 0, 0, 0, 58]), body]);
  let sum = 0;
  for (let i = 0; i < pseudo.length; i += 2) sum += pseudo.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  body.writeUInt16BE(~sum & 0xffff, 2);
  const ipv6 = '60000000' + body.length.toString(16).padStart(4, '0') + '3aff' + src + dst;
  return '3333ff000200' + mac + '86dd' + ipv6 + body.toString('hex');
}

describeRoot('bridge multicast querier', () => {
  let lab: Lab;
  let program: TranspiledProgram;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    program = transpileForNamespace('speaker/native/fixtures/packet-tool.ts');
    lab = await createLab({ nodes: 1 });
  });
  afterAll(async () => {
    for (const c of children) c.stdin?.end();
    await lab?.destroy();
    program?.cleanup();
  });

  function tool(ns: string, ethertype: string): { lines: string[]; send(hex: string): void; ready: Promise<void> } {
    const child = lab.spawn(ns, [process.execPath, program.entry, 'eth0', ethertype, 'none'], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    const lines: string[] = [];
    const ready = new Promise<void>((resolve) =>
      createInterface({ input: child.stdout! }).on('line', (l) => {
        lines.push(l);
        if (l === 'ready') resolve();
      }),
    );
    return { lines, send: (hex) => child.stdin!.write(`send ${hex}\n`), ready };
  }

  async function delivered(rx: { lines: string[] }, tx: { send(hex: string): void }, seq: number): Promise<boolean> {
    const frame = solicitation(lab.client.mac, seq);
    tx.send(frame);
    await new Promise((r) => setTimeout(r, 300));
    return rx.lines.some((l) => l.startsWith('frame ') && l.slice(6, 6 + frame.length) === frame);
  }

  test('flooded without a querier, forwarded only to members with one', async () => {
    const node1 = lab.nodes[0]!;
    const rx = tool(node1.ns, '0x86dd');
    const tx = tool(lab.client.ns, '0x86dd');
    await Promise.all([rx.ready, tx.ready]);

    expect(await delivered(rx, tx, 1)).toBe(true);

    await lab.setMulticastQuerier(true);
    expect((await learnedGroups(lab.bridgeNs)).has('ff02::1:ff00:1')).toBe(true);
    expect((await lab.exec(lab.client.ns, ['ping', '-6', '-c', '1', '-W', '2', node1.ipv6])).code).toBe(0);
    expect(await delivered(rx, tx, 2)).toBe(false);

    // A member of the group (here the kernel joins it for an address it carries) gets it again.
    await lab.execOk(node1.ns, ['ip', 'addr', 'add', '2001:db8::200/128', 'dev', 'eth0', 'nodad']);
    const deadline = Date.now() + 5000;
    while (!(await learnedGroups(lab.bridgeNs)).has('ff02::1:ff00:200') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await delivered(rx, tx, 3)).toBe(true);
    await lab.execOk(node1.ns, ['ip', 'addr', 'del', '2001:db8::200/128', 'dev', 'eth0']);

    await lab.setMulticastQuerier(false);
    expect(await delivered(rx, tx, 4)).toBe(true);
  });
});
