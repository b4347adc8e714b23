// Plain JSON requests to the API server with a KubeConfig's credentials. Needed where client-node's
// typed serializer would change the object: it maps TypeScript field names (`_default`,
// `x_kubernetes_validations`, `_enum`) to JSON ones, so a CRD parsed from YAML would silently lose
// its defaults, enums and CEL rules. Also used for the Table form kubectl prints.
import { request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

export class RawApiError extends Error {
  override readonly name = 'RawApiError';
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

export async function rawRequest(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('KubeConfig has no current cluster');
  const url = new URL(path, server);
  const opts: RequestOptions = {
    method,
    headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, agent: false, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** rawRequest that expects a 2xx and parses the JSON answer. */
export async function rawJson<T>(kc: KubeConfig, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const res = await rawRequest(kc, method, path, body, headers);
  if (res.status < 200 || res.status > 299) throw new RawApiError(res.status, res.body, `${method} ${path}`);
  return JSON.parse(res.body) as T;
}
