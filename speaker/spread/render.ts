// The nftables ruleset that spreads flows, as text for `nft -f`. Pure: a plan and the MACs in,
// the ruleset and a legend of its counters out.
//
// One netdev table, one ingress chain per interface (before the IP stack). A packet to a spread
// Service's VIP and port is hashed on the client's address and port (jhash, fixed seed, mod the
// table size), and the bucket's verdict either accepts it (this node's buckets: up its own stack,
// to kube-proxy as without spreading) or jumps to the node's chain, which rewrites the Ethernet
// addresses (destination: the node; source: this interface, so switches do not learn the
// client's MAC on our port) and sends the frame back out of the same interface. The node's
// kube-proxy treats it as any packet for the load-balancer IP, and its reply goes straight to the
// client.
//
// ICMP errors about a flow (fragmentation needed, unreachable) are addressed to the VIP and
// carry the flow's reply (from the VIP to the client) inside: hashing the inner destination
// address and port gives the same bucket as the flow, so they reach the flow's node. Fragments
// stay on this node: a non-first fragment has no ports to hash, so all fragments of a datagram
// go up this node's stack together (it reassembles them; kube-proxy forwards as usual).
import { formatIp, type IpAddress } from '../../shared/ip/address.js';
import type { PortProtocol, ServicePort, SpreadService } from './plan.js';

export const TABLE_NAME = 'l2lb_spread';
/** "L2LB": every speaker must hash with the same seed, or a new owner would move every flow. */
export const HASH_SEED = 0x4c324c42;
/** Early enough to run before anything else in the ingress path; nothing else is there with kube-proxy. */
const PRIORITY = -300;

export type CounterKind = 'forwarded' | 'local' | 'unresolved' | 'stray';

export interface CounterEntry {
  /** The named nft counter. */
  readonly name: string;
  readonly service: string;
  readonly node: string;
  readonly kind: CounterKind;
  /** packets: every packet of the node's buckets; syns: TCP connection attempts among them (new flows). */
  readonly measure: 'packets' | 'syns';
}

/**
 * A spread Service with externalTrafficPolicy Local that has no active endpoint on this node, so
 * no owner should send it here: packets for it that arrive anyway (an owner whose table is out of
 * date) are counted, and kube-proxy drops them; the speaker logs them.
 */
export interface StrayWatch {
  readonly key: string;
  readonly ips: readonly IpAddress[];
  readonly ports: readonly ServicePort[];
  /** Where to count: this node's usable interfaces. */
  readonly interfaces: readonly string[];
}

export interface RenderInput {
  readonly me: string;
  readonly services: readonly SpreadService[];
  readonly strays?: readonly StrayWatch[];
  /** MAC of an interface of this node, lower-case "aa:bb:..", undefined when unknown. */
  readonly interfaceMac: (iface: string) => string | undefined;
  /** MAC by which `node` is reached on `iface`, undefined when not resolved. */
  readonly nodeMac: (iface: string, node: string) => string | undefined;
}

export interface Ruleset {
  readonly text: string;
  readonly counters: readonly CounterEntry[];
}

const q = (s: string): string => JSON.stringify(s);
const l4 = (p: PortProtocol): string => p.toLowerCase();

/** The statements that replace the whole table in one transaction (nft -f is atomic). */
export function renderRuleset(input: RenderInput): Ruleset {
  const counters: CounterEntry[] = [];
  const objects: string[] = [];
  const chains: string[] = [];
  const strays = input.strays ?? [];
  const interfaces = [...new Set([...input.services, ...strays].flatMap((s) => s.interfaces))].sort();
  interfaces.forEach((iface, ii) => {
    const ownMac = input.interfaceMac(iface);
    if (ownMac === undefined) return;
    const hooks: string[] = [];
    const nodeMacs = new Set<string>();
    input.services.forEach((svc, si) => {
      if (!svc.interfaces.includes(iface)) return;
      const prefix = `i${ii}_s${si}`;
      const verdicts = svc.nodes.map((node, ni) => {
        const chain = `${prefix}_n${ni}`;
        const mac = node === input.me ? undefined : input.nodeMac(iface, node);
        const kind: CounterKind = node === input.me ? 'local' : mac === undefined ? 'unresolved' : 'forwarded';
        for (const measure of ['packets', 'syns'] as const) counters.push({ name: `${chain}_${measure}`, service: svc.key, node, kind, measure });
        objects.push(`  counter ${chain}_packets {\n  }`, `  counter ${chain}_syns {\n  }`);
        const body = [`    tcp flags & (syn | ack) == syn counter name ${q(`${chain}_syns`)}`];
        if (mac === undefined) {
          // This node's buckets, and a node whose MAC is not known yet: up this node's stack.
          body.push(`    counter name ${q(`${chain}_packets`)} accept`);
        } else {
          nodeMacs.add(mac);
          body.push(`    counter name ${q(`${chain}_packets`)} ether saddr set ${ownMac} ether daddr set ${mac} fwd to ${q(iface)}`);
        }
        chains.push(`  chain ${chain} {\n${body.join('\n')}\n  }`);
        return chain;
      });
      const vmap = `vmap { ${svc.table.map((node, b) => `${b} : jump ${verdicts[svc.nodes.indexOf(node)]!}`).join(', ')} }`;
      const hash = (key: string): string => `jhash ${key} mod ${svc.table.length} seed 0x${HASH_SEED.toString(16)} ${vmap}`;
      for (const family of [4, 6] as const) {
        const vips = svc.ips.filter((ip: IpAddress) => ip.family === family).map(formatIp);
        if (vips.length === 0) continue;
        const ip = family === 4 ? 'ip' : 'ip6';
        const flow = `${prefix}_v${family}`;
        const icmp = `${prefix}_icmp${family}`;
        const fragment = family === 4 ? 'ip frag-off & 0x3fff != 0 accept' : 'exthdr frag exists accept';
        chains.push(`  chain ${flow} {\n    ${fragment}\n    ${hash(`${ip} saddr . th sport`)}\n  }`);
        // The inner header starts 8 bytes into the ICMP message; its destination is the client.
        // IPv4: inner daddr at byte 16, the inner ports after a 20-byte header (options are not
        // followed: such errors go to the bucket of whatever those bytes hold).
        const inner = family === 4 ? '@th,192,32 . @th,240,16' : '@th,256,128 . @th,400,16';
        chains.push(`  chain ${icmp} {\n    ${hash(inner)}\n  }`);
        const daddr = `${ip} daddr { ${vips.join(', ')} }`;
        for (const proto of [...new Set(svc.ports.map((p) => p.protocol))]) {
          const ports = svc.ports.filter((p) => p.protocol === proto).map((p) => p.port);
          hooks.push(`    ${daddr} ${l4(proto)} dport { ${ports.join(', ')} } jump ${flow}`);
        }
        hooks.push(family === 4
          ? `    ${daddr} icmp type { destination-unreachable, time-exceeded, parameter-problem } jump ${icmp}`
          : `    ${daddr} icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } jump ${icmp}`);
      }
    });
    // Counted before the loop guard: strays arrive from another node's MAC by definition.
    const strayHooks: string[] = [];
    strays.forEach((stray, si) => {
      if (!stray.interfaces.includes(iface)) return;
      const name = `i${ii}_stray${si}`;
      counters.push({ name, service: stray.key, node: input.me, kind: 'stray', measure: 'packets' });
      objects.push(`  counter ${name} {\n  }`);
      for (const family of [4, 6] as const) {
        const vips = stray.ips.filter((ip) => ip.family === family).map(formatIp);
        if (vips.length === 0) continue;
        for (const proto of [...new Set(stray.ports.map((p) => p.protocol))]) {
          const ports = stray.ports.filter((p) => p.protocol === proto).map((p) => p.port);
          strayHooks.push(`    ${family === 4 ? 'ip' : 'ip6'} daddr { ${vips.join(', ')} } ${l4(proto)} dport { ${ports.join(', ')} } counter name ${q(name)}`);
        }
      }
    });
    if (hooks.length + strayHooks.length === 0) return;
    // A frame another speaker already forwarded (its source is a node's MAC) is never hashed
    // again: two owners with different tables for a moment must not bounce frames between them.
    const guard = nodeMacs.size > 0 ? [`    ether saddr { ${[...nodeMacs].sort().join(', ')} } accept`] : [];
    chains.push(`  chain ingress_${ii} {\n    type filter hook ingress device ${q(iface)} priority ${PRIORITY}; policy accept;\n${[...strayHooks, ...guard, ...hooks].join('\n')}\n  }`);
  });
  return { text: wrap([...objects, ...chains]), counters };
}

/** Create-then-delete makes the delete succeed whether or not the table exists; all one transaction. */
function wrap(body: readonly string[]): string {
  const head = `table netdev ${TABLE_NAME}\ndelete table netdev ${TABLE_NAME}\n`;
  return body.length === 0 ? head : `${head}table netdev ${TABLE_NAME} {\n${body.join('\n')}\n}\n`;
}

/** Removes the table (and with it every hook): single-node behaviour at once. */
export const REMOVE_RULESET = wrap([]);
