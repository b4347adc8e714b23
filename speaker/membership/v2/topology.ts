// Who watches whom. Every speaker derives the same graph from the same expected peer list, so no
// message is needed to agree on it.
//  - Up to FULL_MESH_MAX nodes: everyone watches everyone (at most 8 neighbours anyway).
//  - Beyond: RINGS rings, each ordering the names by a hash salted with the ring number; a node's
//    neighbours are its predecessor and successor on every ring. At most 2 × RINGS = 8 neighbours,
//    whatever N; the relation is symmetric (X follows Y on a ring iff Y precedes X), and a union of
//    random rings is an expander: a report crosses the cluster in about log N / log 8 relays.
import { createHash } from 'node:crypto';
import { nameHash } from './codec.js';

export const RINGS = 4;
export const FULL_MESH_MAX = 2 * RINGS + 1;

export interface Topology {
  /** The expected names (this node included), sorted. */
  readonly names: readonly string[];
  readonly neighbours: ReadonlyMap<string, ReadonlySet<string>>;
  /** nameHash(name) to name, for the suspects of reports. */
  readonly byHash: ReadonlyMap<string, string>;
  readonly hashOf: ReadonlyMap<string, string>;
}

const NONE: ReadonlySet<string> = new Set();

export function neighboursOf(t: Topology, name: string): ReadonlySet<string> {
  return t.neighbours.get(name) ?? NONE;
}

const ringKey = (ring: number, name: string): string => createHash('sha256').update(`${ring}#${name}`).digest('hex').slice(0, 16);

function build(names: readonly string[]): Topology {
  const neighbours = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
  if (names.length <= FULL_MESH_MAX) {
    for (const a of names) for (const b of names) if (a !== b) neighbours.get(a)?.add(b);
  } else {
    for (let r = 0; r < RINGS; r++) {
      const ring = names.map((name) => ({ name, key: ringKey(r, name) })).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.name < y.name ? -1 : 1));
      for (let i = 0; i < ring.length; i++) {
        const me = (ring[i] as { name: string }).name;
        const next = (ring[(i + 1) % ring.length] as { name: string }).name;
        neighbours.get(me)?.add(next);
        neighbours.get(next)?.add(me);
      }
    }
  }
  const hashOf = new Map(names.map((n) => [n, nameHash(n)]));
  const byHash = new Map([...hashOf].map(([n, h]) => [h, n]));
  return { names, neighbours, byHash, hashOf };
}

// The last few graphs, by peer list: a simulation runs thousands of nodes over one list, and a
// speaker rebuilds only when Kubernetes changes the list.
const cache: { key: string; topology: Topology }[] = [];
const CACHE_SIZE = 4;

export function topologyFor(names: Iterable<string>): Topology {
  const sorted = [...new Set(names)].sort();
  const key = sorted.join('\n');
  const hit = cache.find((c) => c.key === key);
  if (hit) return hit.topology;
  const topology = build(sorted);
  cache.unshift({ key, topology });
  cache.length = Math.min(cache.length, CACHE_SIZE);
  return topology;
}
