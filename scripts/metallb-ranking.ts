// MetalLB's layer 2 ranking next to l2lb's, to show what an in-place switch does to each VIP.
// MetalLB (v0.16, as its preferred-node design document describes it) orders the eligible nodes
// by sha256(nodeName + "#" + ip) ascending, bytewise, and the first announces; l2lb orders them
// by murmur3 x86-128 of the same string (speaker/election/rank.ts). Same inputs, different hash:
// for a given VIP the two may pick different nodes. Written from that description, not from
// MetalLB's code.
import { createHash } from 'node:crypto';
import { rankCandidates } from '../speaker/election/rank.js';

/** Nodes in MetalLB's order for ip (first announces). */
export function metallbOrder(ip: string, nodes: readonly string[]): string[] {
  const scored = [...new Set(nodes)].map((name) => ({ name, h: createHash('sha256').update(`${name}#${ip}`).digest() }));
  scored.sort((a, b) => Buffer.compare(a.h, b.h));
  return scored.map((s) => s.name);
}

export interface VipComparison {
  readonly ip: string;
  readonly metallb: string;
  readonly l2lb: string;
  readonly moves: boolean;
}

export function compareOwners(ips: readonly string[], nodes: readonly string[]): VipComparison[] {
  return ips.map((ip) => {
    const metallb = metallbOrder(ip, nodes)[0] ?? '';
    const l2lb = rankCandidates(ip, nodes)[0] ?? '';
    return { ip, metallb, l2lb, moves: metallb !== l2lb };
  });
}
