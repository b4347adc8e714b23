// The spreading table: which node serves each of a fixed number of hash buckets. Pure, and a
// function of the set of node names only (not their order, not the VIP, not who computes it), so
// every speaker that becomes a VIP's owner forwards each flow to the node the previous owner chose:
// a connection whose node survives an owner failover keeps its conntrack state and its socket.
//
// Rendezvous hashing per bucket: a bucket goes to the node with the highest hash of
// (node, bucket). When a node leaves, exactly its buckets move (each to the runner-up of that
// bucket) and every other bucket stays: a stronger guarantee than Maglev's near-minimal moves,
// paid for with buckets x nodes hashes (256 x 100 nodes is 25,600 hashes, a few milliseconds).
// Nodes get an even share on average (256 buckets over 3 nodes: about 85 each, give or take 9).
import { compareHash, murmur3x86128 } from '../election/murmur3.js';

/** Buckets per table. The data path computes `hash(flow) mod BUCKETS`; a power of two is not needed. */
export const BUCKETS = 256;

/** Bucket index -> node name, BUCKETS entries; empty when there are no nodes. */
export type SpreadTable = readonly string[];

export function spreadTable(nodes: Iterable<string>, buckets: number = BUCKETS): SpreadTable {
  const names = [...new Set(nodes)].sort();
  if (names.length === 0) return [];
  const out: string[] = new Array<string>(buckets);
  for (let b = 0; b < buckets; b++) {
    let best = names[0]!;
    let bestHash = murmur3x86128(`${best}#bucket-${b}`);
    for (let i = 1; i < names.length; i++) {
      const h = murmur3x86128(`${names[i]!}#bucket-${b}`);
      // Highest hash wins; names are unique, so equal hashes (astronomically unlikely) keep the
      // first name in sorted order and the result stays order-independent.
      if (compareHash(h, bestHash) > 0) {
        best = names[i]!;
        bestHash = h;
      }
    }
    out[b] = best;
  }
  return out;
}

/** Buckets per node, for logs, Events and the status (node -> count, nodes sorted). */
export function bucketShares(table: SpreadTable): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of table) counts.set(n, (counts.get(n) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** "node-a=86 node-b=85 node-c=85": a one-line summary that changes exactly when the shares do. */
export function describeShares(table: SpreadTable): string {
  return [...bucketShares(table)].map(([n, c]) => `${n}=${c}`).join(' ');
}
