// prom-client's metric classes, loaded without prom-client's index module. The index loads
// collectDefaultMetrics, whose CPU collector loads @opentelemetry/api at once (for exemplars, which
// l2lb does not use): ~11 MB of RSS in every process, an eighth of the speaker's 80 MB budget.
// The classes and collectors are prom-client's own (version pinned in package.json); only the
// CPU collector is ours. Types come from prom-client's declarations, so callers see no difference.
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const load = createRequire(import.meta.url);

export const Registry = load('prom-client/lib/registry') as typeof Prom.Registry;
export const Counter = load('prom-client/lib/counter') as typeof Prom.Counter;
export const Gauge = load('prom-client/lib/gauge') as typeof Prom.Gauge;
export const Histogram = load('prom-client/lib/histogram') as typeof Prom.Histogram;
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;

type Collector = (registry: Prom.Registry, config: { prefix: string; eventLoopMonitoringPrecision: number }) => void;

/** prom-client's default collectors except processCpuTotal (the one that loads OpenTelemetry). */
const BORROWED = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
] as const;

/**
 * How often the event-loop lag histogram samples. prom-client's 10 ms is a timer waking the
 * program 100 times a second, all the time: on a small VM each wake-up costs ~0.1 ms of CPU, so
 * that alone was most of an idle speaker's main-thread CPU. Each sample still measures the whole
 * delay of its timer, so a stall is seen at any sampling rate; a shorter one may fall between samples.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The series of prom-client's collectDefaultMetrics, same names and meaning. */
export function collectDefaultMetrics(registry: Prom.Registry, prefix: string): void {
  for (const name of BORROWED) (load(`prom-client/lib/metrics/${name}`) as Collector)(registry, { prefix, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  processCpu(registry, prefix);
}

/** process_cpu_{user,system}_seconds_total and process_cpu_seconds_total, as prom-client has them. */
function processCpu(registry: Prom.Registry, prefix: string): void {
  const registers = [registry];
  let last = process.cpuUsage();
  const system = new Counter({ name: `${prefix}process_cpu_system_seconds_total`, help: 'Total system CPU time spent in seconds.', registers });
  const total = new Counter({ name: `${prefix}process_cpu_seconds_total`, help: 'Total user and system CPU time spent in seconds.', registers });
  new Counter({
    name: `${prefix}process_cpu_user_seconds_total`,
    help: 'Total user CPU time spent in seconds.',
    registers,
    // One collect sets all three, from one reading.
    collect() {
      const now = process.cpuUsage();
      const user = (now.user - last.user) / 1e6;
      const sys = (now.system - last.system) / 1e6;
      last = now;
      this.inc(user);
      system.inc(sys);
      total.inc(user + sys);
    },
  });
}
