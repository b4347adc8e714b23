// What the announcer needs from the operating system, per interface: a link for ARP frames, a
// link for IPv6 neighbour-discovery frames, and multicast group membership. The real ones are
// packet sockets and a raw ICMPv6 socket (real-links.ts); unit tests pass recording ones.
import type { IpAddress } from '../../shared/ip/address.js';
import { parseMac, type Mac } from '../ethernet/mac.js';
import type { UsableInterface } from '../interfaces/index.js';

export interface InterfaceInfo {
  readonly name: string;
  readonly index: number;
  readonly mac: Mac;
}

export interface FrameLink {
  onFrame(cb: (frame: Uint8Array) => void): void;
  /** Throws on a send error (e.g. ENOBUFS, link down); the caller counts it. */
  send(frame: Uint8Array): void;
  close(): void;
}

export interface GroupMembership {
  join(group: IpAddress): { ok: true } | { ok: false; error: string };
  leave(group: IpAddress): { ok: true } | { ok: false; error: string };
  close(): void;
}

export type Opened<T> = { ok: true; value: T } | { ok: false; error: string };

export interface LinkFactory {
  openArp(iface: InterfaceInfo): Opened<FrameLink>;
  openNdp(iface: InterfaceInfo): Opened<FrameLink>;
  openMembership(iface: InterfaceInfo): Opened<GroupMembership>;
}

/** The announcer's view of a usable interface (undefined: not usable, or its MAC is not Ethernet). */
export function interfaceInfo(usable: readonly UsableInterface[], name: string): InterfaceInfo | undefined {
  const u = usable.find((x) => x.name === name);
  const mac = u ? parseMac(u.mac) : undefined;
  return u && mac?.ok ? { name: u.name, index: u.ifindex, mac: mac.value } : undefined;
}
