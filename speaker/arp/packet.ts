// ARP for IPv4 over Ethernet (RFC 826), as a marshal/parse pair over whole Ethernet frames.
// The parser checks structure only (types, lengths, opcode); what deserves an answer is the
// responder's decision (speaker/responder/arp.ts), so every rule lives in one place.
import type { IpAddress } from '../../shared/ip/address.js';
import { allocateFrame, ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV4, parseEthernet, writeEthernetHeader } from '../ethernet/frame.js';
import { macFromBytes, type Mac } from '../ethernet/mac.js';
import { accept, reject, type ParseResult } from '../ethernet/result.js';
import { readIp, writeIp } from '../ethernet/wire.js';

export const ARP_LENGTH = 28;
export const ARP_HARDWARE_ETHERNET = 1;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
export type ArpOperation = typeof ARP_REQUEST | typeof ARP_REPLY;

export interface ArpPacket {
  readonly operation: ArpOperation;
  readonly senderMac: Mac;
  readonly senderIp: IpAddress;
  readonly targetMac: Mac;
  readonly targetIp: IpAddress;
}

export interface ArpFrame {
  readonly ethernet: { readonly destination: Mac; readonly source: Mac };
  readonly arp: ArpPacket;
}

export const ARP_DROP_REASONS = [
  'short-frame',
  'not-arp-ethertype',
  'short-arp',
  'bad-hardware-type',
  'bad-protocol-type',
  'bad-address-lengths',
  'unknown-opcode',
] as const;
export type ArpDropReason = (typeof ARP_DROP_REASONS)[number];

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

export function parseArpFrame(frame: Uint8Array): ParseResult<ArpFrame, ArpDropReason> {
  const eth = parseEthernet(frame);
  if (!eth.ok) return eth;
  const { destination, source, ethertype, payload: p } = eth.packet;
  if (ethertype !== ETHERTYPE_ARP) return reject('not-arp-ethertype');
  // Trailing bytes are Ethernet padding to the 60-byte minimum, not an error.
  if (p.length < ARP_LENGTH) return reject('short-arp');
  if (u16(p, 0) !== ARP_HARDWARE_ETHERNET) return reject('bad-hardware-type');
  if (u16(p, 2) !== ETHERTYPE_IPV4) return reject('bad-protocol-type');
  if (p[4] !== 6 || p[5] !== 4) return reject('bad-address-lengths');
  const operation = u16(p, 6);
  if (operation !== ARP_REQUEST && operation !== ARP_REPLY) return reject('unknown-opcode');
  return accept({
    ethernet: { destination, source },
    arp: {
      operation,
      senderMac: macFromBytes(p, 8),
      senderIp: readIp(p, 14, 4),
      targetMac: macFromBytes(p, 18),
      targetIp: readIp(p, 24, 4),
    },
  });
}

/** 60 bytes: the 42 of Ethernet + ARP, zero-padded to Ethernet's minimum (see allocateFrame). */
export function marshalArpFrame(frame: ArpFrame): Uint8Array {
  const { arp } = frame;
  const out = allocateFrame(ARP_LENGTH);
  writeEthernetHeader(out, { ...frame.ethernet, ethertype: ETHERTYPE_ARP });
  const o = ETHERNET_HEADER_LENGTH;
  out.set([0, ARP_HARDWARE_ETHERNET, ETHERTYPE_IPV4 >> 8, ETHERTYPE_IPV4 & 0xff, 6, 4, 0, arp.operation], o);
  out.set(arp.senderMac, o + 8);
  writeIp(out, o + 14, arp.senderIp);
  out.set(arp.targetMac, o + 18);
  writeIp(out, o + 24, arp.targetIp);
  return out;
}
