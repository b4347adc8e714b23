// Held against prom-client itself: same default series, and the classes are prom-client's own
// (a Registry from either import accepts metrics from the other).
import * as promClient from 'prom-client';
import { collectDefaultMetrics, Counter, Registry } from './prom.js';

const names = async (r: promClient.Registry): Promise<string[]> => (await r.getMetricsAsJSON()).map((m) => m.name).sort();

describe('shared/metrics/prom', () => {
  it('exports the same default series as prom-client\'s collectDefaultMetrics', async () => {
    const ours = new Registry();
    collectDefaultMetrics(ours, 'x_');
    const theirs = new promClient.Registry();
    promClient.collectDefaultMetrics({ register: theirs, prefix: 'x_' });
    expect(await names(ours)).toEqual(await names(theirs));
  });

  it('counts CPU time: the user, system and total counters move, total = user + system', async () => {
    const r = new Registry();
    collectDefaultMetrics(r, '');
    // Burn 30 ms of this process's own CPU time (not wall time: a loaded machine gives us less).
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 30_000) { /* burn CPU */ }
    const json = await r.getMetricsAsJSON();
    const value = (name: string): number => json.find((m) => m.name === name)?.values[0]?.value ?? Number.NaN;
    expect(value('process_cpu_user_seconds_total')).toBeGreaterThan(0.02);
    expect(value('process_cpu_seconds_total')).toBeCloseTo(value('process_cpu_user_seconds_total') + value('process_cpu_system_seconds_total'), 6);
  });

  it('shares prom-client\'s classes: a metric registers in a Registry made from prom-client\'s index', async () => {
    const r = new promClient.Registry();
    new Counter({ name: 'shared_total', help: 'h', registers: [r] }).inc(3);
    expect((await r.getSingleMetric('shared_total')?.get())?.values[0]?.value).toBe(3);
    expect(new Registry()).toBeInstanceOf(promClient.Registry);
  });
});
