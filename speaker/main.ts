// l2lb-speaker: elects the announcing node per VIP and answers ARP/NDP for the VIPs it owns.
import { runProgram } from '../shared/cli/run.js';
import type { FlagSpec } from '../shared/cli/flags.js';

export const speakerFlags: FlagSpec[] = [
  { name: 'kubeconfig', help: 'kubeconfig file; in-cluster config when empty', default: '' },
  { name: 'namespace', help: 'namespace holding the l2lb/MetalLB resources', default: 'metallb-system' },
  { name: 'node-name', help: 'this node\'s name (downward API spec.nodeName)', default: '' },
  { name: 'metrics-port', help: 'port for /metrics, /healthz and /readyz', default: '7473' },
  { name: 'heartbeat-port', help: 'UDP port for authenticated peer heartbeats', default: '7946' },
  { name: 'log-level', help: 'debug, info, warn or error', default: 'info' },
];

await runProgram('l2lb-speaker', 'Announces the VIPs this node owns on the local network (ARP and NDP).', speakerFlags, async () => {
  throw new Error('l2lb-speaker: announcing is not implemented yet');
});
