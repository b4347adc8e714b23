// l2lb-speaker: elects the announcing node per VIP and answers ARP/NDP for the VIPs it owns.
import type { FlagSpec } from '../shared/cli/flags.js';
import { flagInt, flagString, UsageError } from '../shared/cli/flags.js';
import { podFlags, podRefFromFlags } from '../shared/cli/pod.js';
import { runProgram, stopOnSignals } from '../shared/cli/run.js';
import { loadKubeClient } from '../shared/k8s/client.js';
import { createLogger, isLogLevel } from '../shared/log.js';
import { Speaker } from './app.js';
import { DEFAULT_EXCLUDES } from './interfaces/index.js';

export const speakerFlags: FlagSpec[] = [
  { name: 'kubeconfig', help: 'kubeconfig file; when empty the files KUBECONFIG lists, else in-cluster config', default: '' },
  { name: 'context', help: 'kubeconfig context to use instead of its current-context', default: '' },
  { name: 'namespace', help: 'namespace holding the l2lb/MetalLB resources', default: 'metallb-system' },
  { name: 'node-name', help: 'this node\'s name (downward API spec.nodeName); required' },
  { name: 'lb-class', help: 'announce only Services with this spec.loadBalancerClass (empty: Services without a class)', default: '' },
  { name: 'metrics-host', help: 'address for the metrics server', default: '0.0.0.0' },
  { name: 'metrics-port', help: 'port for /metrics, /healthz and /readyz', default: '7473' },
  { name: 'heartbeat-port', help: 'UDP port for authenticated peer heartbeats (the same on every node; not MetalLB\'s 7946, so both can run during a migration)', default: '7947' },
  { name: 'heartbeat-secret', help: 'Secret holding the heartbeat HMAC key', default: 'l2lb-heartbeat' },
  { name: 'heartbeat-interval-ms', help: 'milliseconds between heartbeats to each peer', default: '100' },
  { name: 'dead-after-ms', help: 'a peer silent this long is dead (at least 3 heartbeat intervals)', default: '500' },
  { name: 'speaker-selector', help: 'label selector of the speaker Pods (the peers)', default: 'app.kubernetes.io/name=l2lb,app.kubernetes.io/component=speaker' },
  { name: 'exclude-interfaces', help: 'extra interface name patterns never announced on (trailing * matches a prefix)', repeatable: true },
  { name: 'verify-source-address', help: 'drop heartbeats whose source address is not the peer\'s host IP', boolean: true, default: 'true' },
  { name: 'announce-external-ips', help: 'also announce Services\' spec.externalIPs that lie in an IPAddressPool the Service may use (off by default: CVE-2020-8554)', boolean: true, default: 'false' },
  { name: 'spread-flows', help: 'spread the flows of Services annotated l2lb.io/spread-flows=true (or whose IPAddressPool is) over their nodes with nftables rules on the owner; needs CAP_NET_ADMIN and nft', boolean: true, default: 'false' },
  ...podFlags,
  { name: 'log-level', help: 'debug, info, warn or error', default: 'info' },
];

await runProgram('l2lb-speaker', 'Announces the VIPs this node owns on the local network (ARP and NDP).', speakerFlags, async (flags) => {
  const level = flagString(flags, 'log-level') ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn or error, not ${JSON.stringify(level)}`);
  const nodeName = flagString(flags, 'node-name') ?? '';
  if (nodeName === '') throw new UsageError('--node-name is required (in a Pod: the downward API\'s spec.nodeName)');
  const intervalMs = flagInt(flags, 'heartbeat-interval-ms', 10, 10_000) ?? 100;
  const deadAfterMs = flagInt(flags, 'dead-after-ms', 30, 120_000) ?? 500;
  if (deadAfterMs < 3 * intervalMs) {
    throw new UsageError(`--dead-after-ms (${deadAfterMs}) must be at least 3 x --heartbeat-interval-ms (${intervalMs}): one lost datagram must not kill a peer`);
  }
  const log = createLogger(level, { component: 'speaker', node: nodeName });
  const excludes = flags.get('exclude-interfaces') ?? [];
  const speaker = new Speaker({
    // After a peer death the survivors rewrite a ServiceL2Status and send an Event per moved
    // Service: without keep-alive each of those calls is a new TCP + TLS handshake.
    kc: loadKubeClient({ kubeconfig: flagString(flags, 'kubeconfig') || undefined, context: flagString(flags, 'context') || undefined }),
    namespace: flagString(flags, 'namespace') ?? 'metallb-system',
    nodeName,
    lbClass: flagString(flags, 'lb-class') ?? '',
    metricsHost: flagString(flags, 'metrics-host') ?? '0.0.0.0',
    metricsPort: flagInt(flags, 'metrics-port', 0, 65535) ?? 7473,
    heartbeatPort: flagInt(flags, 'heartbeat-port', 1, 65535) ?? 7947,
    heartbeatSecret: flagString(flags, 'heartbeat-secret') ?? 'l2lb-heartbeat',
    pod: podRefFromFlags(flags),
    speakerSelector: flagString(flags, 'speaker-selector') ?? '',
    heartbeatIntervalMs: intervalMs,
    deadAfterMs,
    verifySourceAddress: flagString(flags, 'verify-source-address') === 'true',
    announceExternalIps: flagString(flags, 'announce-external-ips') === 'true',
    spreadFlows: flagString(flags, 'spread-flows') === 'true',
    ...(excludes.length > 0 ? { interfaceRules: { exclude: [...DEFAULT_EXCLUDES, ...excludes] } } : {}),
    log,
    // The speaker has stopped answering already; exit so the Pod is restarted.
    onFatal: () => void speaker.stop().finally(() => process.exit(1)),
  });
  stopOnSignals(log, 'withdrawing and telling peers we leave', () => speaker.stop());
  log.info('starting', 'l2lb-speaker starting', { namespace: flagString(flags, 'namespace'), heartbeatIntervalMs: intervalMs, deadAfterMs });
  await speaker.start();
});
