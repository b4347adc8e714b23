// Runs the real l2lb programs (compiled, from dist/) as child processes for integration tests, lab
// tests, the demo and benchmarks: JSON log lines are parsed and kept, a test can wait for a log
// event, and every process started here is killed when the test process exits, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../testenv/tools.js';

export type ProgramName = 'controller' | 'speaker' | 'announce';
export type LogLine = Record<string, unknown> & { event?: string; msg?: string; level?: string };

export interface ProgramOptions {
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Prefix for echoing the program's output to stderr (debugging); off when undefined. */
  readonly echo?: string;
  /**
   * Only these capabilities (e.g. ['net_raw']), as a pod's securityContext grants them: the
   * program still runs as root, with every other capability outside its bounding set.
   */
  readonly capabilities?: readonly string[];
}

const live = new Set<ChildProcess>();
let hooked = false;
function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
  });
}

/**
 * The environment a program gets: ours, as the image's would be. NODE_EXTRA_CA_CERTS (set on
 * build machines for the package registry) goes: it makes every Node.js process load the whole
 * system CA bundle at start (~1.8 MB of RSS), which the image does not, and the programs trust
 * only the CA of their kubeconfig.
 */
export function programEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest['NODE_EXTRA_CA_CERTS'];
  return rest;
}

export const programEntry = (name: ProgramName): string => join(repoRoot(), 'dist', name === 'announce' ? 'speaker/announce-cli' : name, 'main.js');

export class ProgramProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(readonly name: ProgramName, args: readonly string[], opts: ProgramOptions = {}) {
    const entry = programEntry(name);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`make build\` first`);
    // The speaker through its bin script, as the image runs it: the script carries its V8 memory
    // flags, and the memory figures of the tests and benchmarks must be the product's.
    const argv = name === 'speaker' ? [join(repoRoot(), 'bin', 'l2lb-speaker'), ...args] : [process.execPath, '--enable-source-maps', entry, ...args];
    const limited = opts.capabilities ? ['setpriv', '--inh-caps=-all', `--bounding-set=-all${opts.capabilities.map((c) => `,+${c}`).join('')}`, '--', ...argv] : argv;
    const [cmd, ...rest] = opts.netns ? ['ip', 'netns', 'exec', opts.netns, ...limited] : limited;
    this.child = spawn(cmd!, rest, { env: { L2LB_NODE: process.execPath, ...programEnv(process.env), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    killAllOnExit();
    live.add(this.child);
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      live.delete(this.child);
      resolve({ code, signal });
    }));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (opts.echo) process.stderr.write(`${opts.echo} ${line}\n`);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        parsed = { event: 'unstructured', msg: line };
      }
      this.logs.push(parsed);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(parsed)) return true;
        w.resolve(parsed);
        return false;
      });
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      if (opts.echo) process.stderr.write(`${opts.echo} [stderr] ${line}\n`);
      this.stderr.push(line);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line (already seen or future) matching pred. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 15_000, what = 'log line'): Promise<LogLine> {
    const seen = this.logs.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; last lines:\n${this.tail()}`));
      }, timeoutMs);
      const done = (l: LogLine): void => {
        clearTimeout(timer);
        resolve(l);
      };
      this.waiters.push({ pred, resolve: done });
      void this.exited.then(({ code, signal }) => {
        if (!this.waiters.some((w) => w.resolve === done)) return;
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) before the ${what}; last lines:\n${this.tail()}`));
      });
    });
  }

  waitForEvent(event: string, timeoutMs?: number): Promise<LogLine> {
    return this.waitForLog((l) => l.event === event, timeoutMs, `"${event}" event`);
  }

  tail(n = 15): string {
    return [...this.logs.slice(-n).map((l) => JSON.stringify(l)), ...this.stderr.slice(-n)].join('\n');
  }

  /** Sends the signal and waits for exit; SIGKILL after graceMs. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

export function startProgram(name: ProgramName, args: readonly string[], opts?: ProgramOptions): ProgramProcess {
  return new ProgramProcess(name, args, opts);
}
