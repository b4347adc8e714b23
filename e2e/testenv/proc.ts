// A child process of the test control plane: its own process group (so stop() takes any helper
// it forks along), output appended to a log file in the run's temp dir, and — through
// `setpriv --pdeathsig KILL` — killed by the kernel if the Node process that started it dies
// without cleaning up (a crashed jest, a SIGKILLed `make cluster-up` supervisor).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
  /** SIGTERM to the whole group, SIGKILL after graceMs; resolves when the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
}

let setprivChecked: boolean | undefined;
/** util-linux setpriv with --pdeathsig; checked once so a machine without it still works. */
function haveSetpriv(): boolean {
  if (setprivChecked === undefined) {
    const r = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
    setprivChecked = r.status === 0 && r.stdout.includes('--pdeathsig');
  }
  return setprivChecked;
}

export function startProcess(name: string, binary: string, args: readonly string[], logFile: string): ManagedProcess {
  const fd = openSync(logFile, 'a');
  const [cmd, argv] = haveSetpriv() ? ['setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, [...args]];
  let child: ChildProcess;
  try {
    child = spawn(cmd, argv, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new ProcessStartError(`${name}: could not start ${binary}`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      done = true;
      resolve('spawn-error');
    });
  });
  // The control plane must not keep a finished test run alive.
  child.unref();
  return {
    name,
    pid,
    logFile,
    exited,
    hasExited: () => done,
    async stop(graceMs = 5000): Promise<void> {
      if (done) {
        killGroup(pid, 'SIGKILL'); // stragglers in the group, if any
        return;
      }
      // Keep the event loop alive until the process is really gone.
      child.ref();
      killGroup(pid, 'SIGTERM');
      let timeout: NodeJS.Timeout | undefined;
      const timer = new Promise<'timeout'>((r) => (timeout = setTimeout(() => r('timeout'), graceMs)));
      if ((await Promise.race([exited, timer])) === 'timeout') {
        killGroup(pid, 'SIGKILL');
        await exited;
      }
      clearTimeout(timeout);
      killGroup(pid, 'SIGKILL');
    },
  };
}

/** Signals a process group; a group that no longer exists is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
