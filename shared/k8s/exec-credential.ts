// Client-go credential plugins (kubeconfig user.exec): a command that prints an ExecCredential
// (client.authentication.k8s.io v1 or v1beta1) with a bearer token and, usually, its expiry. It is
// how EKS (aws eks get-token), GKE (gke-gcloud-auth-plugin), AKS (kubelogin) and OIDC helpers hand
// out short-lived tokens. The token is cached until shortly before expirationTimestamp (or, without
// one, until the API server answers 401), then the plugin runs again. Plugins that answer with a
// client certificate instead of a token are refused with that reason: the TLS session would have
// to be rebuilt on every rotation, which no supported provider needs.
import { execFile } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { KubeconfigError } from './kubeconfig-error.js';
import type { TokenSource } from './token.js';

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

export interface ExecSpec {
  readonly apiVersion: ExecApiVersion;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to this process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** The cluster the plugin is asked for, when provideClusterInfo is set. */
  readonly cluster?: { readonly server: string; readonly caData?: Buffer; readonly insecureSkipTlsVerify: boolean };
  readonly installHint?: string;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The exec map of a kubeconfig user, checked; `baseDir` resolves a relative command path (./bin/x) as kubectl does. */
export function parseExecSpec(raw: unknown, where: string, baseDir: string, cluster: NonNullable<ExecSpec['cluster']>): ExecSpec {
  if (!isRec(raw)) throw new KubeconfigError(`${where} must be a map`);
  const apiVersion = raw['apiVersion'];
  if (!EXEC_API_VERSIONS.includes(apiVersion as ExecApiVersion)) {
    throw new KubeconfigError(`${where}: apiVersion ${JSON.stringify(apiVersion)} is not supported (supported: ${EXEC_API_VERSIONS.join(', ')})`);
  }
  const command = raw['command'];
  if (typeof command !== 'string' || command === '') throw new KubeconfigError(`${where}: command is required`);
  const args = raw['args'] ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new KubeconfigError(`${where}: args must be a list of strings`);
  const env: Record<string, string> = {};
  const envList = raw['env'] ?? [];
  if (!Array.isArray(envList)) throw new KubeconfigError(`${where}: env must be a list of {name, value}`);
  for (const e of envList) {
    if (!isRec(e) || typeof e['name'] !== 'string' || typeof e['value'] !== 'string') throw new KubeconfigError(`${where}: env must be a list of {name, value}`);
    env[e['name']] = e['value'];
  }
  if (raw['interactiveMode'] === 'Always') throw new KubeconfigError(`${where}: interactiveMode Always needs a terminal; a program running unattended cannot answer prompts`);
  // A bare name is looked up in PATH; a relative path with a slash is relative to the kubeconfig.
  const resolved = command.includes('/') && !isAbsolute(command) ? resolve(baseDir, command) : command;
  const hint = typeof raw['installHint'] === 'string' ? raw['installHint'] : undefined;
  return {
    apiVersion: apiVersion as ExecApiVersion,
    command: resolved,
    args: args as string[],
    env,
    ...(raw['provideClusterInfo'] === true ? { cluster } : {}),
    ...(hint ? { installHint: hint } : {}),
  };
}

export class ExecCredentialError extends Error {
  override readonly name = 'ExecCredentialError';
}

export interface ExecCredential {
  readonly token: string;
  /** Epoch ms; undefined: valid until the API server refuses it. */
  readonly expiresAt?: number;
}

/** The ExecCredential a plugin printed, checked against the apiVersion it was asked for. */
export function parseExecCredential(stdout: string, apiVersion: ExecApiVersion): ExecCredential {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new ExecCredentialError(`plugin output is not JSON: ${stdout.trim().slice(0, 200)}`);
  }
  if (!isRec(doc) || doc['kind'] !== 'ExecCredential') throw new ExecCredentialError('plugin output is not an ExecCredential');
  if (doc['apiVersion'] !== apiVersion) throw new ExecCredentialError(`plugin answered ${JSON.stringify(doc['apiVersion'])}, asked for ${apiVersion}`);
  const status = doc['status'];
  if (!isRec(status)) throw new ExecCredentialError('ExecCredential has no status');
  const token = status['token'];
  if (typeof token !== 'string' || token === '') {
    if (status['clientCertificateData'] !== undefined) throw new ExecCredentialError('plugin returned a client certificate; only plugins returning a token are supported');
    throw new ExecCredentialError('ExecCredential status has no token');
  }
  const expiry = status['expirationTimestamp'];
  if (expiry === undefined || expiry === null) return { token };
  const expiresAt = typeof expiry === 'string' ? Date.parse(expiry) : NaN;
  if (Number.isNaN(expiresAt)) throw new ExecCredentialError(`expirationTimestamp ${JSON.stringify(expiry)} is not an RFC 3339 time`);
  return { token, expiresAt };
}

/** What the plugin reads from KUBERNETES_EXEC_INFO. */
export function execInfo(spec: ExecSpec): string {
  const cluster = spec.cluster && {
    server: spec.cluster.server,
    ...(spec.cluster.caData ? { 'certificate-authority-data': spec.cluster.caData.toString('base64') } : {}),
    ...(spec.cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
  };
  return JSON.stringify({ apiVersion: spec.apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(cluster ? { cluster } : {}) } });
}

/** Renew this long before expirationTimestamp, so a request never leaves with a token about to lapse. */
export const renewBeforeMs = 10_000;
export const execTimeoutMs = 60_000;

export class ExecToken implements TokenSource {
  private current: ExecCredential | undefined;
  private running: Promise<string> | undefined;

  constructor(
    private readonly spec: ExecSpec,
    private readonly now: () => number = Date.now,
  ) {}

  token(): Promise<string> {
    const c = this.current;
    if (c !== undefined && (c.expiresAt === undefined || this.now() < c.expiresAt - renewBeforeMs)) return Promise.resolve(c.token);
    // Concurrent requests share one run of the plugin.
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  /** The API server refused the token (401): the next request runs the plugin again. */
  invalidate(rejected: string): void {
    if (this.current?.token === rejected) this.current = undefined;
  }

  private run(): Promise<string> {
    const { command, args, env, apiVersion, installHint } = this.spec;
    return new Promise<string>((resolvePromise, reject) => {
      execFile(
        command,
        [...args],
        { env: { ...process.env, ...env, KUBERNETES_EXEC_INFO: execInfo(this.spec) }, timeout: execTimeoutMs, maxBuffer: 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (err) {
            const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
            const why = notFound ? `${command} not found${installHint ? ` (${installHint.trim()})` : ''}` : `${command} failed: ${err.message}${stderr ? `: ${stderr.trim().slice(0, 500)}` : ''}`;
            return reject(new ExecCredentialError(`credential plugin: ${why}`));
          }
          try {
            this.current = parseExecCredential(stdout, apiVersion);
            resolvePromise(this.current.token);
          } catch (e) {
            reject(e);
          }
        },
      );
    });
  }
}
