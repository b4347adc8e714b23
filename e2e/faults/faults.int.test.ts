// The randomized fault run, short: two controller replicas with short leases, Service and pool
// operations interleaved with every kind of fault, invariants checked at each quiescent point.
// The seed is printed; L2LB_FAULT_SEED replays one, L2LB_FAULT_LOG_DIR keeps the logs. The long
// run is the bench (BENCH=controller-faults).
import { jest } from '@jest/globals';
import { ControllerFixture } from '../programs/controller-fixture.js';
import { testenvFromJest } from '../testenv/jest-info.js';
import { FaultRun, FAULT_KINDS } from './scenario.js';
import { Rng } from './rng.js';

jest.setTimeout(300_000);

describe('controller under faults (short randomized run)', () => {
  const f = new ControllerFixture('faults');
  beforeAll(() => f.setUp());
  afterAll(() => f.tearDown());

  it('keeps every invariant through each kind of fault', async () => {
    const seed = Number(process.env['L2LB_FAULT_SEED'] ?? Rng.freshSeed());
    process.stdout.write(`fault run seed ${seed} (L2LB_FAULT_SEED=${seed} replays it)\n`);
    const run = new FaultRun(
      {
        info: testenvFromJest(),
        kc: f.kc,
        installNs: f.installNs,
        appNs: f.appNs,
        lbClass: f.lbClass,
        controllerKubeconfig: f.controllerKubeconfigText,
        log: (line) => process.stdout.write(`${line}\n`),
        logDir: process.env['L2LB_FAULT_LOG_DIR'],
      },
      // Rounds of overlapping faults (every kind in turn) until each kind was injected at least once.
      { seed, durationMs: 20_000, opsPerRound: 4, maxFaultsPerRound: 5, minFaultsEach: 1, settleTimeoutMs: 60_000 },
    );
    const report = await run.run();
    process.stdout.write(`${JSON.stringify({ ...report, violations: report.violations.length })}\n`);
    expect(report.violations).toEqual([]);
    // Each kind injected (a process fault that found no leader is not counted as one).
    expect(Object.fromEntries(FAULT_KINDS.map((k) => [k, report.faults[k] >= 1]))).toEqual(Object.fromEntries(FAULT_KINDS.map((k) => [k, true])));
    expect(report.writesChecked).toBeGreaterThan(0);
  });
});
