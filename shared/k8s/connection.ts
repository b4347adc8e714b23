// Where a program's API connection comes from: the --kubeconfig file when given, otherwise the
// in-cluster ServiceAccount. This is the I/O half (reading files); the parsing is in
// kubeconfig.ts and in-cluster.ts.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { load } from 'js-yaml';
import { inClusterConnection } from './in-cluster.js';
import { connectionFromKubeconfig, KubeconfigError, type ConnectionSpec, type Material } from './kubeconfig.js';
import { FileToken, staticToken, type TokenSource } from './token.js';

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export interface Connection {
  readonly server: string;
  readonly tls: TlsMaterial;
  readonly token?: TokenSource;
}

function readMaterial(m: Material | undefined, what: string): Buffer | undefined {
  if (m === undefined) return undefined;
  if ('data' in m) return m.data;
  try {
    return readFileSync(m.file);
  } catch (err) {
    throw new KubeconfigError(`cannot read ${what} ${m.file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads the files a spec names (certificates once; a token file on every refresh). */
export function resolveConnection(spec: ConnectionSpec, tokenRefreshMs?: number): Connection {
  const tls: { -readonly [K in keyof TlsMaterial]: TlsMaterial[K] } = { rejectUnauthorized: !spec.insecureSkipTlsVerify };
  const ca = readMaterial(spec.ca, 'certificate-authority');
  if (ca) tls.ca = ca;
  const cert = readMaterial(spec.clientCert, 'client-certificate');
  if (cert) tls.cert = cert;
  const key = readMaterial(spec.clientKey, 'client-key');
  if (key) tls.key = key;
  if (spec.tlsServerName !== undefined) tls.servername = spec.tlsServerName;
  if (spec.token === undefined) return { server: spec.server, tls };
  const token: TokenSource = 'value' in spec.token ? staticToken(spec.token.value) : new FileToken(spec.token.file, tokenRefreshMs);
  return { server: spec.server, tls, token };
}

/** The kubeconfig file at `path`, or the in-cluster ServiceAccount when `path` is undefined. */
export function loadConnection(path: string | undefined): Connection {
  if (path === undefined) return resolveConnection(inClusterConnection(process.env));
  let doc: unknown;
  try {
    doc = load(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return resolveConnection(connectionFromKubeconfig(doc, dirname(path)));
  } catch (err) {
    if (err instanceof KubeconfigError) throw new KubeconfigError(`kubeconfig ${path}: ${err.message}`);
    throw err;
  }
}
