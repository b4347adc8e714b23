// The randomized fault run, short: two controller replicas with short leases, Service and pool
// operations interleaved with every kind of fault, invariants checked at each quiescent point.
// The seed is printed; L2LB_FAULT_SEED replays one. The long run is the bench (BENCH=controller-faults).
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
      },
      // One round per fault kind, in a seeded order, plus plain rounds.
      { seed, durationMs: 60_000, opsPerRound: 4, faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 1])) as Record<(typeof FAULT_KINDS)[number], number>, settleTimeoutMs: 60_000 },
    );
    const report = await run.run();
    process.stdout.write(`${JSON.stringify({ ...report, violations: report.violations.length })}\n`);
    expect(report.violations).toEqual([]);
    expect(report.rounds).toBeGreaterThan(0);
    expect(report.writesChecked).toBeGreaterThan(0);
  });
});
