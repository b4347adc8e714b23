// l2lb-controller: allocates LoadBalancer IPs from IPAddressPools.
import type { FlagSpec } from '../shared/cli/flags.js';
import { flagInt, flagString, UsageError } from '../shared/cli/flags.js';
import { runProgram } from '../shared/cli/run.js';
import { loadKubeConfig } from '../shared/k8s/client.js';
import { createLogger, isLogLevel } from '../shared/log.js';
import { Controller } from './app.js';

export const controllerFlags: FlagSpec[] = [
  { name: 'kubeconfig', help: 'kubeconfig file; in-cluster config when empty', default: '' },
  { name: 'namespace', help: 'namespace holding the l2lb/MetalLB resources', default: 'metallb-system' },
  { name: 'lb-class', help: 'serve only Services with this spec.loadBalancerClass (empty: Services without a class)', default: '' },
  { name: 'metrics-host', help: 'address for the metrics server', default: '0.0.0.0' },
  { name: 'metrics-port', help: 'port for /metrics, /healthz and /readyz', default: '7472' },
  { name: 'leader-elect', help: 'take a coordination.k8s.io Lease before writing', boolean: true, default: 'true' },
  { name: 'heartbeat-secret', help: 'Secret with the speakers\' heartbeat key (created when missing)', default: 'l2lb-heartbeat' },
  { name: 'log-level', help: 'debug, info, warn or error', default: 'info' },
];

await runProgram('l2lb-controller', 'Assigns external IPs to Services of type LoadBalancer from IPAddressPools.', controllerFlags, async (flags) => {
  const level = flagString(flags, 'log-level') ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn or error, not ${JSON.stringify(level)}`);
  const log = createLogger(level, { component: 'controller' });
  const controller = new Controller({
    kc: loadKubeConfig(flagString(flags, 'kubeconfig') || undefined),
    namespace: flagString(flags, 'namespace') ?? 'metallb-system',
    lbClass: flagString(flags, 'lb-class') ?? '',
    metricsHost: flagString(flags, 'metrics-host') ?? '0.0.0.0',
    metricsPort: flagInt(flags, 'metrics-port', 0, 65535) ?? 7472,
    leaderElect: flagString(flags, 'leader-elect') === 'true',
    heartbeatSecret: flagString(flags, 'heartbeat-secret') ?? 'l2lb-heartbeat',
    log,
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', 'received a signal; releasing leadership and stopping', { signal });
    controller.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('stopFailed', 'stop failed', { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info('starting', 'l2lb-controller starting', { namespace: flagString(flags, 'namespace'), lbClass: flagString(flags, 'lb-class') });
  await controller.start();
});
