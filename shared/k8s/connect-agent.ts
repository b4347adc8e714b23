// Keep-alive agents that reach the API server through an HTTP proxy's CONNECT tunnel (proxy-url,
// HTTPS_PROXY): each new connection first asks the proxy for a tunnel to the server's host:port,
// then speaks TLS (or plain HTTP) inside it, so the proxy sees neither credentials nor traffic.
// Node 20's agents know no proxies; Agent.createConnection may answer through its callback, which
// is what makes the asynchronous CONNECT fit under the ordinary connection pool.
import { Agent as HttpAgent, request as httpRequest, type AgentOptions, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

type Callback = (err: Error | null, socket?: Duplex) => void;

export class ProxyConnectError extends Error {
  override readonly name = 'ProxyConnectError';
}

/** Opens a CONNECT tunnel to host:port through `proxy` (an http:// URL, credentials in its userinfo). */
export function openTunnel(proxy: URL, host: string, port: number, done: (err: Error | null, socket?: Socket) => void): void {
  const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { Host: target };
  if (proxy.username !== '') headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  const req = httpRequest({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: proxy.port || 80, method: 'CONNECT', path: target, headers, agent: false });
  req.once('connect', (res, socket) => {
    if (res.statusCode !== 200) {
      socket.destroy();
      return done(new ProxyConnectError(`proxy ${proxy.host} refused the tunnel to ${target}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
    }
    done(null, socket);
  });
  req.once('error', (err) => done(new ProxyConnectError(`proxy ${proxy.host}: ${err.message}`)));
  req.end();
}

const hostOf = (o: ClientRequestArgs): string => String(o.hostname ?? o.host ?? 'localhost').replace(/^\[|\]$/g, '');

export class HttpsProxyAgent extends HttpsAgent {
  constructor(
    private readonly proxy: URL,
    opts: HttpsAgentOptions,
  ) {
    super(opts);
  }

  override createConnection(options: ClientRequestArgs & ConnectionOptions, callback: Callback): undefined {
    const host = hostOf(options);
    openTunnel(this.proxy, host, Number(options.port ?? 443), (err, socket) => {
      if (err || !socket) return callback(err ?? new ProxyConnectError('no tunnel'));
      // servername: the server's name for SNI and verification, not the proxy's (an IP gets none).
      const tls = tlsConnect({ ...options, socket, servername: options.servername ?? (/^[\d.]+$|:/.test(host) ? undefined : host) } as ConnectionOptions);
      callback(null, tls);
    });
    return undefined;
  }
}

export class HttpProxyAgent extends HttpAgent {
  constructor(
    private readonly proxy: URL,
    opts: AgentOptions,
  ) {
    super(opts);
  }

  override createConnection(options: ClientRequestArgs, callback: Callback): undefined {
    openTunnel(this.proxy, hostOf(options), Number(options.port ?? 80), (err, socket) => callback(err, socket));
    return undefined;
  }
}
