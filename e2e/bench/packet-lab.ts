// Lab helpers shared by the packet lab tests and the packet benchmark: run l2lb-announce on a
// node, give the client sender addresses, run the flood generator in the client namespace.
// Spawned programs run from dist/ (`make build` first), as they would be installed.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Lab, LabEndpoint } from '../lab/lab.js';
import { repoPath } from '../lab/repo-root.js';
import { senderRange, type FloodResult, type FloodSpec } from './flood.js';

export interface RunningAnnouncer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Wall-clock ms of the first `announceStarted` log line: the takeover moment. */
  readonly startedAt: number;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export const ANNOUNCE_METRICS_PORT = 7479;

export async function startAnnouncer(
  lab: Lab,
  node: LabEndpoint,
  ips: readonly string[],
  interfaces: readonly string[] = ['eth0'],
  opts: {
    /** Run under `nice -n <niceness>` (negative: ahead of other processes). */
    readonly niceness?: number;
    /** Added to the inherited environment. */
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): Promise<RunningAnnouncer> {
  const { niceness } = opts;
  const argv = [
    ...(niceness === undefined ? [] : ['nice', '-n', String(niceness)]),
    process.execPath,
    repoPath('bin/l2lb-announce'),
    ...interfaces.flatMap((i) => ['--interface', i]),
    ...ips.flatMap((ip) => ['--ip', ip]),
    '--metrics-port',
    String(ANNOUNCE_METRICS_PORT),
  ];
  const child = lab.spawn(node.ns, argv, opts.env ? { env: { ...process.env, ...opts.env } } : {});
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    let startedAt = Number.NaN;
    const timer = setTimeout(() => reject(new Error(`l2lb-announce on ${node.name} not ready in 10 s: ${stderr}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`l2lb-announce on ${node.name} exited ${code}: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry['event'] === 'announceStarted' && Number.isNaN(startedAt)) startedAt = Date.parse(String(entry['ts']));
      if (entry['event'] === 'ready') {
        clearTimeout(timer);
        resolve(startedAt);
      }
    });
  });
  const startedAt = await ready;
  return {
    child,
    pid: child.pid!,
    startedAt,
    logs,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export const SENDERS = 96;

/** Puts the flood's sender addresses on the client, so every reply goes to an address it has. */
export async function addClientSenders(lab: Lab): Promise<{ v4: string[]; v6: string[] }> {
  const v4 = senderRange(4, SENDERS);
  const v6 = senderRange(6, SENDERS);
  const lines = [...v4.map((a) => `addr add ${a}/32 dev eth0`), ...v6.map((a) => `addr add ${a}/128 dev eth0 nodad`)];
  await lab.execOk(lab.client.ns, ['ip', '-batch', '-'], { input: lines.join('\n') + '\n' });
  return { v4, v6 };
}

export async function runFlood(lab: Lab, spec: Omit<FloodSpec, 'ifname'> & { ifname?: string }): Promise<FloodResult> {
  const full: FloodSpec = { ifname: 'eth0', ...spec };
  const r = await lab.execOk(lab.client.ns, [process.execPath, repoPath('dist/e2e/bench/flood.js'), JSON.stringify(full)], { timeoutMs: 120_000 });
  return JSON.parse(r.stdout) as FloodResult;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One counter from the announcer's /metrics in a node namespace (0 when absent). */
export async function announcerCounter(lab: Lab, node: LabEndpoint, name: string, labels: Record<string, string>): Promise<number> {
  // Fetched by node itself inside the namespace: no curl needed on the machine.
  const script = `fetch('http://127.0.0.1:${ANNOUNCE_METRICS_PORT}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const text = (await lab.execOk(node.ns, [process.execPath, '-e', script])).stdout;
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
