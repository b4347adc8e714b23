// Neighbour discovery as whole Ethernet frames (Ethernet + IPv6 + ICMPv6), the form an AF_PACKET
// socket receives and sends. Parsing verifies the ICMPv6 checksum (the kernel does not, for a
// packet socket); validity (hop limit, `::` rules) is validate.ts, applied by the responder.
import { allocateFrame, ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV6, parseEthernet, writeEthernetHeader } from '../ethernet/frame.js';
import type { Mac } from '../ethernet/mac.js';
import { accept, reject, type ParseResult } from '../ethernet/result.js';
import { icmpv6ChecksumOver, IPV6_HEADER_LENGTH, NEXT_HEADER_ICMPV6, parseIpv6, writeIpv6Header, type Ipv6DropReason, type Ipv6Header } from './ipv6.js';
import { ndpMessageLength, parseNdpMessage, writeNdpMessage, type NdpMessage, type NdpMessageDropReason } from './message.js';

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
  // The pseudo-header's addresses straight from the header bytes: no re-encoding per frame.
  if (icmpv6ChecksumOver(eth.packet.payload.subarray(8, 40), payload) !== msg.packet.checksum) return reject('bad-checksum');
  const ipv6 = { trafficClass: header.trafficClass, flowLabel: header.flowLabel, hopLimit: header.hopLimit, source: header.source, destination: header.destination };
  return accept({ ethernet: { destination: eth.packet.destination, source: eth.packet.source }, ipv6, message: msg.packet.message });
}

/** One buffer, written in place; the checksum is computed over the written bytes. */
export function marshalNdpFrame(frame: NdpFrame): Uint8Array {
  const msgLength = ndpMessageLength(frame.message);
  const ipStart = ETHERNET_HEADER_LENGTH;
  const msgStart = ipStart + IPV6_HEADER_LENGTH;
  // At least 86 bytes (an NS/NA without options), so never padded today; allocated the one way anyway.
  const out = allocateFrame(IPV6_HEADER_LENGTH + msgLength);
  writeEthernetHeader(out, { ...frame.ethernet, ethertype: ETHERTYPE_IPV6 });
  writeIpv6Header(out, ipStart, { ...frame.ipv6, nextHeader: NEXT_HEADER_ICMPV6 }, msgLength);
  writeNdpMessage(out, msgStart, frame.message, 0);
  const sum = icmpv6ChecksumOver(out.subarray(ipStart + 8, ipStart + 40), out.subarray(msgStart, msgStart + msgLength));
  out[msgStart + 2] = sum >> 8;
  out[msgStart + 3] = sum & 0xff;
  return out;
}
