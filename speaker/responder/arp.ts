// Which ARP requests we answer (RFC 826, RFC 5227) and the reply we send. A reply goes out only
// for a request about an address we own on the interface it arrived on.
import type { IpAddress } from '../../shared/ip/address.js';
import { ARP_REPLY, ARP_REQUEST, marshalArpFrame, parseArpFrame, type ArpDropReason, type ArpFrame } from '../arp/packet.js';
import { BROADCAST_MAC, isGroupMac, isZeroMac, macEquals } from '../ethernet/mac.js';
import type { Decision, ReceivingInterface, ResponderDropReason } from './decision.js';
import type { OwnedSet } from './owned.js';

export const ARP_DECISION_DROP_REASONS = ['bad-sender-mac', 'bad-sender-ip', 'gratuitous'] as const;
export type ArpDecisionDropReason = ArpDropReason | ResponderDropReason | (typeof ARP_DECISION_DROP_REASONS)[number];

export function decideArpFrame(frame: Uint8Array, iface: ReceivingInterface, owned: OwnedSet): Decision<ArpDecisionDropReason> {
  const parsed = parseArpFrame(frame);
  if (!parsed.ok) return { kind: 'drop', reason: parsed.reason };
  return decideArp(parsed.packet, iface, owned);
}

export function decideArp(req: ArpFrame, iface: ReceivingInterface, owned: OwnedSet): Decision<ArpDecisionDropReason> {
  const { arp, ethernet } = req;
  if (arp.operation !== ARP_REQUEST) return { kind: 'drop', reason: 'not-a-request' };
  // Broadcast, or unicast to us (RFC 1122 cache refresh). A frame for another host's MAC only
  // reaches us in promiscuous mode, and that host is the one asked.
  if (!macEquals(ethernet.destination, BROADCAST_MAC) && !macEquals(ethernet.destination, iface.mac)) {
    return { kind: 'drop', reason: 'eth-dst-not-us' };
  }
  // The reply goes to the sender's hardware address: a group or zero address there would make
  // us reflect a unicast answer onto a whole segment.
  if (isGroupMac(arp.senderMac) || isZeroMac(arp.senderMac)) return { kind: 'drop', reason: 'bad-sender-mac' };
  if (!validSenderIp(arp.senderIp)) return { kind: 'drop', reason: 'bad-sender-ip' };
  // Sender == target is an announcement (RFC 5227 §2.3), not a question. For one of our VIPs it
  // means another host claims it; counted, never answered (answering would start a storm).
  if (arp.senderIp.value === arp.targetIp.value) return { kind: 'drop', reason: 'gratuitous' };
  const ownership = owned.check(arp.targetIp, iface.name);
  if (ownership !== 'owned') return { kind: 'drop', reason: ownership };
  return { kind: 'reply', ip: arp.targetIp, frame: arpReply(req, iface) };
}

/**
 * 0.0.0.0 is an RFC 5227 probe and is answered (that is how we defend the VIP against a host
 * about to configure it). Multicast, class E, limited broadcast and loopback senders are not
 * hosts on this link (Linux's arp_process drops these too).
 */
function validSenderIp(ip: IpAddress): boolean {
  const first = Number(ip.value >> 24n);
  return first !== 127 && first < 224;
}

/** RFC 826: swap sender and target, fill in our MAC; unicast to the asker's hardware address. */
function arpReply(req: ArpFrame, iface: ReceivingInterface): Uint8Array {
  return marshalArpFrame({
    ethernet: { destination: req.arp.senderMac, source: iface.mac },
    arp: {
      operation: ARP_REPLY,
      senderMac: iface.mac,
      senderIp: req.arp.targetIp,
      targetMac: req.arp.senderMac,
      targetIp: req.arp.senderIp,
    },
  });
}
