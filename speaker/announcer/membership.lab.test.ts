// Solicited-node group membership at scale, on a real interface in a lab namespace: one socket
// can hold only ~2,340 groups (net.core.optmem_max), a survivor of a peer death at 5,000 IPv6
// VIPs needs more, so MulticastMembership spreads them over sockets. The kernel's own list of
// joined groups (/proc/net/igmp6) is the oracle. Needs `make build` (runs from dist/).
import { createLab, type Lab } from '../../e2e/lab/lab.js';
import { repoPath } from '../../e2e/lab/repo-root.js';
import { BUILT, describeIf } from '../../e2e/testing/suite-gate.js';

const describeRoot = describeIf({ root: true, built: [BUILT.programs] });

describeRoot('MulticastMembership in a namespace', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ nodes: 1 });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  test('joins 3,000 solicited-node groups on one interface (more than one socket can hold) and leaves them all', async () => {
    const script = `
      const { MulticastMembership } = await import(${JSON.stringify(repoPath('dist/speaker/announcer/membership.js'))});
      const { parseIp } = await import(${JSON.stringify(repoPath('dist/shared/ip/address.js'))});
      const { solicitedNodeAddress } = await import(${JSON.stringify(repoPath('dist/speaker/ndp/multicast.js'))});
      const { readFileSync } = await import('node:fs');
      const index = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
      const joined = () => readFileSync('/proc/net/igmp6', 'utf8').split('\\n').filter((l) => /eth0\\s+ff0200000000000000000001ff01/.test(l)).length;
      const m = MulticastMembership.open('eth0', index);
      if (!m.ok) throw new Error(m.error);
      const groups = Array.from({ length: 3000 }, (_, i) => { const p = parseIp('2001:db8::1:' + i.toString(16)); if (!p.ok) throw new Error(p.error); return solicitedNodeAddress(p.value); });
      const errors = groups.map((g) => m.value.join(g)).filter((r) => !r.ok).map((r) => r.error);
      const afterJoin = { errors: errors.slice(0, 3), joined: joined(), sockets: m.value.socketCount };
      const leaveErrors = groups.map((g) => m.value.leave(g)).filter((r) => !r.ok).length;
      const afterLeave = { leaveErrors, joined: joined(), sockets: m.value.socketCount };
      m.value.close();
      process.stdout.write(JSON.stringify({ afterJoin, afterLeave }));
    `;
    const r = await lab.execOk(lab.nodes[0]!.ns, [process.execPath, '--input-type=module', '-e', script]);
    const out = JSON.parse(r.stdout) as { afterJoin: { errors: string[]; joined: number; sockets: number }; afterLeave: { leaveErrors: number; joined: number; sockets: number } };
    expect(out.afterJoin).toEqual({ errors: [], joined: 3000, sockets: 3 });
    expect(out.afterLeave).toEqual({ leaveErrors: 0, joined: 0, sockets: 1 });
  });
});
