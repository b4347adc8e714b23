// decideDead (decide.ts) kept up to date as reports change, so a received report costs what it
// changes, not a walk over every report held: while a DaemonSet rolls out over a large cluster,
// every started node reports its not-yet-started neighbours, and a full decision per received
// datagram was O(N) each. decide.ts stays the specification; decide-incremental.test.ts checks
// this against it after every step of random changes.
//
// Why a change stays local. In one pass, `against[S]` holds the counted reports on S (from S's
// neighbours). `credible[S]` reads against[S] and, for each reporter X, against[X] (its size and
// whether S reports X). S's verdict reads credible[S], credible[X] and starting(X) of its
// neighbours X. So when the edge "O reports S" appears or goes, only credible[S] and credible[T]
// for the T that S reports (O among them when the two report each other) can change, and only
// the verdicts of those subjects and of their neighbours: at most 9 × 9 whatever N. The second pass ignores the reports of the
// nodes the first found dead; a verdict of the first that changes ignores or restores that
// node's own reports in the second, again a bounded set of edges.
import { majority, type NameTest } from './decide.js';
import { neighboursOf, type Topology } from './topology.js';

const NONE: ReadonlySet<string> = new Set();

/** One pass of the decision: the reports of `ignored` origins do not count. */
class Pass {
  readonly dead = new Set<string>();
  readonly ignored = new Set<string>();
  /** subject -> origins whose counted report lists it */
  private readonly against = new Map<string, Set<string>>();
  /** subject -> the reporters whose word stands (present only when non-empty) */
  private readonly credible = new Map<string, Set<string>>();
  /** origin -> the subjects its report counts against (its suspects that are its neighbours) */
  private readonly edges = new Map<string, readonly string[]>();
  private readonly dirtyCredible = new Set<string>();
  private readonly dirtyVerdict = new Set<string>();

  constructor(
    private readonly t: Topology,
    private readonly reports: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly starting: NameTest,
  ) {}

  /** The report of `origin` (or whether it is ignored) changed. */
  refresh(origin: string): void {
    const old = this.edges.get(origin) ?? [];
    const next: string[] = [];
    if (!this.ignored.has(origin)) {
      const nbrs = neighboursOf(this.t, origin);
      for (const s of this.reports.get(origin) ?? NONE) if (nbrs.has(s)) next.push(s);
    }
    for (const s of old) if (!next.includes(s)) this.removeEdge(origin, s);
    for (const s of next) if (!old.includes(s)) this.addEdge(origin, s);
    if (next.length > 0) this.edges.set(origin, next);
    else this.edges.delete(origin);
  }

  /** starting(name) changed: it counts in its neighbours' verdicts. */
  startingChanged(name: string): void {
    for (const x of neighboursOf(this.t, name)) this.dirtyVerdict.add(x);
  }

  /** Re-decides what the changes since the last call can affect; returns the verdicts that moved. */
  flush(): string[] {
    for (const s of this.dirtyCredible) {
      const next = this.computeCredible(s);
      const old = this.credible.get(s);
      if (sameSet(old, next)) continue;
      if (next.size > 0) this.credible.set(s, next);
      else this.credible.delete(s);
      this.dirtyVerdict.add(s);
      for (const x of neighboursOf(this.t, s)) this.dirtyVerdict.add(x);
    }
    this.dirtyCredible.clear();
    const moved: string[] = [];
    for (const s of this.dirtyVerdict) {
      const dead = this.verdict(s);
      if (dead === this.dead.has(s)) continue;
      if (dead) this.dead.add(s);
      else this.dead.delete(s);
      moved.push(s);
    }
    this.dirtyVerdict.clear();
    return moved;
  }

  private addEdge(origin: string, s: string): void {
    let set = this.against.get(s);
    if (!set) this.against.set(s, (set = new Set()));
    set.add(origin);
    this.touched(s);
  }

  private removeEdge(origin: string, s: string): void {
    const set = this.against.get(s);
    set?.delete(origin);
    if (set?.size === 0) this.against.delete(s);
    this.touched(s);
  }

  /** The credibility that can change with an edge "... reports s" (see the header). */
  private touched(s: string): void {
    this.dirtyCredible.add(s);
    for (const t of this.edges.get(s) ?? []) this.dirtyCredible.add(t);
  }

  private raw(s: string): number {
    return this.against.get(s)?.size ?? 0;
  }

  private computeCredible(s: string): Set<string> {
    const out = new Set<string>();
    for (const x of this.against.get(s) ?? NONE) {
      const mutual = this.against.get(x)?.has(s) === true;
      if (mutual && !(this.raw(s) > this.raw(x))) continue;
      out.add(x);
    }
    return out;
  }

  private verdict(s: string): boolean {
    const reporters = this.credible.get(s);
    if (!reporters) return false;
    const nbrs = neighboursOf(this.t, s);
    let votes = reporters.size;
    for (const x of nbrs) {
      if (reporters.has(x)) continue;
      const onX = this.credible.get(x);
      if ((onX && (onX.size > 1 || !onX.has(s))) || this.starting.has(x)) votes++;
    }
    return votes >= majority(nbrs.size);
  }
}

function sameSet(a: ReadonlySet<string> | undefined, b: ReadonlySet<string>): boolean {
  if ((a?.size ?? 0) !== b.size) return false;
  for (const x of b) if (!a?.has(x)) return false;
  return true;
}

/**
 * The dead set of decideDead over reports and starting marks that change one origin at a time.
 * Set a report or flip a mark, then call flush() once for the batch of changes.
 */
export class IncrementalDecision {
  private readonly held = new Map<string, ReadonlySet<string>>();
  private readonly first: Pass;
  private readonly second: Pass;
  /** Origins whose report became empty or not: whether the second pass ignores them may change. */
  private readonly emptiness = new Set<string>();

  /**
   * `starting` is read when a verdict is re-decided: the owner keeps the marks (a speaker has
   * them in its held reports) and calls startingChanged() when one flips.
   */
  constructor(
    readonly topology: Topology,
    starting: NameTest,
  ) {
    this.first = new Pass(topology, this.held, starting);
    this.second = new Pass(topology, this.held, starting);
  }

  /** The non-empty reports (origin to suspected names). */
  get reports(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.held;
  }

  setReport(origin: string, suspects: ReadonlySet<string>): void {
    const old = this.held.get(origin);
    if (old === suspects || (old === undefined && suspects.size === 0)) return;
    if (suspects.size > 0) this.held.set(origin, suspects);
    else this.held.delete(origin);
    if ((old === undefined) !== (suspects.size === 0)) this.emptiness.add(origin);
    this.first.refresh(origin);
    this.second.refresh(origin);
  }

  startingChanged(origin: string): void {
    this.first.startingChanged(origin);
    this.second.startingChanged(origin);
  }

  /** Applies the changes since the last call; returns the names whose verdict may have moved. */
  flush(): string[] {
    const moved = this.first.flush();
    // Second pass: the last reports of the nodes the first pass finds dead do not count.
    for (const d of [...moved, ...this.emptiness]) {
      const ignore = this.first.dead.has(d) && (this.held.get(d)?.size ?? 0) > 0;
      if (ignore === this.second.ignored.has(d)) continue;
      if (ignore) this.second.ignored.add(d);
      else this.second.ignored.delete(d);
      this.second.refresh(d);
    }
    this.emptiness.clear();
    return this.second.flush();
  }

  /** The dead set, as decideDead(topology, reports, starting) would give it. */
  dead(): ReadonlySet<string> {
    return this.second.dead;
  }
}
