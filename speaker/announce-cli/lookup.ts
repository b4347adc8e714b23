// An interface named on the command line → index and MAC, through the speaker's interface
// discovery (speaker/interfaces), with its rules except the exclude list: an operator who names
// an interface means it. A down interface is allowed with a warning (the sockets start working
// when it comes up); anything the speaker could never announce on is an error that says why.
import { parseMac } from '../ethernet/mac.js';
import { readInterfaces, skipReason, type SkipReason } from '../interfaces/index.js';
import type { InterfaceInfo } from '../announcer/links.js';

const WHY: Record<Exclude<SkipReason, 'down' | 'excluded' | 'notInAllowList'>, string> = {
  notEthernet: 'is not an Ethernet interface',
  noMac: 'has no MAC address',
  enslaved: 'is a bond or bridge port (announce on its master)',
  noarp: 'has ARP turned off (NOARP): no neighbour would ask us',
};

const IFF_UP = 0x1;

export type Lookup = { ok: true; value: InterfaceInfo; warning?: string } | { ok: false; error: string };

export async function lookupInterface(name: string): Promise<Lookup> {
  const raw = (await readInterfaces()).find((i) => i.name === name);
  if (raw === undefined) return { ok: false, error: `--interface: no interface named ${name}` };
  // Judged as if it were up: the rules stop at the first reason, and 'down' comes before
  // 'noarp', so a down NOARP device must not slip through as merely down.
  const reason = skipReason({ ...raw, flags: raw.flags | IFF_UP, operstate: 'up' }, { exclude: [] });
  if (reason !== undefined && reason !== 'down' && reason !== 'excluded' && reason !== 'notInAllowList') {
    return { ok: false, error: `--interface: ${name} ${WHY[reason]}` };
  }
  const down = skipReason(raw, { exclude: [] }) === 'down';
  const mac = parseMac(raw.mac);
  if (!mac.ok) return { ok: false, error: `--interface: ${name} has no MAC address` };
  const info = { name, index: raw.ifindex, mac: mac.value };
  return down ? { ok: true, value: info, warning: `${name} is down: answering starts when it comes up` } : { ok: true, value: info };
}
