import { parseIp, type IpAddress } from '../../shared/ip/address.js';
import type { SpreadService } from './plan.js';
import { REMOVE_RULESET, renderRuleset, TABLE_NAME, type RenderInput } from './render.js';
import { spreadTable } from './table.js';

const ip = (t: string): IpAddress => {
  const p = parseIp(t);
  if (!p.ok) throw new Error(t);
  return p.value;
};

const MACS: Record<string, string> = { b: '02:00:00:00:00:0b', c: '02:00:00:00:00:0c' };

function service(over: Partial<SpreadService> = {}): SpreadService {
  const nodes = over.nodes ?? ['a', 'b', 'c'];
  return { key: 'ns/web', ips: [ip('192.0.2.10')], ports: [{ protocol: 'TCP', port: 80 }], interfaces: ['eth0'], nodes, table: spreadTable(nodes), ...over };
}

function input(services: SpreadService[], over: Partial<RenderInput> = {}): RenderInput {
  return { me: 'a', services, interfaceMac: (i) => (i === 'eth0' ? '02:00:00:00:00:0a' : undefined), nodeMac: (_i, n) => MACS[n], ...over };
}

/** The chain body named `name` (between its braces). */
function chain(text: string, name: string): string {
  const m = new RegExp(`chain ${name} \\{\\n([\\s\\S]*?)\\n  \\}`).exec(text);
  if (!m) throw new Error(`no chain ${name} in\n${text}`);
  return m[1]!;
}

describe('renderRuleset', () => {
  it('with nothing to spread, only removes the table (create-then-delete succeeds either way)', () => {
    const r = renderRuleset(input([]));
    expect(r.text).toBe(`table netdev ${TABLE_NAME}\ndelete table netdev ${TABLE_NAME}\n`);
    expect(r.text).toBe(REMOVE_RULESET);
    expect(r.counters).toEqual([]);
  });

  it('hooks the VIP and ports on the interface, hashing the client address and port into the table', () => {
    const { text } = renderRuleset(input([service({ ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }, { protocol: 'UDP', port: 53 }] })]));
    const hook = chain(text, 'ingress_0');
    expect(hook).toContain('type filter hook ingress device "eth0" priority -300; policy accept;');
    expect(hook).toContain('ip daddr { 192.0.2.10 } tcp dport { 80, 443 } jump i0_s0_v4');
    expect(hook).toContain('ip daddr { 192.0.2.10 } udp dport { 53 } jump i0_s0_v4');
    expect(hook).toContain('jump i0_s0_icmp4');
    expect(hook).not.toContain('ip6');
    const flow = chain(text, 'i0_s0_v4');
    expect(flow.split('\n')[0]).toContain('ip frag-off & 0x3fff != 0 accept');
    expect(flow).toContain('jhash ip saddr . th sport mod 256 seed 0x4c324c42 vmap {');
  });

  it('maps every bucket to the chain of the node the table names', () => {
    const svc = service();
    const { text } = renderRuleset(input([svc]));
    const entries = [...chain(text, 'i0_s0_v4').matchAll(/(\d+) : jump i0_s0_n(\d)/g)].map((m) => [Number(m[1]), svc.nodes[Number(m[2])]]);
    expect(entries).toEqual(svc.table.map((n, b) => [b, n]));
  });

  it('forwards other nodes\' buckets with both MACs rewritten and keeps its own', () => {
    const { text, counters } = renderRuleset(input([service()]));
    expect(chain(text, 'i0_s0_n0')).toMatch(/counter name "i0_s0_n0_packets" accept$/);
    expect(chain(text, 'i0_s0_n1')).toContain('ether saddr set 02:00:00:00:00:0a ether daddr set 02:00:00:00:00:0b fwd to "eth0"');
    expect(chain(text, 'i0_s0_n2')).toContain('ether daddr set 02:00:00:00:00:0c');
    expect(chain(text, 'i0_s0_n1')).toContain('tcp flags & (syn | ack) == syn counter name "i0_s0_n1_syns"');
    expect(counters.filter((c) => c.measure === 'packets').map((c) => [c.node, c.kind])).toEqual([['a', 'local'], ['b', 'forwarded'], ['c', 'forwarded']]);
    expect(text).toContain('counter i0_s0_n1_packets {');
  });

  it('keeps the buckets of a node whose MAC is unknown on this node, and says so in the legend', () => {
    const { text, counters } = renderRuleset(input([service()], { nodeMac: (_i, n) => (n === 'b' ? MACS['b'] : undefined) }));
    expect(chain(text, 'i0_s0_n2')).toMatch(/accept$/);
    expect(chain(text, 'i0_s0_n2')).not.toContain('fwd');
    expect(counters.find((c) => c.node === 'c')?.kind).toBe('unresolved');
  });

  it('never re-hashes a frame another node forwarded (loop guard on node MACs)', () => {
    const { text } = renderRuleset(input([service()]));
    expect(chain(text, 'ingress_0').split('\n')[1]).toBe('    ether saddr { 02:00:00:00:00:0b, 02:00:00:00:00:0c } accept');
  });

  it('IPv6: fragments stay local, ICMPv6 errors hash the inner destination and port', () => {
    const { text } = renderRuleset(input([service({ ips: [ip('192.0.2.10'), ip('2001:db8::10')] })]));
    expect(chain(text, 'ingress_0')).toContain('ip6 daddr { 2001:db8::10 } tcp dport { 80 } jump i0_s0_v6');
    expect(chain(text, 'i0_s0_v6')).toMatch(/^ {4}exthdr frag exists accept\n {4}jhash ip6 saddr \. th sport mod 256/);
    expect(chain(text, 'i0_s0_icmp6')).toContain('jhash @th,256,128 . @th,400,16 mod 256');
    expect(chain(text, 'i0_s0_icmp4')).toContain('jhash @th,192,32 . @th,240,16 mod 256');
    expect(chain(text, 'ingress_0')).toContain('icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } jump i0_s0_icmp6');
  });

  it('one ingress chain per interface; an interface without a MAC gets none', () => {
    const svc = service({ interfaces: ['eth0', 'eth1', 'eth2'] });
    const { text } = renderRuleset(input([svc], { interfaceMac: (i) => ({ eth0: '02:00:00:00:00:0a', eth1: '02:00:00:00:01:0a' })[i] }));
    expect(chain(text, 'ingress_0')).toContain('device "eth0"');
    expect(chain(text, 'ingress_1')).toContain('device "eth1"');
    expect(chain(text, 'i1_s0_n1')).toContain('ether saddr set 02:00:00:00:01:0a');
    expect(text).not.toContain('eth2');
  });

  it('several Services: each its own chains and counters', () => {
    const two = service({ key: 'ns/two', nodes: ['a', 'b'], table: spreadTable(['a', 'b']), ips: [ip('192.0.2.11')] });
    const { text, counters } = renderRuleset(input([service(), two]));
    expect(chain(text, 'ingress_0')).toContain('ip daddr { 192.0.2.11 } tcp dport { 80 } jump i0_s1_v4');
    expect(new Set(counters.map((c) => c.service))).toEqual(new Set(['ns/web', 'ns/two']));
    expect(new Set(counters.map((c) => c.name)).size).toBe(counters.length);
  });
});

describe('renderRuleset: stray packets', () => {
  it('counts packets for a Local Service this node cannot serve, without changing their path', () => {
    const stray = { key: 'ns/local', ips: [ip('192.0.2.20'), ip('2001:db8::20')], ports: [{ protocol: 'UDP' as const, port: 53 }], interfaces: ['eth0'] };
    const { text, counters } = renderRuleset(input([], { strays: [stray] }));
    const hook = chain(text, 'ingress_0');
    expect(hook).toContain('ip daddr { 192.0.2.20 } udp dport { 53 } counter name "i0_stray0"');
    expect(hook).toContain('ip6 daddr { 2001:db8::20 } udp dport { 53 } counter name "i0_stray0"');
    expect(hook).not.toMatch(/stray0".*(accept|drop|jump|fwd)/);
    expect(counters).toEqual([{ name: 'i0_stray0', service: 'ns/local', node: 'a', kind: 'stray', measure: 'packets' }]);
  });

  it('counts strays before the loop guard, which would accept frames from other nodes first', () => {
    const stray = { key: 'ns/local', ips: [ip('192.0.2.20')], ports: [{ protocol: 'TCP' as const, port: 80 }], interfaces: ['eth0'] };
    const lines = chain(renderRuleset(input([service()], { strays: [stray] })).text, 'ingress_0').split('\n');
    const strayAt = lines.findIndex((l) => l.includes('i0_stray0'));
    const guardAt = lines.findIndex((l) => l.includes('ether saddr {'));
    expect(strayAt).toBeGreaterThan(0);
    expect(strayAt).toBeLessThan(guardAt);
  });
});
