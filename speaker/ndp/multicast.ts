// Multicast addressing for neighbour discovery: the solicited-node group a resolver sends its
// solicitation to (RFC 4291 §2.7.1), and the Ethernet group address of any IPv6 multicast
// address (RFC 2464 §7).
import type { IpAddress } from '../../shared/ip/address.js';
import type { Mac } from '../ethernet/mac.js';

export const ALL_NODES: IpAddress = { family: 6, value: 0xff02_0000_0000_0000_0000_0000_0000_0001n };
export const UNSPECIFIED: IpAddress = { family: 6, value: 0n };
const SOLICITED_NODE_PREFIX = 0xff02_0000_0000_0000_0000_0001_ff00_0000n;

/** ff02::1:ffXX:XXXX from the low 24 bits of the address. */
export const solicitedNodeAddress = (ip: IpAddress): IpAddress => ({ family: 6, value: SOLICITED_NODE_PREFIX | (ip.value & 0xff_ffffn) });

export const isSolicitedNodeAddress = (ip: IpAddress): boolean => ip.family === 6 && (ip.value & ~0xff_ffffn) === SOLICITED_NODE_PREFIX;

const MULTICAST_FLOOR = 0xff00_0000_0000_0000_0000_0000_0000_0000n;

/** ff00::/8, by one comparison (no BigInt arithmetic per frame). */
export const isIpv6Multicast = (ip: IpAddress): boolean => ip.family === 6 && ip.value >= MULTICAST_FLOOR;

export const isUnspecified = (ip: IpAddress): boolean => ip.value === 0n;

/** 33:33 followed by the low 32 bits of the group address. */
export function ipv6MulticastMac(group: IpAddress): Mac {
  const low = Number(BigInt.asUintN(32, group.value));
  return Uint8Array.of(0x33, 0x33, low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff);
}
