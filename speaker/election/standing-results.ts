// A standing's results as a map computed on read. After a membership change the speaker reads the
// results of the few groups whose owner moved; building one result object per Service (10,000 at
// scale) on every change would cost more than the re-election itself. A result is made when it
// is read, from the standing's owner of its group; iterating makes them all once.
import type { Ballots } from './elect.js';
import type { Standing } from './incremental.js';
import { NO_CANDIDATES } from './elect.js';
import { amongAlive, rankCandidates, type Scores } from './rank.js';
import type { ElectionReason, ElectionResult } from './types.js';

/** Where a Service's result comes from: a member of a group, or (null) the ballots' fixed results. */
interface Place {
  readonly group: number;
  readonly member: number;
}

const NOBODY: ReadonlySet<string> = new Set();

/** Per ballots, computed once: every Service key and its place, in electAll's order. */
const places = new WeakMap<Ballots, ReadonlyMap<string, Place | null>>();

function placesOf(b: Ballots): ReadonlyMap<string, Place | null> {
  let index = places.get(b);
  if (index) return index;
  const out = new Map<string, Place | null>();
  for (const key of b.fixed.keys()) out.set(key, null);
  b.groups.forEach((g, group) => g.members.forEach((m, member) => out.set(m.svc.key, { group, member })));
  places.set(b, (index = out));
  return index;
}

/** A result whose candidate order is ranked only when read (the speaker reads the first). */
class StandingResult implements ElectionResult {
  private ranked: readonly string[] | null = null;
  constructor(
    readonly owner: string | null,
    readonly reason: ElectionReason,
    readonly keyIp: string,
    private readonly offered: ReadonlySet<string>,
    private readonly scores: Scores,
    private readonly alive: ReadonlySet<string>,
  ) {}

  get candidates(): readonly string[] {
    this.ranked ??= this.offered.size === 0 ? NO_CANDIDATES : rankCandidates(this.keyIp, amongAlive(this.offered, this.alive), this.scores);
    return this.ranked;
  }
}

/** The results electAll gives for the standing's alive set, keyed by Service key. */
export class StandingResults implements ReadonlyMap<string, ElectionResult> {
  private readonly index: ReadonlyMap<string, Place | null>;
  private all: Map<string, ElectionResult> | undefined;

  constructor(private readonly standing: Standing) {
    this.index = placesOf(standing.ballots);
  }

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): ElectionResult | undefined {
    const place = this.index.get(key);
    if (place === undefined) return undefined;
    if (place === null) return this.standing.ballots.fixed.get(key);
    const g = this.standing.ballots.groups[place.group];
    const m = g?.members[place.member];
    if (!g || !m) return undefined;
    const owner = this.standing.owners[place.group] ?? null;
    const { wanted: w, refusedScores } = m;
    if (w.ok) return new StandingResult(owner, owner === null ? 'noCandidates' : 'elected', g.keyIp, g.common ?? NOBODY, g.scores, this.standing.alive);
    return new StandingResult(null, w.reason, g.keyIp, w.refused?.nodes ?? NOBODY, refusedScores, this.standing.alive);
  }

  forEach(f: (value: ElectionResult, key: string, map: ReadonlyMap<string, ElectionResult>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.materialized()) f.call(thisArg, value, key, this);
  }

  entries(): MapIterator<[string, ElectionResult]> {
    return this.materialized().entries();
  }

  keys(): MapIterator<string> {
    return this.index.keys();
  }

  values(): MapIterator<ElectionResult> {
    return this.materialized().values();
  }

  [Symbol.iterator](): MapIterator<[string, ElectionResult]> {
    return this.entries();
  }

  private materialized(): Map<string, ElectionResult> {
    if (this.all) return this.all;
    const out = new Map<string, ElectionResult>();
    for (const key of this.index.keys()) {
      const r = this.get(key);
      if (r) out.set(key, r);
    }
    return (this.all = out);
  }
}
