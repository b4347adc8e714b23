// Interface name → index and MAC from sysfs, with the reasons an interface cannot be announced
// on spelled out (no such interface, not Ethernet).
import { readFileSync } from 'node:fs';
import { parseMac } from '../ethernet/mac.js';
import type { InterfaceInfo } from '../announcer/links.js';

const ARPHRD_ETHER = 1;

export function lookupInterface(name: string, sysfs = '/sys/class/net'): { ok: true; value: InterfaceInfo } | { ok: false; error: string } {
  if (!/^[^/\s]{1,15}$/.test(name) || name === '.' || name === '..') return { ok: false, error: `--interface: ${JSON.stringify(name)} is not an interface name` };
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(`${sysfs}/${name}/${file}`, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const index = read('ifindex');
  if (index === undefined) return { ok: false, error: `--interface: no interface named ${name}` };
  if (Number(read('type')) !== ARPHRD_ETHER) return { ok: false, error: `--interface: ${name} is not an Ethernet interface` };
  const mac = parseMac(read('address') ?? '');
  if (!mac.ok) return { ok: false, error: `--interface: ${name} has no usable MAC address` };
  return { ok: true, value: { name, index: Number(index), mac: mac.value } };
}
