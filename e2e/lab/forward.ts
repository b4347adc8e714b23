// Makes a root-namespace TCP server reachable at the lab's host address (192.0.2.254 and
// [2001:db8::fe] on the bridge), as a real API server on the node network is: a forwarder in
// the bridge namespace accepts there and hands each connection over a Unix socket (not
// namespaced) to a forwarder in the root namespace, which connects to the target. TLS passes
// through untouched, so the target's certificate must name 192.0.2.254 / 2001:db8::fe.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { HOST_IPV4, HOST_IPV6 } from './names.js';
import { REGISTRY_DIR } from './registry.js';
import { repoPath } from './repo-root.js';
import { inNs } from './run.js';

export interface HostForwardTarget {
  readonly host?: string; // default 127.0.0.1
  readonly port?: number; // default: the listening port
}

export interface HostForward {
  readonly port: number;
  /** Stops both forwarders. Idempotent. */
  close(): Promise<void>;
}

function started(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`${what} exited ${code}: ${err.trim()}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * detached: the forwarders outlive this process (the people's lab); they exit on their own
 * once the bridge namespace is gone. Otherwise `onChild` sees them, so the lab can kill them.
 */
export async function forwardHostPort(
  runId: string,
  bridgeNs: string,
  port: number,
  target: HostForwardTarget,
  opts: { detached: boolean; onChild?: (c: ChildProcess) => void },
): Promise<HostForward> {
  mkdirSync(REGISTRY_DIR, { recursive: true });
  const unixPath = `${REGISTRY_DIR}/${runId}-${port}.sock`;
  const script = repoPath('e2e/lab/forwarder.mjs');
  const spawnOpts = { detached: opts.detached, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  const serve = spawn(process.execPath, [script, 'serve', unixPath, bridgeNs, target.host ?? '127.0.0.1', String(target.port ?? port)], spawnOpts);
  opts.onChild?.(serve);
  const children = [serve];
  try {
    await started(serve, 'root-side forwarder');
    const [file, ...args] = inNs(bridgeNs, [process.execPath, script, 'listen', unixPath, bridgeNs, HOST_IPV4, String(port), HOST_IPV6, String(port)]);
    const listen = spawn(file!, args, spawnOpts);
    opts.onChild?.(listen);
    children.push(listen);
    await started(listen, 'bridge-side forwarder');
  } catch (err) {
    await Promise.all(children.map(stop));
    throw err;
  }
  if (opts.detached) {
    for (const c of children) {
      c.stdout?.destroy();
      c.stderr?.destroy();
      c.unref();
    }
  }
  return { port, close: async () => void (await Promise.all(children.map(stop))) };
}
