// How the owner learns the MAC of each node it forwards to: the kernel's IPv4 neighbour table
// (/proc/net/arp) for the node's InternalIP on the announcing interface. Pure parsing here; the
// shell (macs.ts) reads the file and provokes resolution of the addresses it lacks.
import type { V1Node } from '@kubernetes/client-node';

export interface NeighbourEntry {
  readonly ip: string;
  readonly mac: string;
  readonly device: string;
}

/** ATF_COM: the entry is resolved (an incomplete one has an all-zero address). */
const COMPLETE = 0x2;

/** /proc/net/arp: a header line, then "IP HWtype Flags HWaddress Mask Device". */
export function parseArpTable(text: string): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [ip, , flags, mac, , device] = f as [string, string, string, string, string, string];
    if ((Number.parseInt(flags, 16) & COMPLETE) === 0) continue;
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac) || /^(00:){5}00$/.test(mac)) continue;
    out.push({ ip, mac: mac.toLowerCase(), device });
  }
  return out;
}

/** A node's IPv4 InternalIPs (the addresses its peers reach it by on the node network). */
export function nodeIpv4s(node: V1Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address)).map((a) => a.address);
}

/** node -> MAC on `device`, from the first of its addresses the table resolves there. */
export function macsOnDevice(device: string, nodes: ReadonlyMap<string, readonly string[]>, table: readonly NeighbourEntry[]): Map<string, string> {
  const byIp = new Map(table.filter((e) => e.device === device).map((e) => [e.ip, e.mac]));
  const out = new Map<string, string>();
  for (const [node, ips] of nodes) {
    const mac = ips.map((ip) => byIp.get(ip)).find((m) => m !== undefined);
    if (mac !== undefined) out.set(node, mac);
  }
  return out;
}
