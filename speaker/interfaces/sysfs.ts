// Reads interface facts from /sys/class/net and /proc/net/if_inet6 (both show the reading
// process's network namespace). Preferred to ioctls: no socket needed, and a speaker in a pod
// with hostNetwork sees the node's interfaces. Interfaces that vanish mid-scan are left out.
import { readdir, readFile, readlink } from 'node:fs/promises';
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

async function readTrim(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function masterOf(classNet: string, name: string): Promise<{ master?: string; masterKind?: string }> {
  let target: string;
  try {
    target = await readlink(join(classNet, name, 'master'));
  } catch {
    return {};
  }
  const master = basename(target);
  const uevent = (await readTrim(join(classNet, master, 'uevent'))) ?? '';
  const kind = /^DEVTYPE=(.+)$/m.exec(uevent)?.[1];
  return kind === undefined ? { master } : { master, masterKind: kind };
}

async function readOne(paths: SysfsPaths, name: string, linkLocal: Set<string>): Promise<RawInterface | undefined> {
  const dir = join(paths.classNet, name);
  const [ifindex, address, flags, type, operstate] = await Promise.all(
    ['ifindex', 'address', 'flags', 'type', 'operstate'].map((f) => readTrim(join(dir, f))),
  );
  if (ifindex === undefined || flags === undefined || type === undefined) return undefined; // gone
  return {
    name,
    ifindex: Number(ifindex),
    mac: address ?? '',
    flags: parseInt(flags, 16),
    type: Number(type),
    operstate: operstate ?? 'unknown',
    ...(await masterOf(paths.classNet, name)),
    ipv6LinkLocal: linkLocal.has(name),
  };
}

export async function readInterfaces(paths: SysfsPaths = DEFAULT_PATHS): Promise<RawInterface[]> {
  const [names, inet6] = await Promise.all([readdir(paths.classNet), readTrim(paths.ifInet6)]);
  const linkLocal = parseIfInet6(inet6 ?? '');
  const all = await Promise.all(names.map((n) => readOne(paths, n, linkLocal)));
  return all.filter((i): i is RawInterface => i !== undefined).sort((a, b) => a.ifindex - b.ifindex);
}
