// What a container really runs with, read from the kernel rather than the Pod spec: the processes
// in a node's cgroup tree, their command line, user ids, effective capabilities and whether their
// root filesystem is mounted read-only. (kubectl exec cannot reach the kubelets here; /proc can.)
import { readdirSync, readFileSync } from 'node:fs';

export interface ContainerProcess {
  readonly pid: number;
  readonly cmdline: string;
  readonly uid: number;
  /** Effective capability mask (CapEff), as a bigint. */
  readonly capEff: bigint;
  readonly readOnlyRoot: boolean;
}

/** Bit numbers of the capabilities tests name (linux/capability.h). */
export const CAP = { NET_ADMIN: 12, NET_RAW: 13, SYS_ADMIN: 21 } as const;

/** Parses /proc/<pid>/status for Uid (real) and CapEff. */
export function parseStatus(text: string): { uid: number; capEff: bigint } {
  const uid = Number(/^Uid:\s+(\d+)/m.exec(text)?.[1] ?? NaN);
  const cap = /^CapEff:\s+([0-9a-f]+)/m.exec(text)?.[1];
  if (Number.isNaN(uid) || cap === undefined) throw new Error('no Uid/CapEff in /proc status');
  return { uid, capEff: BigInt(`0x${cap}`) };
}

/** Whether the mount at "/" in a /proc/<pid>/mountinfo text is read-only (the last mount of / wins). */
export function rootReadOnly(mountinfo: string): boolean {
  let ro = false;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f[4] === '/') ro = (f[5] ?? '').split(',').includes('ro');
  }
  return ro;
}

/** Capability names in a mask, for messages. */
export function capNames(mask: bigint): string[] {
  const names = Object.entries(CAP).filter(([, bit]) => (mask >> BigInt(bit)) & 1n).map(([n]) => n);
  const known = Object.values(CAP).reduce((m, bit) => m | (1n << BigInt(bit)), 0n);
  const rest = mask & ~known;
  return rest === 0n ? names : [...names, `0x${rest.toString(16)}`];
}

/** Processes whose cgroup path lies under cgroupRoot and whose command line contains `match`. */
export function findContainerProcesses(cgroupRoot: string, match: string): ContainerProcess[] {
  const out: ContainerProcess[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cgroup = readFileSync(`/proc/${d}/cgroup`, 'utf8');
      if (!cgroup.split('\n').some((l) => l.split(':')[2]?.startsWith(`${cgroupRoot}/`))) continue;
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (!cmdline.includes(match)) continue;
      const { uid, capEff } = parseStatus(readFileSync(`/proc/${d}/status`, 'utf8'));
      out.push({ pid: Number(d), cmdline, uid, capEff, readOnlyRoot: rootReadOnly(readFileSync(`/proc/${d}/mountinfo`, 'utf8')) });
    } catch {
      // exited while reading
    }
  }
  return out;
}
