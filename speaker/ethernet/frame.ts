// Ethernet II framing (IEEE 802.3 with an EtherType >= 0x0600). 802.1Q tags never reach us:
// AF_PACKET hands VLAN-tagged traffic to the VLAN device, so a tagged frame here is not ours.
import { macFromBytes, type Mac } from './mac.js';
import { accept, reject, type ParseResult } from './result.js';

export const ETHERNET_HEADER_LENGTH = 14;
/**
 * The smallest frame Ethernet carries, without the 4-byte FCS the NIC appends. Shorter "runts"
 * are dropped by some NICs and switches; most NICs pad on transmit, but not all do, and software
 * paths (veth, bridges, tunnels) never do. So every frame we build is padded here, once.
 */
export const ETHERNET_MIN_FRAME_LENGTH = 60;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export interface EthernetHeader {
  readonly destination: Mac;
  readonly source: Mac;
  readonly ethertype: number;
}

export interface EthernetFrame extends EthernetHeader {
  /** Everything after the header, including any padding up to the 60-byte minimum. */
  readonly payload: Uint8Array;
}

export type EthernetDropReason = 'short-frame';

export function parseEthernet(frame: Uint8Array): ParseResult<EthernetFrame, EthernetDropReason> {
  if (frame.length < ETHERNET_HEADER_LENGTH) return reject('short-frame');
  return accept({
    destination: macFromBytes(frame, 0),
    source: macFromBytes(frame, 6),
    ethertype: (frame[12]! << 8) | frame[13]!,
    payload: frame.subarray(ETHERNET_HEADER_LENGTH),
  });
}

/**
 * A zeroed buffer for a whole frame carrying `payloadLength` bytes after the header, at least
 * ETHERNET_MIN_FRAME_LENGTH long (the padding stays zero, as IEEE 802.3 asks). Every frame
 * builder allocates through this, so no frame we send can be a runt.
 */
export function allocateFrame(payloadLength: number): Uint8Array {
  return new Uint8Array(Math.max(ETHERNET_MIN_FRAME_LENGTH, ETHERNET_HEADER_LENGTH + payloadLength));
}

export function marshalEthernet(header: EthernetHeader, payload: Uint8Array): Uint8Array {
  const out = allocateFrame(payload.length);
  writeEthernetHeader(out, header);
  out.set(payload, ETHERNET_HEADER_LENGTH);
  return out;
}

/** For builders that write a whole frame into one buffer. */
export function writeEthernetHeader(out: Uint8Array, header: EthernetHeader): void {
  out.set(header.destination, 0);
  out.set(header.source, 6);
  out[12] = header.ethertype >> 8;
  out[13] = header.ethertype & 0xff;
}
