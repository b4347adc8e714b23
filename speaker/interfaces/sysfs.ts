// Reads interface facts from /sys/class/net and /proc/net/if_inet6 (both show the reading
// process's network namespace). Preferred to ioctls: no socket needed, and a speaker in a pod
// with hostNetwork sees the node's interfaces. Interfaces that vanish mid-scan are left out.
// Synchronous reads on purpose: these files live in memory and read in microseconds, while each
// asynchronous readFile is four thread-pool round trips (open, fstat, read, close), each waking
// the main thread; with a scan every few seconds of a node's dozens of interfaces, that was most
// of an idle speaker's main-thread CPU.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RawInterface } from './rules.js';

export interface SysfsPaths {
  readonly classNet: string;
  readonly ifInet6: string;
}

export const DEFAULT_PATHS: SysfsPaths = { classNet: '/sys/class/net', ifInet6: '/proc/net/if_inet6' };

const IFA_F_DADFAILED = 0x08;
const IFA_F_TENTATIVE = 0x40;
const SCOPE_LINK = 0x20;

/**
 * Interface names with a usable IPv6 link-local address. Lines of if_inet6:
 * "fe800000000000000000000000000001 02 40 20 80 eth0" = address, ifindex, prefix length,
 * scope, flags (hex), name. Tentative (DAD in progress) or DAD-failed addresses don't count:
 * the kernel refuses them as a source.
 */
export function parseIfInet6(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const [addr, , , scope, flags, name] = line.trim().split(/\s+/);
    if (!addr || !name || scope === undefined || flags === undefined) continue;
    if (parseInt(scope, 16) !== SCOPE_LINK || !addr.startsWith('fe80')) continue;
    if ((parseInt(flags, 16) & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) !== 0) continue;
    names.add(name);
  }
  return names;
}

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function masterOf(classNet: string, name: string): { master?: string; masterKind?: string } {
  let target: string;
  try {
    target = readlinkSync(join(classNet, name, 'master'));
  } catch {
    return {};
  }
  const master = basename(target);
  const uevent = readTrim(join(classNet, master, 'uevent')) ?? '';
  const kind = /^DEVTYPE=(.+)$/m.exec(uevent)?.[1];
  return kind === undefined ? { master } : { master, masterKind: kind };
}

function readOne(paths: SysfsPaths, name: string, linkLocal: Set<string>): RawInterface | undefined {
  const dir = join(paths.classNet, name);
  const [ifindex, address, flags, type, operstate] = ['ifindex', 'address', 'flags', 'type', 'operstate'].map((f) => readTrim(join(dir, f)));
  if (ifindex === undefined || flags === undefined || type === undefined) return undefined; // gone
  return {
    name,
    ifindex: Number(ifindex),
    mac: address ?? '',
    flags: parseInt(flags, 16),
    type: Number(type),
    operstate: operstate ?? 'unknown',
    ...masterOf(paths.classNet, name),
    ipv6LinkLocal: linkLocal.has(name),
  };
}

export async function readInterfaces(paths: SysfsPaths = DEFAULT_PATHS): Promise<RawInterface[]> {
  const names = readdirSync(paths.classNet);
  const linkLocal = parseIfInet6(readTrim(paths.ifInet6) ?? '');
  const all = names.map((n) => readOne(paths, n, linkLocal));
  return all.filter((i): i is RawInterface => i !== undefined).sort((a, b) => a.ifindex - b.ifindex);
}
