// Which nodes are dead, from the reports: a pure function of (topology, reports). Every speaker
// holds the same reports once they have flooded, so every speaker computes the same set.
// The rules are explained at the top of engine.ts; this file only computes them.
import { neighboursOf, type Topology } from './topology.js';

/** Per origin: the names it currently does not hear (already mapped from hashes). */
export type ReportSet = ReadonlyMap<string, ReadonlySet<string>>;

/** Membership test only: the engine answers it from its own bookkeeping without building a set. */
export interface NameTest {
  has(name: string): boolean;
}

const majority = (n: number): number => Math.floor(n / 2) + 1;

function deadOnce(t: Topology, reports: ReportSet, starting: NameTest, ignore: ReadonlySet<string>): Set<string> {
  // 1. Reports that count: from an expected origin not ignored, about one of its neighbours.
  const against = new Map<string, Set<string>>(); // subject -> reporters
  for (const [origin, suspects] of reports) {
    if (ignore.has(origin)) continue;
    const nbrs = neighboursOf(t, origin);
    for (const s of suspects) {
      if (!nbrs.has(s)) continue;
      let set = against.get(s);
      if (!set) against.set(s, (set = new Set()));
      set.add(origin);
    }
  }
  const raw = (s: string): number => against.get(s)?.size ?? 0;
  // 2. Mutual reports are about a link: the side more reported by others loses its word; on a
  //    tie both words are void (one bad link kills nobody).
  const credible = new Map<string, Set<string>>();
  for (const [s, reporters] of against) {
    for (const x of reporters) {
      const mutual = against.get(x)?.has(s) === true;
      if (mutual && !(raw(s) > raw(x))) continue;
      let set = credible.get(s);
      if (!set) credible.set(s, (set = new Set()));
      set.add(x);
    }
  }
  // 3. S is dead when a majority of its neighbours report it, counting as reporting those that
  //    are themselves credibly reported by someone other than S, or are starting (a dead, cut or
  //    just started observer cannot vouch for S, so it must not block the decision).
  const dead = new Set<string>();
  for (const [s, reporters] of credible) {
    const nbrs = neighboursOf(t, s);
    let votes = reporters.size;
    for (const x of nbrs) {
      if (reporters.has(x)) continue;
      const onX = credible.get(x);
      if ((onX && (onX.size > 1 || !onX.has(s))) || starting.has(x)) votes++;
    }
    if (votes >= majority(nbrs.size)) dead.add(s);
  }
  return dead;
}

/**
 * The dead set. A second pass ignores what the dead themselves last reported: a killed node's
 * final report stays in everyone's table until it returns, and must not weigh on the living.
 */
export function decideDead(t: Topology, reports: ReportSet, starting: NameTest = new Set()): Set<string> {
  const first = deadOnce(t, reports, starting, new Set());
  if (first.size === 0) return first;
  const stale = [...first].filter((d) => (reports.get(d)?.size ?? 0) > 0);
  return stale.length === 0 ? first : deadOnce(t, reports, starting, new Set(stale));
}
