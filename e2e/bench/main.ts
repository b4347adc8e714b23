// `make bench`: runs every benchmark, each writing .l2lb/bench/<name>.json, then renders
// .l2lb/bench/summary.md. Numbers only, never pass/fail on speed; a benchmark that crashes is
// reported and makes the run exit non-zero, the others still run.
// `make bench BENCH=allocator,packets` runs a subset; BENCH=controller-faults runs the long fault
// run (L2LB_FAULT_BENCH_MINUTES, default 20), which a plain `make bench` leaves out.
import { renderSummary } from './report.js';

const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  allocator: async () => ({ run: (await import('./allocator.js')).runAllocatorBench }),
  packets: async () => ({ run: (await import('./packets.js')).runPacketBench }),
  controller: async () => ({ run: (await import('./controller.js')).runControllerBench }),
  // Long (L2LB_FAULT_BENCH_MINUTES, default 20): only when asked for by name.
  'controller-faults': async () => ({ run: (await import('./controller-faults.js')).runControllerFaultsBench }),
  failover: async () => ({ run: (await import('./failover.js')).runFailoverBench }),
  realcluster: async () => ({ run: (await import('./realcluster.js')).runRealClusterBench }),
  'membership-scale': async () => ({ run: (await import('./membership-scale.js')).runMembershipScaleBench }),
  'election-change': async () => ({ run: (await import('./election-change.js')).runElectionChangeBench }),
  spread: async () => ({ run: (await import('./spread.js')).runSpreadBench }),
  'spread-realcluster': async () => ({ run: (await import('./spread-realcluster.js')).runSpreadRealClusterBench }),
};

/** Benchmarks `make bench` runs only when BENCH names them. */
const optIn = new Set(['controller-faults']);

async function main(): Promise<void> {
  const wanted = (process.env['BENCH'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !(w in benches));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  const failed: string[] = [];
  for (const [name, load] of Object.entries(benches)) {
    if (wanted.length > 0 ? !wanted.includes(name) : optIn.has(name)) continue;
    const t0 = Date.now();
    process.stdout.write(`bench: ${name} ...\n`);
    try {
      await (await load()).run();
      process.stdout.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (err) {
      failed.push(name);
      process.stderr.write(`bench: ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    }
  }
  process.stdout.write(`\n${renderSummary()}\n`);
  if (failed.length > 0) {
    process.stderr.write(`bench: failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

await main();
