// IncrementalDecision against its specification, decideDead: random sequences of report changes
// (neighbours and non-neighbours, emptied reports, whole neighbourhoods), starting marks, and
// batches of several changes before one flush, on full meshes and ring topologies; after every
// flush the dead set must equal decideDead's, and the names flush() returns must be exactly the
// verdicts that moved. Topology changes rebuild the decision (the engine does the same).
import { randomInt } from 'node:crypto';
import { rng } from '../sim/network.js';
import { decideDead } from './decide.js';
import { IncrementalDecision } from './decide-incremental.js';
import { neighboursOf, topologyFor, type Topology } from './topology.js';

const sorted = (s: Iterable<string>): string[] => [...s].sort();

function run(seed: number, sizes: readonly number[], steps: number): void {
  const pick = rng(seed);
  const any = <T>(xs: readonly T[]): T => xs[Math.floor(pick() * xs.length)] as T;
  let t: Topology = topologyFor([]);
  let decision = new IncrementalDecision(t, new Set());
  const reports = new Map<string, ReadonlySet<string>>();
  const starting = new Set<string>();
  const rebuild = (): void => {
    const n = any(sizes);
    t = topologyFor(Array.from({ length: n }, (_, i) => `n${i}`));
    for (const o of [...reports.keys()]) if (!t.neighbours.has(o)) reports.delete(o);
    for (const o of [...starting]) if (!t.neighbours.has(o)) starting.delete(o);
    decision = new IncrementalDecision(t, starting);
    for (const [o, s] of reports) decision.setReport(o, s);
    decision.flush();
  };
  rebuild();
  for (let step = 0; step < steps; step++) {
    const before = new Set(decision.dead());
    let rebuilt = false;
    const changes = 1 + Math.floor(pick() * (pick() < 0.2 ? 12 : 2));
    for (let c = 0; c < changes; c++) {
      const o = any(t.names);
      const r = pick();
      if (r < 0.55) {
        // A report about some of its neighbours, sometimes with a name it does not watch.
        const nbrs = [...neighboursOf(t, o)];
        const s = new Set(nbrs.filter(() => pick() < (pick() < 0.3 ? 0.9 : 0.3)));
        if (pick() < 0.1) s.add(any(t.names));
        if (s.size > 0) reports.set(o, s);
        else reports.delete(o);
        decision.setReport(o, s);
      } else if (r < 0.8) {
        reports.delete(o);
        decision.setReport(o, new Set());
      } else if (r < 0.95) {
        const on = pick() < 0.4;
        if (on === starting.has(o)) continue;
        if (on) starting.add(o);
        else starting.delete(o);
        decision.startingChanged(o);
      } else if (r < 0.97) {
        // Everyone around a node reports it (a death), with the node reporting them back.
        for (const x of neighboursOf(t, o)) {
          const s = new Set([...(reports.get(x) ?? []), o]);
          reports.set(x, s);
          decision.setReport(x, s);
        }
        const back = new Set(neighboursOf(t, o));
        reports.set(o, back);
        decision.setReport(o, back);
      } else {
        rebuild();
        rebuilt = true;
      }
    }
    const moved = decision.flush();
    const expected = decideDead(t, reports, starting);
    const got = decision.dead();
    if (sorted(got).join() !== sorted(expected).join()) {
      throw new Error(`seed ${seed} step ${step} (${t.names.length} nodes): incremental ${sorted(got).join(',')} but decideDead ${sorted(expected).join(',')}`);
    }
    if (rebuilt) continue;
    const reallyMoved = t.names.filter((n) => before.has(n) !== got.has(n));
    // flush() may name a verdict that moved and moved back within the batch, never miss one.
    for (const n of reallyMoved) if (!moved.includes(n)) throw new Error(`seed ${seed} step ${step}: ${n} moved but flush() did not name it`);
  }
}

describe('IncrementalDecision equals decideDead', () => {
  it.each([
    ['full meshes (3 to 9 nodes)', [3, 4, 5, 9]],
    ['rings (10 to 60 nodes)', [10, 17, 40, 60]],
    ['both', [5, 9, 12, 30]],
  ])('%s: after every batch of random changes', (_name, sizes) => {
    const base = randomInt(2 ** 30);
    process.stdout.write(`decide-incremental.test: ${_name}, seeds ${base} to ${base + 19}\n`);
    for (let i = 0; i < 20; i++) run(base + i, sizes as number[], 400);
  });

  it('a death everywhere is found, and its own last report is ignored (the second pass)', () => {
    const t = topologyFor(Array.from({ length: 20 }, (_, i) => `n${i}`));
    const d = new IncrementalDecision(t, new Set());
    const victim = 'n3';
    for (const x of neighboursOf(t, victim)) d.setReport(x, new Set([victim]));
    // The victim's final report blames two of its neighbours.
    const blamed = [...neighboursOf(t, victim)].slice(0, 2);
    d.setReport(victim, new Set(blamed));
    const moved = d.flush();
    expect(sorted(d.dead())).toEqual([victim]);
    expect(moved).toContain(victim);
    const reports = new Map<string, ReadonlySet<string>>(d.reports);
    expect(sorted(decideDead(t, reports))).toEqual([victim]);
  });
});
