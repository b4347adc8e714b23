// Load-generator side only (the programs use shared/k8s/client.ts, which keeps connections alive itself).
// client-node 1.x builds a new https.Agent for every API call, so every request pays a fresh TCP
// connection and TLS handshake on both ends (the API server's included). Under load (a resync,
// thousands of status writes and Events) the handshakes, not the requests, eat the CPU. This
// swaps in one keep-alive agent per distinct TLS identity, so requests reuse connections.
// Watches go through another path (applyToFetchOptions) and keep their own connection each.
import { Agent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/** Makes `kc`'s API clients reuse connections; returns `kc`. */
export function withKeepAlive(kc: KubeConfig): KubeConfig {
  const agents = new Map<string, Agent>();
  const original = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await original(context);
    const fresh = context.getAgent();
    // Only the plain https case: proxy agents (hpagent, socks) are left as client-node made them.
    if (!fresh || fresh.constructor !== Agent) return;
    const o = (fresh as Agent).options;
    // The TLS identity: a rotated client certificate or CA gets a new pool (tokens are headers).
    const key = JSON.stringify([o.ca, o.cert, o.key, o.pfx, o.passphrase, o.rejectUnauthorized, o.servername]);
    let shared = agents.get(key);
    if (!shared) {
      shared = new Agent({ ...o, keepAlive: true });
      agents.set(key, shared);
    }
    context.setAgent(shared);
  };
  return kc;
}
