// Neighbour discovery as whole Ethernet frames (Ethernet + IPv6 + ICMPv6), the form an AF_PACKET
// socket receives and sends. Parsing verifies the ICMPv6 checksum (the kernel does not, for a
// packet socket); validity (hop limit, `::` rules) is validate.ts, applied by the responder.
import { ETHERTYPE_IPV6, marshalEthernet, parseEthernet } from '../ethernet/frame.js';
import type { Mac } from '../ethernet/mac.js';
import { accept, reject, type ParseResult } from '../ethernet/result.js';
import { icmpv6Checksum, marshalIpv6, NEXT_HEADER_ICMPV6, parseIpv6, type Ipv6DropReason, type Ipv6Header } from './ipv6.js';
import { marshalNdpMessage, parseNdpMessage, type NdpMessage, type NdpMessageDropReason } from './message.js';

export interface NdpFrame {
  readonly ethernet: { readonly destination: Mac; readonly source: Mac };
  /** nextHeader is always 58 (ICMPv6); marshal ignores what is given. */
  readonly ipv6: Omit<Ipv6Header, 'nextHeader'>;
  readonly message: NdpMessage;
}

export const NDP_FRAME_DROP_REASONS = ['short-frame', 'not-ipv6-ethertype', 'not-icmpv6', 'bad-checksum'] as const;
export type NdpFrameDropReason = (typeof NDP_FRAME_DROP_REASONS)[number] | Ipv6DropReason | NdpMessageDropReason;

export function parseNdpFrame(frame: Uint8Array): ParseResult<NdpFrame, NdpFrameDropReason> {
  const eth = parseEthernet(frame);
  if (!eth.ok) return eth;
  if (eth.packet.ethertype !== ETHERTYPE_IPV6) return reject('not-ipv6-ethertype');
  const ip = parseIpv6(eth.packet.payload);
  if (!ip.ok) return ip;
  const { header, payload } = ip.packet;
  // Neighbour discovery never carries extension headers in practice; one here is not for us.
  if (header.nextHeader !== NEXT_HEADER_ICMPV6) return reject('not-icmpv6');
  const msg = parseNdpMessage(payload);
  if (!msg.ok) return msg;
  if (icmpv6Checksum(header.source, header.destination, payload) !== msg.packet.checksum) return reject('bad-checksum');
  const { nextHeader: _unused, ...ipv6 } = header;
  return accept({ ethernet: { destination: eth.packet.destination, source: eth.packet.source }, ipv6, message: msg.packet.message });
}

export function marshalNdpFrame(frame: NdpFrame): Uint8Array {
  const unsummed = marshalNdpMessage(frame.message);
  const sum = icmpv6Checksum(frame.ipv6.source, frame.ipv6.destination, unsummed);
  unsummed[2] = sum >> 8;
  unsummed[3] = sum & 0xff;
  const ip = marshalIpv6({ ...frame.ipv6, nextHeader: NEXT_HEADER_ICMPV6 }, unsummed);
  return marshalEthernet({ ...frame.ethernet, ethertype: ETHERTYPE_IPV6 }, ip);
}
