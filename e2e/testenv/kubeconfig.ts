// Kubeconfig files for the test control plane. Credentials are embedded (base64 data fields), not
// referenced by path, so a kubeconfig stays valid when copied into a lab namespace or another dir.
import { stringify } from 'yaml';

export type Credentials =
  | { readonly kind: 'cert'; readonly certPem: string; readonly keyPem: string }
  | { readonly kind: 'token'; readonly token: string };

export interface KubeconfigSpec {
  readonly server: string;
  readonly caPem: string;
  readonly user: string;
  readonly credentials: Credentials;
  /** Context, cluster name; default `l2lb-testenv`. */
  readonly name?: string;
  readonly namespace?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const name = spec.name ?? 'l2lb-testenv';
  const user =
    spec.credentials.kind === 'cert'
      ? { 'client-certificate-data': b64(spec.credentials.certPem), 'client-key-data': b64(spec.credentials.keyPem) }
      : { token: spec.credentials.token };
  const context: Record<string, string> = { cluster: name, user: spec.user };
  if (spec.namespace !== undefined) context['namespace'] = spec.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caPem) } }],
    users: [{ name: spec.user, user }],
    contexts: [{ name, context }],
    'current-context': name,
    preferences: {},
  });
}

/** https URL of a server, with IPv6 literals bracketed. */
export function serverUrl(host: string, port: number): string {
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
