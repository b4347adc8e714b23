// Nothing of a control plane outlives its run: after stop(), when the owner exits without stopping,
// on SIGTERM, and when the owner is SIGKILLed (children die with it; sweepStale removes the dir).
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DIR_PREFIX, sweepStale, testenvProcesses } from './cleanup.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { testenvFromJest } from './jest-info.js';
import { repoRoot } from './tools.js';
import { sleep } from './wait.js';

jest.setTimeout(120_000);

/** A live process (not a zombie) with this pid. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function leftovers(dir: string): { pids: number[]; dirExists: boolean } {
  return { pids: testenvProcesses().filter((p) => p.dir === dir).map((p) => p.pid), dirExists: existsSync(dir) };
}

const scratch = mkdtempSync(join(tmpdir(), 'l2lb-cleanup-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts a control plane in a child Node process; resolves once it is ready. */
async function ownerProcess(mode: 'wait' | 'exit'): Promise<{ pid: number; dir: string; pids: number[]; exited: Promise<void> }> {
  const script = join(scratch, 'owner.mjs');
  writeFileSync(
    script,
    `import { startControlPlane } from ${JSON.stringify(join(repoRoot(), 'dist/e2e/testenv/control-plane.js'))};
const cp = await startControlPlane();
process.stdout.write(JSON.stringify({ dir: cp.dir, pids: cp.pids }) + '\\n');
if (process.argv[2] === 'exit') process.exit(0); // no stop(): the exit handler must clean up
setInterval(() => {}, 1 << 30);
`,
  );
  const child = spawn(process.execPath, [script, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`owner exited early (${code})`)));
  });
  const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
  return { pid: child.pid ?? 0, dir, pids, exited };
}

// Three owners started at once: a control plane start is mostly waiting, so this saves ~10 s.
type Owned = Awaited<ReturnType<typeof ownerProcess>>;
let owners: { exits: Owned; sigterm: Owned; sigkill: Owned };
let live: ControlPlane;
beforeAll(async () => {
  // This process's own run first: startControlPlane() sweeps, and must not race the owners' starts.
  live = await startControlPlane();
  const [exits, sigterm, sigkill] = await Promise.all([ownerProcess('exit'), ownerProcess('wait'), ownerProcess('wait')]);
  owners = { exits, sigterm, sigkill };
});
afterAll(async () => {
  await live?.stop();
});

test('an owner that exits without stop() takes its control plane along', async () => {
  const owner = owners.exits;
  await owner.exited;
  await until('processes gone', () => owner.pids.every((p) => !running(p)));
  expect(leftovers(owner.dir)).toEqual({ pids: [], dirExists: false });
});

test('SIGTERM to the owner stops its control plane and removes the temp dir', async () => {
  const owner = owners.sigterm;
  process.kill(owner.pid, 'SIGTERM');
  await owner.exited;
  await until('processes gone', () => owner.pids.every((p) => !running(p)));
  expect(leftovers(owner.dir)).toEqual({ pids: [], dirExists: false });
});

test('a SIGKILLed owner: its children die with it, sweepStale() removes the temp dir', async () => {
  const owner = owners.sigkill;
  process.kill(owner.pid, 'SIGKILL');
  await owner.exited;
  await until('processes gone (pdeathsig)', () => owner.pids.every((p) => !running(p)));
  expect(existsSync(owner.dir)).toBe(true);
  const swept = sweepStale();
  expect(swept.removedDirs).toContain(owner.dir);
  expect(leftovers(owner.dir)).toEqual({ pids: [], dirExists: false });
});

test('sweepStale() kills a process still naming a dead owner\'s dir, and spares live runs', async () => {
  const dead = join(tmpdir(), `${DIR_PREFIX}sweeptest${process.pid}`);
  try {
    mkdirSync(dead, { recursive: true });
    writeFileSync(join(dead, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 1, startTime: 'gone' }));
    // A process whose command line names the dead run's dir, like an orphaned etcd would.
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)', join(dead, 'etcd-data')], { stdio: 'ignore', detached: true });
    const exited = new Promise<void>((r) => orphan.once('exit', () => r()));
    await until('orphan visible', () => testenvProcesses().some((p) => p.pid === orphan.pid));

    const swept = sweepStale();
    expect(swept.killedPids).toContain(orphan.pid);
    expect(swept.removedDirs).toContain(dead);
    await exited;
    expect(existsSync(dead)).toBe(false);
    // The live run (owned by this process) is untouched.
    expect(live.pids.every(running)).toBe(true);
    expect(existsSync(live.dir)).toBe(true);
  } finally {
    rmSync(dead, { recursive: true, force: true });
  }
});

test('a start that fails half-way (a CRD the API server refuses) leaks no process and no dir', async () => {
  const crdDir = join(scratch, 'bad-crds');
  mkdirSync(crdDir, { recursive: true });
  writeFileSync(join(crdDir, 'bad.yaml'), 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: bad.example.com\nspec:\n  group: example.com\n');
  const before = new Set(testenvProcesses().map((p) => p.pid));
  await expect(startControlPlane({ crdDir })).rejects.toThrow('create CRD bad.example.com: HTTP 422');
  // Ours: started by this process (its child) or in a dir this process owns. Other jests' runs
  // (another suite or developer on this machine) may be starting or stopping meanwhile: a dir
  // without owner.json, or gone, says nothing about whose it was.
  const ownerPid = (dir: string): number | undefined => {
    try {
      return (JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      return undefined;
    }
  };
  const parentPid = (pid: number): number | undefined => {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    } catch {
      return undefined;
    }
  };
  const ours = (dir: string): boolean => ownerPid(dir) === process.pid;
  const leaked = testenvProcesses().filter((p) => !before.has(p.pid) && p.dir !== live.dir && (parentPid(p.pid) === process.pid || ours(p.dir)) && running(p.pid));
  expect(leaked).toEqual([]);
  // This process also owns `live` and the suite's control plane (jest --runInBand).
  const known = new Set([live.dir, testenvFromJest().dir]);
  const dirs = readdirSync(tmpdir()).filter((n) => n.startsWith(DIR_PREFIX)).map((n) => join(tmpdir(), n));
  expect(dirs.filter((d) => !known.has(d) && ours(d) && existsSync(join(d, 'owner.json')))).toEqual([]);
});

test('stop() leaves no process and no temp dir', async () => {
  expect(live.pids).toHaveLength(3);
  expect(live.pids.every(running)).toBe(true);
  expect(leftovers(live.dir).pids.length).toBeGreaterThanOrEqual(3);
  await live.stop();
  expect(live.pids.filter(running)).toEqual([]);
  expect(leftovers(live.dir)).toEqual({ pids: [], dirExists: false });
  await live.stop(); // idempotent
});
