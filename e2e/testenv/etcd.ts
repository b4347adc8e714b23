// etcd for one test control plane: loopback only, data in the run's temp dir, no fsync (tests
// throw the data away; fsync is most of etcd's write latency on a busy CI disk).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts } from './ports.js';
import { startProcess, type ManagedProcess } from './proc.js';
import { waitFor } from './wait.js';

export interface Etcd {
  readonly url: string;
  readonly proc: ManagedProcess;
}

export function etcdArgs(dataDir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=l2lb-testenv',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=l2lb-testenv=${peer}`,
    '--initial-cluster-state=new',
    '--unsafe-no-fsync',
    // A single member elects itself after one election timeout (default 1 s): shorten it.
    '--heartbeat-interval=10',
    '--election-timeout=100',
    '--log-level=warn',
  ];
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
  const body = (await res.json()) as { health?: unknown };
  return res.ok && body.health === 'true';
}

/** `track` sees every process as soon as it is spawned, so a failed start can still be cleaned up. */
export async function startEtcd(binary: string, dir: string, timeoutMs = 30_000, track: (p: ManagedProcess) => void = () => {}): Promise<Etcd> {
  // A port can be grabbed between freePorts() and etcd's bind: retry with new ones.
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = (await freePorts('127.0.0.1', 2)) as [number, number];
    const dataDir = join(dir, `etcd-data-${attempt}`);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const url = `http://127.0.0.1:${clientPort}`;
    const proc = startProcess('etcd', binary, etcdArgs(dataDir, clientPort, peerPort), join(dir, 'etcd.log'));
    track(proc);
    try {
      await waitFor('etcd', () => healthy(url), { timeoutMs, proc, intervalMs: 50 });
      return { url, proc };
    } catch (e) {
      await proc.stop(1000);
      if (attempt >= 3) throw e;
    }
  }
}
