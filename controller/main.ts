// l2lb-controller: allocates LoadBalancer IPs from IPAddressPools.
import type { FlagSpec } from '../shared/cli/flags.js';
import { flagDurationMs } from '../shared/cli/duration.js';
import { flagInt, flagString, UsageError, type FlagValues } from '../shared/cli/flags.js';
import { podFlags, podRefFromFlags } from '../shared/cli/pod.js';
import { runProgram, stopOnSignals } from '../shared/cli/run.js';
import { loadKubeClient } from '../shared/k8s/client.js';
import { createLogger, isLogLevel } from '../shared/log.js';
import { Controller } from './app.js';
import { electorTimingProblems, type ElectorTiming } from './leader/timing.js';

export const controllerFlags: FlagSpec[] = [
  { name: 'kubeconfig', help: 'kubeconfig file; when empty the files KUBECONFIG lists, else in-cluster config', default: '' },
  { name: 'context', help: 'kubeconfig context to use instead of its current-context', default: '' },
  { name: 'namespace', help: 'namespace holding the l2lb/MetalLB resources', default: 'metallb-system' },
  { name: 'lb-class', help: 'serve only Services with this spec.loadBalancerClass (empty: Services without a class)', default: '' },
  { name: 'metrics-host', help: 'address for the metrics server', default: '0.0.0.0' },
  { name: 'metrics-port', help: 'port for /metrics, /healthz and /readyz', default: '7472' },
  { name: 'leader-elect', help: 'take a coordination.k8s.io Lease before writing', boolean: true, default: 'true' },
  { name: 'lease-duration', help: 'how long a standby waits after the leader\'s last renewal before taking over', default: '15s' },
  { name: 'renew-deadline', help: 'how long the leader keeps trying to renew before it stops writing', default: '10s' },
  { name: 'retry-period', help: 'how often replicas read and renew the Lease', default: '2s' },
  { name: 'heartbeat-secret', help: 'Secret with the speakers\' heartbeat key (created when missing)', default: 'l2lb-heartbeat' },
  ...podFlags,
  { name: 'log-level', help: 'debug, info, warn or error', default: 'info' },
];

function electorTiming(flags: FlagValues): ElectorTiming {
  const timing = {
    leaseDurationMs: flagDurationMs(flags, 'lease-duration', 1000, 3_600_000) ?? 15_000,
    renewDeadlineMs: flagDurationMs(flags, 'renew-deadline', 100, 3_600_000) ?? 10_000,
    retryPeriodMs: flagDurationMs(flags, 'retry-period', 50, 3_600_000) ?? 2000,
  };
  const problems = electorTimingProblems(timing);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return timing;
}

await runProgram('l2lb-controller', 'Assigns external IPs to Services of type LoadBalancer from IPAddressPools.', controllerFlags, async (flags) => {
  const level = flagString(flags, 'log-level') ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn or error, not ${JSON.stringify(level)}`);
  const log = createLogger(level, { component: 'controller' });
  const timing = electorTiming(flags);
  const controller = new Controller({
    kc: loadKubeClient({ kubeconfig: flagString(flags, 'kubeconfig') || undefined, context: flagString(flags, 'context') || undefined }),
    namespace: flagString(flags, 'namespace') ?? 'metallb-system',
    lbClass: flagString(flags, 'lb-class') ?? '',
    metricsHost: flagString(flags, 'metrics-host') ?? '0.0.0.0',
    metricsPort: flagInt(flags, 'metrics-port', 0, 65535) ?? 7472,
    leaderElect: flagString(flags, 'leader-elect') === 'true',
    electorTiming: timing,
    heartbeatSecret: flagString(flags, 'heartbeat-secret') ?? 'l2lb-heartbeat',
    pod: podRefFromFlags(flags),
    log,
  });
  stopOnSignals(log, 'received a signal; releasing leadership and stopping', () => controller.stop());
  log.info('starting', 'l2lb-controller starting', { namespace: flagString(flags, 'namespace'), lbClass: flagString(flags, 'lb-class') });
  await controller.start();
});
