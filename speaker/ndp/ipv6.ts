// The IPv6 header (RFC 8200 §3) around an ICMPv6 message, for packet sockets and tests: a raw
// ICMPv6 socket strips it, but the responder reads NDP from an AF_PACKET socket (see
// responder.ts for why), so it parses this layer itself and verifies the checksum.
import type { IpAddress } from '../../shared/ip/address.js';
import { accept, reject, type ParseResult } from '../ethernet/result.js';
import { readIp, writeIp } from '../ethernet/wire.js';

export const IPV6_HEADER_LENGTH = 40;
export const NEXT_HEADER_ICMPV6 = 58;

export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly source: IpAddress;
  readonly destination: IpAddress;
}

export interface Ipv6Packet {
  readonly header: Ipv6Header;
  /** Exactly payload-length bytes: Ethernet padding after it is cut off. */
  readonly payload: Uint8Array;
}

export const IPV6_DROP_REASONS = ['short-ipv6-header', 'not-ipv6-version', 'truncated-ipv6-payload'] as const;
export type Ipv6DropReason = (typeof IPV6_DROP_REASONS)[number];

export function parseIpv6(b: Uint8Array): ParseResult<Ipv6Packet, Ipv6DropReason> {
  if (b.length < IPV6_HEADER_LENGTH) return reject('short-ipv6-header');
  if (b[0]! >> 4 !== 6) return reject('not-ipv6-version');
  const payloadLength = (b[4]! << 8) | b[5]!;
  if (IPV6_HEADER_LENGTH + payloadLength > b.length) return reject('truncated-ipv6-payload');
  return accept({
    header: {
      trafficClass: ((b[0]! & 0x0f) << 4) | (b[1]! >> 4),
      flowLabel: ((b[1]! & 0x0f) << 16) | (b[2]! << 8) | b[3]!,
      nextHeader: b[6]!,
      hopLimit: b[7]!,
      source: readIp(b, 8, 6),
      destination: readIp(b, 24, 6),
    },
    payload: b.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + payloadLength),
  });
}

export function marshalIpv6(header: Ipv6Header, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_LENGTH + payload.length);
  writeIpv6Header(out, 0, header, payload.length);
  out.set(payload, IPV6_HEADER_LENGTH);
  return out;
}

/** For builders that write a whole frame into one buffer. */
export function writeIpv6Header(out: Uint8Array, o: number, header: Ipv6Header, payloadLength: number): void {
  out[o] = 0x60 | (header.trafficClass >> 4);
  out[o + 1] = ((header.trafficClass & 0x0f) << 4) | ((header.flowLabel >> 16) & 0x0f);
  out[o + 2] = (header.flowLabel >> 8) & 0xff;
  out[o + 3] = header.flowLabel & 0xff;
  out[o + 4] = payloadLength >> 8;
  out[o + 5] = payloadLength & 0xff;
  out[o + 6] = header.nextHeader;
  out[o + 7] = header.hopLimit;
  writeIp(out, o + 8, header.source);
  writeIp(out, o + 24, header.destination);
}

/**
 * The ICMPv6 checksum (RFC 4443 §2.3) over the pseudo-header (RFC 8200 §8.1) and the message,
 * with the message's own checksum field taken as zero. A received message is intact when this
 * equals the checksum it carries.
 */
export function icmpv6Checksum(source: IpAddress, destination: IpAddress, message: Uint8Array): number {
  const addresses = new Uint8Array(32);
  writeIp(addresses, 0, source);
  writeIp(addresses, 16, destination);
  return icmpv6ChecksumOver(addresses, message);
}

/** The same, from the 32 address bytes of an IPv6 header (source then destination) as they are. */
export function icmpv6ChecksumOver(addresses: Uint8Array, message: Uint8Array): number {
  let sum = sum16(addresses, 0);
  sum += (message.length >>> 16) + (message.length & 0xffff) + NEXT_HEADER_ICMPV6;
  sum += sum16(message, 0) - (((message[2] ?? 0) << 8) | (message[3] ?? 0));
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function sum16(b: Uint8Array, start: number): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < b.length) sum += b[i]! << 8;
  return sum;
}
