// The part of a kubeconfig file l2lb understands, checked and resolved without touching the disk:
// the current context's cluster (server, CA, TLS options) and user (bearer token or token file,
// client certificate). Anything that would need a plugin (exec, auth-provider) or a feature not
// implemented here is refused by name, so a wrong setup fails at start with a clear message
// instead of with a 401 later.
import { isAbsolute, resolve } from 'node:path';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** Certificate or key material: inline (decoded *-data fields) or a file to read. */
export type Material = { readonly data: Buffer } | { readonly file: string };

export type TokenSpec = { readonly value: string } | { readonly file: string };

export interface ConnectionSpec {
  readonly server: string;
  readonly ca?: Material;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly token?: TokenSpec;
  readonly clientCert?: Material;
  readonly clientKey?: Material;
}

const SUPPORTED_AUTH = 'token, tokenFile, client-certificate(-data) + client-key(-data)';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(obj: Rec, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`${where}: ${key} must be a string`);
  return v;
}

/** The `inner` map of the entry named `name` in a list like clusters: [{name, cluster: {...}}]. */
function named(doc: Rec, list: string, inner: string, name: string): Rec {
  const items = doc[list];
  if (!Array.isArray(items)) throw new KubeconfigError(`no ${list} list`);
  const entry: unknown = items.find((i: unknown) => isRec(i) && i['name'] === name);
  if (!isRec(entry)) throw new KubeconfigError(`${inner} ${JSON.stringify(name)} not found in ${list}`);
  const value = entry[inner];
  if (!isRec(value)) throw new KubeconfigError(`${inner} ${JSON.stringify(name)} has no ${inner} map`);
  return value;
}

function material(obj: Rec, key: string, where: string, baseDir: string): Material | undefined {
  const data = str(obj, `${key}-data`, where);
  if (data !== undefined) {
    if (!/^[A-Za-z0-9+/=\s]+$/.test(data)) throw new KubeconfigError(`${where}: ${key}-data is not base64`);
    return { data: Buffer.from(data, 'base64') };
  }
  const file = str(obj, key, where);
  // kubectl resolves relative paths against the kubeconfig file's directory.
  return file === undefined ? undefined : { file: isAbsolute(file) ? file : resolve(baseDir, file) };
}

/**
 * The connection the current context describes. `doc` is the parsed YAML; `baseDir` the
 * kubeconfig's directory (for relative file references).
 */
export function connectionFromKubeconfig(doc: unknown, baseDir: string): ConnectionSpec {
  if (!isRec(doc)) throw new KubeconfigError('not a kubeconfig (expected a YAML map)');
  const contextName = str(doc, 'current-context', 'kubeconfig');
  if (contextName === undefined) throw new KubeconfigError('no current-context');
  const context = named(doc, 'contexts', 'context', contextName);
  const clusterName = str(context, 'cluster', `context ${contextName}`);
  if (clusterName === undefined) throw new KubeconfigError(`context ${JSON.stringify(contextName)} names no cluster`);
  const cluster = named(doc, 'clusters', 'cluster', clusterName);
  const userName = str(context, 'user', `context ${contextName}`);
  const user = userName === undefined ? {} : named(doc, 'users', 'user', userName);

  const cw = `cluster ${JSON.stringify(clusterName)}`;
  const server = str(cluster, 'server', cw);
  if (server === undefined) throw new KubeconfigError(`${cw} has no server`);
  let parsed: URL;
  try {
    parsed = new URL(server);
  } catch {
    throw new KubeconfigError(`${cw}: server ${JSON.stringify(server)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new KubeconfigError(`${cw}: server must be an https:// or http:// URL, not ${JSON.stringify(server)}`);
  if (str(cluster, 'proxy-url', cw) !== undefined) throw new KubeconfigError(`${cw}: proxy-url is not supported`);
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean') throw new KubeconfigError(`${cw}: insecure-skip-tls-verify must be true or false`);

  const uw = `user ${JSON.stringify(userName ?? '')}`;
  for (const key of ['exec', 'auth-provider', 'username', 'password', 'as', 'as-groups']) {
    if (user[key] !== undefined) throw new KubeconfigError(`${uw}: ${key} is not supported (supported: ${SUPPORTED_AUTH})`);
  }
  const tokenValue = str(user, 'token', uw);
  const tokenFile = str(user, 'tokenFile', uw);
  const clientCert = material(user, 'client-certificate', uw, baseDir);
  const clientKey = material(user, 'client-key', uw, baseDir);
  if ((clientCert === undefined) !== (clientKey === undefined)) throw new KubeconfigError(`${uw}: client-certificate and client-key go together`);

  const spec: { -readonly [K in keyof ConnectionSpec]: ConnectionSpec[K] } = { server, insecureSkipTlsVerify: insecure === true };
  const ca = material(cluster, 'certificate-authority', cw, baseDir);
  if (ca) spec.ca = ca;
  const tlsServerName = str(cluster, 'tls-server-name', cw);
  if (tlsServerName !== undefined) spec.tlsServerName = tlsServerName;
  // An inline token wins over tokenFile, as in client-go.
  if (tokenValue !== undefined) spec.token = { value: tokenValue };
  else if (tokenFile !== undefined) spec.token = { file: isAbsolute(tokenFile) ? tokenFile : resolve(baseDir, tokenFile) };
  if (clientCert && clientKey) {
    spec.clientCert = clientCert;
    spec.clientKey = clientKey;
  }
  return spec;
}
