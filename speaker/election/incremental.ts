// Re-electing after a membership change without re-ranking every VIP.
//
// WHY IT EQUALS electAll
// Liveness enters the election in one place: a node that is not alive is dropped from the usable
// nodes. Every later step only intersects or unites node sets by per-node rules (advertisement
// node selectors, endpoints for Local, the nodes common to a group), and a node's preference
// score depends on its own labels alone. So with alive set A, a group's candidates are exactly
// its candidates with every node alive (its `ballot`, computed once) restricted to A, in the same
// order: the ranking is a total order on (score, hash, name) of each node by itself. Reasons do
// not depend on A either, except elected / noCandidates. Hence the owner is the first node of
// the ballot's order that is in A, and after a change from A to A':
//  - a group whose owner is still in A' keeps it unless a node of A' \ A that its ballot offers
//    ranks before it (the minimum of a set shrunk by others is unchanged; a grown set's minimum is
//    the smaller of the old minimum and the newcomers');
//  - a group whose owner left A' is ranked again over its ballot within A'.
// A death costs one ranking per group the dead node owned (VIPs / N of them, N hashes each); a
// return costs one hash per group that may take the returning node. Anything else that changes
// (Services, Nodes, pools, advertisements) needs new ballots: a full election again.
import { ballots, type Ballot, type Ballots } from './elect.js';
import { amongAlive, ownerFor, ranksBefore } from './rank.js';
import { StandingResults } from './standing-results.js';
import type { ElectionInput, ElectionResult } from './types.js';

/** Owners of every group for one alive set, over ballots computed with every node alive. */
export interface Standing {
  readonly ballots: Ballots;
  readonly alive: ReadonlySet<string>;
  /** Per group (ballots.groups order): the owner, or null. */
  readonly owners: readonly (string | null)[];
}

/** Everything but liveness: the input with every node alive. */
export function ballotsFor(input: Omit<ElectionInput, 'alivePeers'>): Ballots {
  return ballots({ ...input, alivePeers: new Set(input.nodes.map((n) => n.name)) });
}

function ownerOf(g: Ballot, alive: ReadonlySet<string>): string | null {
  return g.common === null ? null : ownerFor(g.keyIp, amongAlive(g.common, alive), g.scores);
}

/** A full election over the ballots: one ranking pass per group. */
export function stand(b: Ballots, alive: ReadonlySet<string>): Standing {
  return { ballots: b, alive, owners: b.groups.map((g) => ownerOf(g, alive)) };
}

export interface Reelection {
  readonly standing: Standing;
  /** Groups (indexes into ballots.groups) whose owner changed. */
  readonly moved: readonly number[];
}

/** The standing for a new alive set, touching only the groups whose owner can change. */
export function reelect(prev: Standing, alive: ReadonlySet<string>): Reelection {
  const born: string[] = [];
  for (const n of alive) if (!prev.alive.has(n)) born.push(n);
  const owners = [...prev.owners];
  const moved: number[] = [];
  prev.ballots.groups.forEach((g, i) => {
    const was = owners[i] ?? null;
    let owner = was;
    if (owner !== null && !alive.has(owner)) owner = ownerOf(g, alive);
    else if (g.common !== null) {
      for (const n of born) if (g.common.has(n) && (owner === null || ranksBefore(g.keyIp, n, owner, g.scores))) owner = n;
    }
    if (owner !== was) {
      owners[i] = owner;
      moved.push(i);
    }
  });
  return { standing: { ...prev, alive, owners }, moved };
}

/** The results electAll gives for the standing's alive set, keyed by Service key (made when read). */
export function resultsOf(s: Standing): ReadonlyMap<string, ElectionResult> {
  return new StandingResults(s);
}
