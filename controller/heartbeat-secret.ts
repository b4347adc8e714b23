// The speakers authenticate heartbeats with an HMAC key from a Secret. The controller creates the
// Secret once, with a random key, when it is missing; it never rotates or overwrites it (an
// operator may supply their own key before installing, and rotating under running speakers would
// split them into groups that cannot hear each other).
import type { V1Secret } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { HEARTBEAT_KEY_FIELD } from '../shared/api/heartbeat.js';
import { apiStatus, type CallOptions, type KubeClient } from '../shared/k8s/client.js';
import { resourcePath } from '../shared/k8s/url.js';
import type { Logger } from '../shared/log.js';

/** 256 bits: the HMAC-SHA256 block-size recommendation is at least the hash length. */
const keyBytes = 32;

export type EnsureResult = 'exists' | 'created';

export async function ensureHeartbeatSecret(client: KubeClient, namespace: string, name: string, log: Logger, call?: CallOptions): Promise<EnsureResult> {
  const secrets = resourcePath({ version: 'v1', namespace, plural: 'secrets' });
  try {
    await client.get(resourcePath({ version: 'v1', namespace, plural: 'secrets', name }));
    return 'exists';
  } catch (err) {
    if (apiStatus(err) !== 404) throw err;
  }
  try {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'l2lb', 'app.kubernetes.io/component': 'heartbeat' } },
      type: 'Opaque',
      data: { [HEARTBEAT_KEY_FIELD]: randomBytes(keyBytes).toString('base64') },
    };
    await client.create(secrets, body, call);
  } catch (err) {
    if (apiStatus(err) === 409) return 'exists'; // the other replica created it first
    throw err;
  }
  log.info('heartbeatSecretCreated', 'created the speakers\' heartbeat key', { secret: `${namespace}/${name}` });
  return 'created';
}
