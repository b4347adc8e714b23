// Who should be heard from: the speaker Pods Kubernetes lists, as heartbeat peers. A Pod being
// deleted is not expected any more (it says goodbye with a 'leaving' heartbeat anyway).
import type { V1Pod } from '@kubernetes/client-node';
import type { ExpectedPeer } from './membership.js';

export function expectedPeers(pods: readonly V1Pod[], port: number): ExpectedPeer[] {
  return pods.flatMap((p) => {
    const name = p.spec?.nodeName;
    const host = p.status?.hostIP;
    return name && host && !p.metadata?.deletionTimestamp ? [{ name, host, port }] : [];
  });
}
