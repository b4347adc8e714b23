// Client-side observers for failover measurements, both inside the client namespace: a TCP prober
// (one short connection attempt every few ms, each reported with its time and answering node) and
// `ip -ts monitor neigh` (when the client's neighbour entry for the VIP changes MAC).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Lab } from '../lab/lab.js';
import { repoRoot } from '../testenv/tools.js';
import { SERVICE_PORT, STAND_IN_PRIORITY } from './lab-cluster.js';

export interface ProbeResult {
  /** Wall-clock ms (sub-ms precision) when the attempt started. */
  readonly t: number;
  readonly ok: boolean;
  readonly node?: string;
}

abstract class LineWatcher<T> {
  protected readonly items: T[] = [];
  private waiters: { pred: (x: T) => boolean; resolve: (x: T) => void }[] = [];

  protected constructor(protected readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const item = this.parse(line);
      if (item === undefined) return;
      this.items.push(item);
      this.waiters = this.waiters.filter((w) => (w.pred(item) ? (w.resolve(item), false) : true));
    });
  }

  protected abstract parse(line: string): T | undefined;

  /** First item (seen or future) after `since` matching pred; rejects after timeoutMs. */
  waitFor(pred: (x: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const seen = this.items.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (x: T): void => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

export interface ProberOptions {
  readonly port?: number;
  /** tcp: the server names its node unasked (the process lab); http: an l2lb-echo backend. */
  readonly mode?: 'tcp' | 'http';
  readonly maxMs?: number;
  /** serial (default): one attempt at a time; overlap: one starts every interval (fixtures/prober.mjs). */
  readonly schedule?: 'serial' | 'overlap';
}

export class Prober extends LineWatcher<ProbeResult> {
  private readonly overlapping: boolean;

  constructor(lab: Lab, ip: string, intervalMs = 5, private readonly timeoutMs = 50, o: ProberOptions = {}) {
    super(lab.spawn(lab.client.ns, [...STAND_IN_PRIORITY, process.execPath, join(repoRoot(), 'e2e/cluster/fixtures/prober.mjs'), ip, String(o.port ?? SERVICE_PORT), String(intervalMs), String(timeoutMs), String(o.maxMs ?? 120_000), o.mode ?? 'tcp', o.schedule ?? 'serial']));
    this.overlapping = o.schedule === 'overlap';
  }

  protected parse(line: string): ProbeResult | undefined {
    try {
      return JSON.parse(line) as ProbeResult;
    } catch {
      return undefined;
    }
  }

  /**
   * The earliest-started successful answer at or after t from a node other than `not`. With
   * overlapping attempts the first to end need not be the first to start: once one succeeded,
   * every attempt started before it has ended within the probe timeout. Serial attempts end in
   * the order they start, so the first to end is the answer.
   */
  async answeredAfter(t: number, not: string, timeoutMs: number): Promise<ProbeResult> {
    const matches = (r: ProbeResult): boolean => r.ok && r.t >= t && r.node !== not;
    const first = await this.waitFor(matches, timeoutMs, `answer from a node other than ${not}`);
    if (!this.overlapping) return first;
    await new Promise((r) => setTimeout(r, this.timeoutMs + 20));
    return this.items.filter(matches).reduce((a, b) => (b.t < a.t ? b : a), first);
  }

  results(): readonly ProbeResult[] {
    return this.items;
  }
}

export interface NeighborChange {
  readonly t: number;
  readonly ip: string;
  readonly mac: string;
}

/** Parses `ip -ts monitor neigh` lines: "[2026-11-22T19:40:00.123456] 192.0.2.200 dev eth0 lladdr 02:.. REACHABLE". */
export function parseNeighborLine(line: string): NeighborChange | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\]\s+(?:Deleted\s+)?(\S+)\s.*\blladdr\s+([0-9a-f:]{17})/.exec(line);
  if (!m) return undefined;
  const secondsMs = Date.parse(`${m[1]}Z`);
  // `ip -ts` prints local time; the lab's namespaces share the host's TZ (UTC here, checked by the caller).
  return { t: secondsMs + Number(m[2]) / 1000, ip: m[3]!, mac: m[4]! };
}

export class NeighborMonitor extends LineWatcher<NeighborChange> {
  constructor(lab: Lab) {
    super(lab.spawn(lab.client.ns, [...STAND_IN_PRIORITY, 'ip', '-ts', 'monitor', 'neigh'], { env: { ...process.env, TZ: 'UTC' } }));
  }

  protected parse(line: string): NeighborChange | undefined {
    return parseNeighborLine(line);
  }

  /** First change of ip's entry to a MAC other than `oldMac` at or after t. */
  changedAfter(ip: string, oldMac: string, t: number, timeoutMs: number): Promise<NeighborChange> {
    return this.waitFor((c) => c.ip === ip && c.mac !== oldMac && c.t >= t, timeoutMs, `neighbour change of ${ip}`);
  }
}
