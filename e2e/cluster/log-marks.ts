// Reading the speakers' JSON logs by window: a mark remembers how far each speaker process had
// logged, and `since` returns what every speaker (including ones started after the mark: a
// restarted speaker is a new process) logged after it. Tests and benchmarks count ownership
// moves and peer deaths this way.
import type { LogLine, ProgramProcess } from '../programs/process.js';
import type { LabCluster } from './lab-cluster.js';

export type LogMark = ReadonlyMap<ProgramProcess, number>;

export interface NodeLog extends LogLine {
  /** The node whose speaker wrote the line. */
  readonly node: string;
}

export function markLogs(c: LabCluster): LogMark {
  return new Map([...c.speakers.values()].map((p) => [p, p.logs.length]));
}

/** Lines logged since the mark by the speakers running now and by those the mark knew. */
export function logsSince(c: LabCluster, mark: LogMark, events?: readonly string[]): NodeLog[] {
  const procs = new Map<ProgramProcess, string>();
  for (const p of mark.keys()) procs.set(p, nodeOf(c, p));
  for (const [node, p] of c.speakers) procs.set(p, node);
  const out: NodeLog[] = [];
  for (const [p, node] of procs) {
    for (const l of p.logs.slice(mark.get(p) ?? 0)) {
      if (events === undefined || (l.event !== undefined && events.includes(l.event))) out.push({ ...l, node });
    }
  }
  return out.sort((a, b) => String(a['ts']).localeCompare(String(b['ts'])));
}

function nodeOf(c: LabCluster, p: ProgramProcess): string {
  for (const [node, q] of c.speakers) if (q === p) return node;
  const line = p.logs.find((l) => typeof l['node'] === 'string');
  return typeof line?.['node'] === 'string' ? line['node'] : '?';
}
