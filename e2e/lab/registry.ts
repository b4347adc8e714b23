// Who owns which lab, on disk, so a lab outlives nothing but its owner: every lab writes
// /run/l2lb-lab/<runid>.json (before it creates anything) with its owner's pid and start time;
// the sweep tears down labs whose owner is gone, even after SIGKILL, where no exit handler runs.
// /run is a tmpfs: records vanish with the machine, as the namespaces do.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isValidRunId } from './names.js';

export const REGISTRY_DIR = '/run/l2lb-lab';

export interface LabRecord {
  readonly runId: string;
  readonly nodes: number;
  readonly hostAddress: boolean;
  /** null for the people's lab (`make lab-up`), which lives until `make lab-down`. */
  readonly owner: { readonly pid: number; readonly startTime: string } | null;
  readonly createdAt: string;
}

/** Field 22 of /proc/<pid>/stat: the start time in clock ticks, which tells a reused pid apart. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export function ownerAlive(record: LabRecord): boolean {
  if (record.owner === null) return true;
  return processStartTime(record.owner.pid) === record.owner.startTime;
}

export function writeRecord(record: LabRecord, dir: string = REGISTRY_DIR): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${record.runId}.json`), JSON.stringify(record) + '\n');
}

export function removeRecord(runId: string, dir: string = REGISTRY_DIR): void {
  rmSync(join(dir, `${runId}.json`), { force: true });
}

function isRecord(v: unknown): v is LabRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const owner = r['owner'];
  const ownerOk =
    owner === null ||
    (typeof owner === 'object' && typeof (owner as Record<string, unknown>)['pid'] === 'number' && typeof (owner as Record<string, unknown>)['startTime'] === 'string');
  return typeof r['runId'] === 'string' && isValidRunId(r['runId']) && typeof r['nodes'] === 'number' && typeof r['hostAddress'] === 'boolean' && ownerOk;
}

export function readRecord(runId: string, dir: string = REGISTRY_DIR): LabRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, `${runId}.json`), 'utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function listRecords(dir: string = REGISTRY_DIR): LabRecord[] {
  const out: LabRecord[] = [];
  for (const f of filesIn(dir)) {
    if (!f.endsWith('.json')) continue;
    const r = readRecord(f.slice(0, -5), dir);
    if (r) out.push(r);
  }
  return out;
}

export function ownRecord(runId: string, nodes: number, hostAddress: boolean, persistent: boolean): LabRecord {
  const startTime = processStartTime(process.pid);
  if (!persistent && startTime === undefined) throw new Error('cannot read this process start time from /proc');
  return {
    runId,
    nodes,
    hostAddress,
    owner: persistent ? null : { pid: process.pid, startTime: startTime ?? '' },
    createdAt: new Date().toISOString(),
  };
}

/** The names in a registry folder; none when it does not exist (yet) or cannot be read. */
export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Unix sockets of host-port forwarders (`<runid>-<port>.sock`), left behind if one was killed. */
export function listForwarderSockets(dir: string = REGISTRY_DIR): Array<{ runId: string; path: string }> {
  return filesIn(dir).flatMap((f) => {
    const m = /^([a-z0-9]+)-\d+\.sock$/.exec(f);
    return m?.[1] ? [{ runId: m[1], path: join(dir, f) }] : [];
  });
}
