// Nothing of a test control plane may outlive its run: not when a test fails, not when jest or
// the `make cluster-up` supervisor is interrupted, not when it is killed outright.
// - live runs are stopped from process exit / SIGINT / SIGTERM / SIGHUP handlers;
// - children die with their parent (setpriv --pdeathsig, see proc.ts) even on SIGKILL;
// - sweepStale() removes what a SIGKILLed run still left behind: its temp dir, and any process
//   whose command line names a run dir whose owner is gone.
// Every run lives in `$TMPDIR/l2lb-testenv-*` with an owner.json naming the owning process.
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup } from './proc.js';

export const DIR_PREFIX = 'l2lb-testenv-';

export interface Owner {
  readonly pid: number;
  /** /proc/<pid>/stat field 22, so a recycled pid is not mistaken for the owner. */
  readonly startTime: string;
}

export interface LiveRun {
  readonly dir: string;
  /** Process group ids of the run's children. */
  pgids(): number[];
  stop(): Promise<void>;
}

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function currentOwner(): Owner {
  return { pid: process.pid, startTime: procStartTime(process.pid) ?? '' };
}

export function writeOwner(dir: string, owner: Owner = currentOwner()): void {
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
}

export function ownerAlive(owner: Owner): boolean {
  return procStartTime(owner.pid) === owner.startTime;
}

function readOwner(dir: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.startTime === 'string' ? { pid: o.pid, startTime: o.startTime } : undefined;
  } catch {
    return undefined;
  }
}

const live = new Set<LiveRun>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const run of live) {
    for (const pgid of run.pgids()) killGroup(pgid, 'SIGKILL');
    rmSync(run.dir, { recursive: true, force: true });
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  const runs = [...live];
  live.clear();
  void Promise.allSettled(runs.map((r) => r.stop())).finally(() => {
    process.removeListener(signal, onSignal);
    // Die of the same signal, as if we had not intercepted it (unless someone else handles it).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
}

export function registerRun(run: LiveRun): void {
  installHandlers();
  live.add(run);
}

export function unregisterRun(run: LiveRun): void {
  live.delete(run);
}

/** A run dir whose owner is not alive (or that never got an owner and is older than a start). */
function isStale(dir: string, now: number): boolean {
  const owner = readOwner(dir);
  if (owner) return !ownerAlive(owner);
  try {
    return now - statSync(dir).mtimeMs > 10 * 60_000;
  } catch {
    return true;
  }
}

export interface SweepResult {
  readonly killedPids: number[];
  readonly removedDirs: string[];
}

/** PIDs whose command line mentions a path under `$TMPDIR/l2lb-testenv-*`, with that dir. */
export function testenvProcesses(root = tmpdir()): { pid: number; dir: string }[] {
  const out: { pid: number; dir: string }[] = [];
  const re = new RegExp(`${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(${DIR_PREFIX}[A-Za-z0-9]+)`);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const m = re.exec(cmdline);
    if (m) out.push({ pid, dir: join(root, m[1]!) });
  }
  return out;
}

/**
 * Kills processes of runs whose owner is gone and removes their dirs. Runs of live owners
 * (another jest, a `make cluster-up`, another helper's tests) are left alone.
 */
export function sweepStale(root = tmpdir()): SweepResult {
  const now = Date.now();
  const staleDirs = new Set(
    readdirSync(root)
      .filter((n) => n.startsWith(DIR_PREFIX))
      .map((n) => join(root, n))
      .filter((d) => isStale(d, now)),
  );
  const killedPids: number[] = [];
  for (const { pid, dir } of testenvProcesses(root)) {
    let dirExists = true;
    try {
      statSync(dir);
    } catch {
      dirExists = false;
    }
    if (!dirExists || staleDirs.has(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
        killedPids.push(pid);
      } catch {
        // already gone
      }
    }
  }
  for (const d of staleDirs) rmSync(d, { recursive: true, force: true });
  return { killedPids, removedDirs: [...staleDirs] };
}
