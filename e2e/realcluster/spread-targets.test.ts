import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import type { SpreadService } from '../../speaker/spread/plan.js';
import { renderRuleset } from '../../speaker/spread/render.js';
import { spreadTable } from '../../speaker/spread/table.js';
import { spreadTargets } from './spread-targets.js';

const ip = (t: string): IpAddress => {
  const p = parseIp(t);
  if (!p.ok) throw new Error(t);
  return p.value;
};
const MAC = { a: '02:00:00:00:00:0a', b: '02:00:00:00:00:0b', c: '02:00:00:00:00:0c' } as const;

function service(key: string, vips: string[], nodes: string[]): SpreadService {
  return { key, ips: vips.map(ip), ports: [{ protocol: 'TCP', port: 8080 }], interfaces: ['eth0'], nodes, table: spreadTable(nodes) };
}

function listing(services: SpreadService[], known: readonly string[] = ['b', 'c']): string {
  return renderRuleset({
    me: 'a',
    services,
    interfaceMac: () => MAC.a,
    nodeMac: (_i, n) => (known.includes(n) ? MAC[n as keyof typeof MAC] : undefined),
  }).text;
}

// As `nft list table` prints a table: tabs, one-element sets without braces (one MAC upper-case
// here, to check that case does not matter).
const NFT_LISTING = `table netdev l2lb_spread {
\tcounter i0_s0_n0_packets {
\t\tpackets 3 bytes 180
\t}
\tchain i0_s0_n0 {
\t\tcounter name "i0_s0_n0_packets" accept
\t}
\tchain i0_s0_n1 {
\t\tcounter name "i0_s0_n1_packets" ether saddr set 02:00:00:00:00:0a ether daddr set 02:00:00:00:00:0B fwd to "eth0"
\t}
\tchain i0_s0_v4 {
\t\tip frag-off & 0x3fff != 0 accept
\t\tjhash ip saddr . th sport mod 256 seed 0x4c324c42 vmap { 0 : jump i0_s0_n0, 1 : jump i0_s0_n1 }
\t}
\tchain ingress_0 {
\t\ttype filter hook ingress device "eth0" priority -300; policy accept;
\t\tether saddr 02:00:00:00:00:0b accept
\t\tip daddr 192.0.2.200 tcp dport 8080 jump i0_s0_v4
\t}
}
`;

describe('spreadTargets', () => {
  const cases: { name: string; text: string; vip: string; want: string[] | undefined }[] = [
    { name: 'every other node of the VIP\'s Service', text: listing([service('ns/web', ['192.0.2.10', '2001:db8::10'], ['a', 'b', 'c'])]), vip: '192.0.2.10', want: [MAC.b, MAC.c] },
    { name: 'the IPv6 VIP of the same Service', text: listing([service('ns/web', ['192.0.2.10', '2001:db8::10'], ['a', 'b', 'c'])]), vip: '2001:db8::10', want: [MAC.b, MAC.c] },
    { name: 'only the VIP\'s own Service, not another one\'s', text: listing([service('ns/web', ['192.0.2.10'], ['a', 'b']), service('ns/two', ['192.0.2.11'], ['a', 'c'])]), vip: '192.0.2.11', want: [MAC.c] },
    { name: 'a node whose MAC is unknown is not forwarded to', text: listing([service('ns/web', ['192.0.2.10'], ['a', 'b', 'c'])], ['c']), vip: '192.0.2.10', want: [MAC.c] },
    { name: 'a VIP that is a prefix of the table\'s VIP is not in it', text: listing([service('ns/web', ['192.0.2.101'], ['a', 'b'])]), vip: '192.0.2.10', want: undefined },
    { name: 'the table removed', text: '', vip: '192.0.2.10', want: undefined },
    { name: 'the kernel\'s listing format', text: NFT_LISTING, vip: '192.0.2.200', want: [MAC.b] },
  ];
  it.each(cases)('$name', ({ text, vip, want }) => {
    expect(spreadTargets(text, vip)).toEqual(want);
  });
});
