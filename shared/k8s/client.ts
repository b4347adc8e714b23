// A small Kubernetes API client: JSON over node:https with one keep-alive Agent, so every call
// after the first reuses a connection (no TCP + TLS handshake per request on either end); through
// an HTTP CONNECT proxy when the kubeconfig or HTTPS_PROXY names one. It
// replaces @kubernetes/client-node at runtime, whose import alone (the generated API and its
// serializer) costs ~70 MB of RSS; tests may still use client-node.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ApiError, apiErrorFrom, parseRetryAfter, TransportError } from './api-error.js';
import { HttpProxyAgent, HttpsProxyAgent } from './connect-agent.js';
import { loadConnection, type Connection, type ConnectionChoice } from './connection.js';
import { requestUrl, type Query } from './url.js';

// Callers import these from here (they did before this client existed).
export { apiStatus, describeApiError, writeInDoubt } from './api-error.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ClientOptions {
  /** Deadline of a whole non-watch call (connect, send, read the answer). */
  readonly timeoutMs?: number;
}

export const defaultTimeoutMs = 30_000;

/** Per-call limits, for callers whose right to send expires (a leader's writes, Lease renewals). */
export interface CallOptions {
  /** Deadline of this call instead of the client's. */
  readonly timeoutMs?: number;
  /** Aborting destroys the request; the call rejects with TransportError. */
  readonly signal?: AbortSignal;
  /**
   * Runs immediately before the request is handed to the socket (after any token refresh); a
   * throw refuses the call. A leader checks here that its Lease is still valid at that instant.
   */
  readonly guard?: () => void;
}

/** Internal: the request went out on a reused connection the server had already closed. */
class StaleConnectionError extends Error {
  override readonly name = 'StaleConnectionError';
  constructor() {
    super('a reused connection was reset before any answer');
  }
}

export class KubeClient {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;
  private readonly timeoutMs: number;
  /** Requests handed to the server so far, by method (watches count as GET), for request-rate metrics. */
  readonly requestsSent: Record<Method, number> = { GET: 0, POST: 0, PUT: 0, DELETE: 0 };
  /** The bearer token of the latest request: the one a 401 refused (sources renew only that one). */
  private lastToken: string | undefined;

  constructor(
    readonly connection: Connection,
    opts: ClientOptions = {},
  ) {
    this.secure = new URL(connection.server).protocol === 'https:';
    this.timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    // keepAlive pools connections between calls. A watch on a peer that vanished without a reset
    // is not this agent's business: watch.ts ends every stream at its own deadline.
    // lifo: reuse the most recent (least likely closed by the server while idle) connection.
    const common = { keepAlive: true, scheduling: 'lifo' as const };
    const { proxy } = connection;
    if (this.secure) this.agent = proxy ? new HttpsProxyAgent(proxy, { ...common, ...connection.tls }) : new HttpsAgent({ ...common, ...connection.tls });
    else this.agent = proxy ? new HttpProxyAgent(proxy, common) : new HttpAgent(common);
  }

  get<T>(path: string, query?: Query, call?: CallOptions): Promise<T> {
    return this.request<T>('GET', path, { query, ...call });
  }

  create<T>(path: string, body: unknown, call?: CallOptions): Promise<T> {
    return this.request<T>('POST', path, { body, ...call });
  }

  replace<T>(path: string, body: unknown, call?: CallOptions): Promise<T> {
    return this.request<T>('PUT', path, { body, ...call });
  }

  /** DELETE; `body` may carry DeleteOptions (e.g. preconditions). */
  delete<T>(path: string, body?: unknown, call?: CallOptions): Promise<T> {
    return this.request<T>('DELETE', path, { body, ...call });
  }

  /** A JSON call: resolves with the parsed answer of a 2xx, rejects with ApiError or TransportError. */
  async request<T>(method: Method, path: string, opts: { query?: Query; body?: unknown } & CallOptions = {}): Promise<T> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    try {
      return await this.once<T>(method, path, opts.query, payload, opts);
    } catch (err) {
      // A pooled connection the server closed while idle, found out only on reuse: the request
      // never reached the server, so sending it again on a fresh connection is safe. A token
      // refused (401) that its source can renew (an exec plugin's): renewed once, sent again.
      if (!(err instanceof StaleConnectionError) && !this.renewedToken(err)) throw err;
      try {
        return await this.once<T>(method, path, opts.query, payload, opts);
      } catch (again) {
        // A reset after the request went out looks the same as an idle close: a write whose retry
        // conflicts may be conflicting with its own first attempt, which the server applied.
        if (err instanceof StaleConnectionError && method !== 'GET' && again instanceof ApiError && again.status === 409) {
          throw new TransportError(method, path, new Error('connection reset after sending; the retry conflicted, so the first attempt may have been applied'));
        }
        // Reset again on another pooled connection: the server dropped them all at once, as a
        // restarting one does. A transport failure like any other, and a write is in doubt (a
        // reset can follow the server applying the request).
        if (again instanceof StaleConnectionError) throw new TransportError(method, path, new Error('connection reset before an answer, twice on reused connections'));
        throw again;
      }
    }
  }

  /** After a 401: tells the token source, and says whether a retry may get a different token. */
  private renewedToken(err: unknown): boolean {
    const source = this.connection.token;
    if (!(err instanceof ApiError) || err.status !== 401 || !source?.invalidate || this.lastToken === undefined) return false;
    source.invalidate(this.lastToken);
    return true;
  }

  private async once<T>(method: Method, path: string, query: Query | undefined, payload: string | undefined, call: CallOptions): Promise<T> {
    const req = await this.open(method, path, query, payload, call.signal, call.guard);
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      const fail = (err: unknown): void => reject(err instanceof ApiError ? err : new TransportError(method, path, err));
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!answered && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) reject(new StaleConnectionError());
        else fail(err);
      });
      req.on('response', (res) => {
        answered = true;
        readBody(res).then(
          (text) => {
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) return reject(apiErrorFrom(status, text, method, path, parseRetryAfter(res.headers['retry-after'])));
            try {
              resolve((text === '' ? undefined : JSON.parse(text)) as T);
            } catch (err) {
              fail(err);
            }
          },
          (err: unknown) => {
            clearTimeout(timer);
            fail(err);
          },
        );
      });
      req.end(payload);
    });
  }

  /**
   * A streaming GET (a watch): resolves with the response once a 2xx status arrives; a non-2xx
   * rejects with ApiError. No deadline here: the caller bounds the stream (timeoutSeconds) and
   * aborts through `signal`.
   */
  async stream(path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
    try {
      return await this.streamOnce(path, query, signal);
    } catch (err) {
      if (!this.renewedToken(err)) throw err;
      return this.streamOnce(path, query, signal);
    }
  }

  private async streamOnce(path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
    const req = await this.open('GET', path, query, undefined, signal);
    return new Promise<IncomingMessage>((resolve, reject) => {
      req.on('error', (err) => reject(new TransportError('GET', path, err)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status <= 299) return resolve(res);
        readBody(res).then(
          (text) => reject(apiErrorFrom(status, text, 'GET', path, parseRetryAfter(res.headers['retry-after']))),
          (err: unknown) => reject(new TransportError('GET', path, err)),
        );
      });
      req.end();
    });
  }

  /** Closes idle connections; in-flight calls finish (or fail) on their own. */
  close(): void {
    this.agent.destroy();
  }

  private async open(method: Method, path: string, query: Query | undefined, payload: string | undefined, signal?: AbortSignal, guard?: () => void) {
    const url = requestUrl(this.connection.server, path, query);
    // The User-Agent names l2lb in the API server's audit log and request logs.
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'l2lb' };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (this.connection.token) {
      try {
        this.lastToken = await this.connection.token.token();
        headers['Authorization'] = `Bearer ${this.lastToken}`;
      } catch (err) {
        throw new TransportError(method, path, err, { sent: false });
      }
    }
    try {
      signal?.throwIfAborted();
      guard?.();
    } catch (err) {
      throw new TransportError(method, path, err, { sent: false });
    }
    const options: RequestOptions = { method, headers, agent: this.agent, ...(signal ? { signal } : {}) };
    this.requestsSent[method]++;
    return this.secure ? httpsRequest(url, options) : httpRequest(url, options);
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve(text));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new Error('connection closed before the answer was complete'));
    });
  });
}

/** The program's client: --kubeconfig (a path, or with --context), else KUBECONFIG, else in-cluster. */
export function loadKubeClient(choice: string | ConnectionChoice | undefined, opts?: ClientOptions): KubeClient {
  return new KubeClient(loadConnection(typeof choice === 'string' ? { kubeconfig: choice } : choice), opts);
}
