// The HTTP endpoint every l2lb program serves: /metrics (Prometheus text format from a
// prom-client Registry), /healthz (the process is alive and its loops turn), /readyz (it has
// synced and can do its job). Probes are functions so each program defines what "ready" means.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Probe {
  (): { ok: true } | { ok: false; reason: string };
}

export interface MetricsServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly registry: Registry;
  /** Default: always healthy (a process that answers at all has a turning event loop). */
  readonly healthy?: Probe;
  readonly ready: Probe;
}

export interface MetricsServer {
  address(): AddressInfo;
  /** Stops listening and resolves once open connections have ended. */
  close(): Promise<void>;
}

const alwaysOk: Probe = () => ({ ok: true });

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
      );
      return;
    }
    const probe = path === '/healthz' ? (opts.healthy ?? alwaysOk) : path === '/readyz' ? opts.ready : undefined;
    if (!probe) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const result = probe();
    if (result.ok) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    else res.writeHead(503, { 'content-type': 'text/plain' }).end(`${result.reason}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    address: () => server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
