// The part of a kubeconfig l2lb understands, checked and resolved without touching the disk: the
// chosen context's cluster (server, CA, TLS options, proxy-url) and user (bearer token or token
// file, client certificate, or an exec credential plugin). Several files (KUBECONFIG=a:b) merge as
// kubectl merges them: the first file that names a cluster, user or context wins, and so does the
// first current-context; relative paths stay relative to the file that wrote them. Anything not
// implemented here (auth-provider, basic auth, impersonation) is refused by name, so a wrong setup
// fails at start with a clear message instead of with a 401 later.
import { isAbsolute, resolve } from 'node:path';
import { parseExecSpec, type ExecSpec } from './exec-credential.js';
import { KubeconfigError } from './kubeconfig-error.js';

export { KubeconfigError };

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
  /** A credential plugin to run for a bearer token (user.exec). */
  readonly exec?: ExecSpec;
  /** The cluster's proxy-url: an http:// proxy that tunnels to the server with CONNECT. */
  readonly proxyUrl?: string;
}

/** One parsed kubeconfig file and the directory its relative paths are relative to. */
export interface KubeconfigFile {
  readonly doc: unknown;
  readonly baseDir: string;
}

const SUPPORTED_AUTH = 'token, tokenFile, client-certificate(-data) + client-key(-data), exec';
const REFUSED: Record<string, string> = {
  'auth-provider': 'auth-provider plugins were removed from kubectl and client-go in Kubernetes 1.26; use their exec replacement (gke-gcloud-auth-plugin, kubelogin, ...)',
  username: 'basic authentication is not supported',
  password: 'basic authentication is not supported',
  as: 'impersonation is not supported',
  'as-groups': 'impersonation is not supported',
  'as-uid': 'impersonation is not supported',
};

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(obj: Rec, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`${where}: ${key} must be a string`);
  return v;
}

/** An entry of clusters/users/contexts and the directory of the file it came from. */
interface Entry {
  readonly value: Rec;
  readonly baseDir: string;
}

/** The `inner` maps of a list like clusters: [{name, cluster: {...}}], by name; the first file naming one wins. */
function mergeNamed(files: readonly KubeconfigFile[], list: string, inner: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const { doc, baseDir } of files) {
    const items = (doc as Rec)[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw new KubeconfigError(`${list} must be a list`);
    for (const item of items) {
      if (!isRec(item) || typeof item['name'] !== 'string') throw new KubeconfigError(`an entry of ${list} has no name`);
      const value = item[inner];
      if (!isRec(value)) throw new KubeconfigError(`${inner} ${JSON.stringify(item['name'])} has no ${inner} map`);
      if (!out.has(item['name'])) out.set(item['name'], { value, baseDir });
    }
  }
  return out;
}

function named(entries: Map<string, Entry>, list: string, inner: string, name: string): Entry {
  const entry = entries.get(name);
  if (entry === undefined) throw new KubeconfigError(`${inner} ${JSON.stringify(name)} not found in ${list}`);
  return entry;
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
 * kubeconfig's directory (for relative file references); `context` overrides current-context.
 */
export function connectionFromKubeconfig(doc: unknown, baseDir: string, context?: string): ConnectionSpec {
  return connectionFromKubeconfigs([{ doc, baseDir }], context);
}

/** The same for several files merged in order (KUBECONFIG=a:b:c). */
export function connectionFromKubeconfigs(files: readonly KubeconfigFile[], contextOverride?: string): ConnectionSpec {
  if (files.length === 0) throw new KubeconfigError('no kubeconfig file');
  for (const f of files) if (!isRec(f.doc)) throw new KubeconfigError('not a kubeconfig (expected a YAML map)');
  const contextName = contextOverride || files.map((f) => str(f.doc as Rec, 'current-context', 'kubeconfig')).find((c) => c !== undefined);
  if (contextName === undefined) throw new KubeconfigError('no current-context (and no --context)');
  const context = named(mergeNamed(files, 'contexts', 'context'), 'contexts', 'context', contextName).value;
  const clusterName = str(context, 'cluster', `context ${contextName}`);
  if (clusterName === undefined) throw new KubeconfigError(`context ${JSON.stringify(contextName)} names no cluster`);
  const { value: cluster, baseDir: clusterDir } = named(mergeNamed(files, 'clusters', 'cluster'), 'clusters', 'cluster', clusterName);
  const userName = str(context, 'user', `context ${contextName}`);
  const { value: user, baseDir: userDir } = userName === undefined ? { value: {}, baseDir: '/' } : named(mergeNamed(files, 'users', 'user'), 'users', 'user', userName);

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
  const proxyUrl = str(cluster, 'proxy-url', cw);
  if (proxyUrl !== undefined) checkProxyUrl(proxyUrl, `${cw}: proxy-url`);
  const insecure = cluster['insecure-skip-tls-verify'];
  if (insecure !== undefined && typeof insecure !== 'boolean') throw new KubeconfigError(`${cw}: insecure-skip-tls-verify must be true or false`);

  const uw = `user ${JSON.stringify(userName ?? '')}`;
  for (const [key, why] of Object.entries(REFUSED)) {
    if (user[key] !== undefined) throw new KubeconfigError(`${uw}: ${key}: ${why} (supported: ${SUPPORTED_AUTH})`);
  }
  const tokenValue = str(user, 'token', uw);
  const tokenFile = str(user, 'tokenFile', uw);
  const clientCert = material(user, 'client-certificate', uw, userDir);
  const clientKey = material(user, 'client-key', uw, userDir);
  if ((clientCert === undefined) !== (clientKey === undefined)) throw new KubeconfigError(`${uw}: client-certificate and client-key go together`);

  const spec: { -readonly [K in keyof ConnectionSpec]: ConnectionSpec[K] } = { server, insecureSkipTlsVerify: insecure === true };
  const ca = material(cluster, 'certificate-authority', cw, clusterDir);
  if (ca) spec.ca = ca;
  const tlsServerName = str(cluster, 'tls-server-name', cw);
  if (tlsServerName !== undefined) spec.tlsServerName = tlsServerName;
  if (proxyUrl !== undefined) spec.proxyUrl = proxyUrl;
  // An inline token wins over tokenFile, as in client-go.
  if (tokenValue !== undefined) spec.token = { value: tokenValue };
  else if (tokenFile !== undefined) spec.token = { file: isAbsolute(tokenFile) ? tokenFile : resolve(userDir, tokenFile) };
  if (clientCert && clientKey) {
    spec.clientCert = clientCert;
    spec.clientKey = clientKey;
  }
  if (user['exec'] !== undefined) {
    // client-go lets a static token or certificate win over the plugin; so does this.
    if (spec.token === undefined) spec.exec = parseExecSpec(user['exec'], `${uw}: exec`, userDir, { server, ...(ca && 'data' in ca ? { caData: ca.data } : {}), insecureSkipTlsVerify: insecure === true });
  }
  return spec;
}

/** proxy-url and HTTPS_PROXY: an http:// proxy that speaks CONNECT (what this client can tunnel through). */
export function checkProxyUrl(value: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KubeconfigError(`${where} ${JSON.stringify(value)} is not a URL`);
  }
  if (url.protocol !== 'http:') throw new KubeconfigError(`${where}: only http:// proxies (HTTP CONNECT) are supported, not ${url.protocol}//`);
  return url;
}
