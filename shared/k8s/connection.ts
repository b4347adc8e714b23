// Where a program's API connection comes from, in controller-runtime's order: the --kubeconfig
// file, else the files KUBECONFIG lists (merged as kubectl merges them), else the in-cluster
// ServiceAccount; --context picks a context other than current-context. The proxy is the
// cluster's proxy-url, else HTTPS_PROXY/NO_PROXY. This is the I/O half (reading files); the
// parsing is in kubeconfig.ts, in-cluster.ts, exec-credential.ts and proxy.ts.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';
import { load } from 'js-yaml';
import { ExecToken } from './exec-credential.js';
import { inClusterConnection } from './in-cluster.js';
import { checkProxyUrl, connectionFromKubeconfigs, KubeconfigError, type ConnectionSpec, type KubeconfigFile, type Material } from './kubeconfig.js';
import { proxyFor } from './proxy.js';
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
  /** An http:// proxy to tunnel through (CONNECT). */
  readonly proxy?: URL;
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
export function resolveConnection(spec: ConnectionSpec, tokenRefreshMs?: number, env: NodeJS.ProcessEnv = {}): Connection {
  const tls: { -readonly [K in keyof TlsMaterial]: TlsMaterial[K] } = { rejectUnauthorized: !spec.insecureSkipTlsVerify };
  const ca = readMaterial(spec.ca, 'certificate-authority');
  if (ca) tls.ca = ca;
  const cert = readMaterial(spec.clientCert, 'client-certificate');
  if (cert) tls.cert = cert;
  const key = readMaterial(spec.clientKey, 'client-key');
  if (key) tls.key = key;
  if (spec.tlsServerName !== undefined) tls.servername = spec.tlsServerName;
  const proxyText = proxyFor(spec.server, env, spec.proxyUrl);
  const proxy = proxyText === undefined ? {} : { proxy: checkProxyUrl(proxyText, spec.proxyUrl === undefined ? 'HTTPS_PROXY' : 'proxy-url') };
  const token: TokenSource | undefined =
    spec.token !== undefined ? ('value' in spec.token ? staticToken(spec.token.value) : new FileToken(spec.token.file, tokenRefreshMs)) : spec.exec !== undefined ? new ExecToken(spec.exec) : undefined;
  return { server: spec.server, tls, ...(token ? { token } : {}), ...proxy };
}

export interface ConnectionChoice {
  /** --kubeconfig: one file. */
  readonly kubeconfig?: string;
  /** --context: instead of current-context. */
  readonly context?: string;
}

function readKubeconfig(path: string): KubeconfigFile {
  try {
    return { doc: load(readFileSync(path, 'utf8')), baseDir: dirname(path) };
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The connection a program uses: --kubeconfig, else KUBECONFIG (a list; files that do not exist
 * are skipped, as kubectl skips them), else in-cluster.
 */
export function loadConnection(choice: ConnectionChoice = {}, env: NodeJS.ProcessEnv = process.env): Connection {
  const listed = (env['KUBECONFIG'] ?? '').split(delimiter).filter((p) => p !== '');
  const paths = choice.kubeconfig ? [choice.kubeconfig] : listed.filter((p) => existsSync(p));
  if (paths.length === 0) {
    if (listed.length > 0) throw new KubeconfigError(`none of the files KUBECONFIG lists exists: ${listed.join(delimiter)}`);
    if (choice.context) throw new KubeconfigError('--context needs a kubeconfig (--kubeconfig or KUBECONFIG)');
    return resolveConnection(inClusterConnection(env), undefined, env);
  }
  const where = paths.length === 1 ? `kubeconfig ${paths[0]}` : `kubeconfig ${paths.join(delimiter)}`;
  try {
    return resolveConnection(connectionFromKubeconfigs(paths.map(readKubeconfig), choice.context), undefined, env);
  } catch (err) {
    if (err instanceof KubeconfigError && !err.message.startsWith('cannot read kubeconfig')) throw new KubeconfigError(`${where}: ${err.message}`);
    throw err;
  }
}
