// `make cluster-up` / `make cluster-down`: a test control plane for people, in the background.
//   up    starts a detached supervisor (`serve`), waits until it is ready, prints how to use it
//   down  stops it (idempotent); also sweeps leftovers of crashed runs
// State lives in .l2lb/ (git-ignored): admin.kubeconfig, cluster.json, cluster.log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, usage, UsageError, type FlagSpec } from '../../shared/cli/flags.js';
import { currentOwner, ownerAlive, sweepStale, type Owner } from './cleanup.js';
import { startControlPlane } from './control-plane.js';
import { repoRoot } from './tools.js';
import { sleep } from './wait.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'bind-address', help: 'address the API server binds to and advertises', default: '127.0.0.1' },
  { name: 'extra-san', help: 'extra IP or DNS name for the serving certificate', repeatable: true },
  { name: 'timeout', help: 'seconds to wait for the control plane to be ready', default: '180' },
];

const SUMMARY = `Commands:
  up      start a control plane in the background; admin kubeconfig in .l2lb/admin.kubeconfig
  down    stop it (safe to run when nothing is running)`;

interface ClusterState {
  readonly owner: Owner;
  readonly server: string;
  readonly dir: string;
  readonly pids: readonly number[];
  readonly startMs: number;
  readonly startedAt: string;
}

const stateDir = (): string => join(repoRoot(), '.l2lb');
const paths = () => {
  const d = stateDir();
  return { dir: d, state: join(d, 'cluster.json'), kubeconfig: join(d, 'admin.kubeconfig'), log: join(d, 'cluster.log') };
};

function readState(): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(paths().state, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function forgetState(): void {
  const p = paths();
  rmSync(p.state, { force: true });
  rmSync(p.kubeconfig, { force: true });
}

function hint(s: ClusterState): string {
  return [
    `l2lb: control plane up at ${s.server} (started in ${(s.startMs / 1000).toFixed(1)} s; logs in ${s.dir})`,
    `  export KUBECONFIG=${paths().kubeconfig}`,
    '  kubectl get ipaddresspools,l2advertisements,servicel2statuses -A',
    'Stop it with: make cluster-down',
  ].join('\n');
}

async function up(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags === 'help') return help();
  const existing = readState();
  if (existing && ownerAlive(existing.owner)) {
    console.log(hint(existing));
    return 0;
  }
  forgetState();
  sweepStale();
  const p = paths();
  await mkdir(p.dir, { recursive: true });
  const timeoutS = Number(flags.get('timeout')?.[0] ?? '180');
  const fd = openSync(p.log, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', ...argv], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  process.stdout.write('l2lb: starting etcd, kube-apiserver, kube-controller-manager ...\n');
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline && !exited) {
    const s = readState();
    if (s && s.owner.pid === child.pid) {
      console.log(hint(s));
      return 0;
    }
    await sleep(100);
  }
  console.error(`l2lb: the control plane did not come up${exited ? '' : ` within ${timeoutS} s`}; log (${p.log}):`);
  console.error(readFileSync(p.log, 'utf8').split('\n').slice(-30).join('\n'));
  if (!exited && child.pid) process.kill(child.pid, 'SIGTERM');
  return 1;
}

/** The detached supervisor: owns the control plane until SIGTERM (cleanup.ts stops it then). */
async function serve(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags === 'help') return help();
  const cp = await startControlPlane({
    bindAddress: flags.get('bind-address')?.[0],
    extraSans: flags.get('extra-san') ?? [],
    timeoutMs: Number(flags.get('timeout')?.[0] ?? '180') * 1000,
    log: (line) => console.log(line),
  });
  const p = paths();
  await copyFile(cp.adminKubeconfigPath, p.kubeconfig);
  const state: ClusterState = { owner: currentOwner(), server: cp.server, dir: cp.dir, pids: cp.pids, startMs: cp.startMs, startedAt: new Date().toISOString() };
  await writeFile(`${p.state}.tmp`, JSON.stringify(state, null, 2));
  await rm(p.state, { force: true });
  await copyFile(`${p.state}.tmp`, p.state);
  await rm(`${p.state}.tmp`, { force: true });
  // Stay alive; the control plane's signal handlers stop everything on SIGTERM/SIGINT/SIGHUP.
  setInterval(() => undefined, 1 << 30);
  return new Promise<number>(() => undefined);
}

async function down(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, []);
  if (flags === 'help') return help();
  const s = readState();
  if (s && ownerAlive(s.owner)) {
    process.kill(s.owner.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (ownerAlive(s.owner) && Date.now() < deadline) await sleep(100);
    // Its children die with it (setpriv --pdeathsig); sweepStale below catches any straggler.
    if (ownerAlive(s.owner)) process.kill(s.owner.pid, 'SIGKILL');
  }
  const swept = sweepStale();
  if (s && existsSync(s.dir)) rmSync(s.dir, { recursive: true, force: true });
  forgetState();
  const extra = swept.killedPids.length + swept.removedDirs.length > 0 ? ` (also swept ${swept.killedPids.length} stale processes, ${swept.removedDirs.length} dirs)` : '';
  console.log(s ? `l2lb: control plane stopped${extra}` : `l2lb: no control plane was running${extra}`);
  return 0;
}

function help(): number {
  console.log(usage('cli.js up|down', SUMMARY, FLAGS));
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      return up(rest);
    case 'serve':
      return serve(rest);
    case 'down':
      return down(rest);
    case '--help':
    case '-h':
    case undefined:
      return help();
    default:
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`cli.js: ${err.message}\n\n${usage('cli.js up|down', SUMMARY, FLAGS)}`);
      process.exitCode = 2;
    } else {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    }
  },
);
