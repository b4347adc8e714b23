// Which Neighbor Solicitations we answer (RFC 4861 §7.2.3, §7.2.4) and the advertisement we
// send. Input is a whole Ethernet frame from a packet socket: unicast solicitations for a VIP
// (neighbour unreachability detection) are addressed to an IP this host does not carry, so the
// kernel never passes them to a raw ICMPv6 socket; a packet socket sees them, and with them the
// hop limit and destination that RFC 4861 §7.1.1 asks us to check.
import { ipEquals } from '../../shared/ip/address.js';
import { isGroupMac, isZeroMac, macEquals, type Mac } from '../ethernet/mac.js';
import { marshalNdpFrame, parseNdpFrame, type NdpFrame, type NdpFrameDropReason } from '../ndp/frame.js';
import { ICMPV6_NEIGHBOR_ADVERTISEMENT, ICMPV6_NEIGHBOR_SOLICITATION, linkLayerOption } from '../ndp/message.js';
import { ALL_NODES, ipv6MulticastMac, isUnspecified, solicitedNodeAddress } from '../ndp/multicast.js';
import { NDP_HOP_LIMIT, validateNdp, type NdpValidationDropReason } from '../ndp/validate.js';
import type { Decision, ReceivingInterface, ResponderDropReason } from './decision.js';
import type { OwnedSet } from './owned.js';

export const NDP_DECISION_DROP_REASONS = ['not-to-target', 'bad-sender-mac'] as const;
export type NdpDecisionDropReason =
  | NdpFrameDropReason
  | NdpValidationDropReason
  | ResponderDropReason
  | (typeof NDP_DECISION_DROP_REASONS)[number];

export function decideNdpFrame(frame: Uint8Array, iface: ReceivingInterface, owned: OwnedSet): Decision<NdpDecisionDropReason> {
  const parsed = parseNdpFrame(frame);
  if (!parsed.ok) return { kind: 'drop', reason: parsed.reason };
  return decideNdp(parsed.packet, iface, owned);
}

export function decideNdp(req: NdpFrame, iface: ReceivingInterface, owned: OwnedSet): Decision<NdpDecisionDropReason> {
  const { message, ipv6, ethernet } = req;
  if (message.type !== ICMPV6_NEIGHBOR_SOLICITATION) return { kind: 'drop', reason: 'not-a-request' };
  const invalid = validateNdp(message, ipv6);
  if (invalid !== undefined) return { kind: 'drop', reason: invalid };
  // Unicast frames must be for our MAC; multicast ones for the group the IPv6 destination names.
  const ethOk = isGroupMac(ethernet.destination)
    ? macEquals(ethernet.destination, ipv6MulticastMac(ipv6.destination))
    : macEquals(ethernet.destination, iface.mac);
  if (!ethOk) return { kind: 'drop', reason: 'eth-dst-not-us' };
  // A solicitation goes to the target's solicited-node group (resolution, DAD) or to the target
  // itself (unreachability detection); anything else is not a question about the target.
  if (!ipEquals(ipv6.destination, message.target) && !ipEquals(ipv6.destination, solicitedNodeAddress(message.target))) {
    return { kind: 'drop', reason: 'not-to-target' };
  }
  const ownership = owned.check(message.target, iface.name);
  if (ownership !== 'owned') return { kind: 'drop', reason: ownership };
  // The answer is unicast to the asker's link-layer address (a DAD answer goes to all-nodes):
  // a group or zero address there would reflect a unicast answer onto the whole segment.
  const askerMac = isUnspecified(ipv6.source) ? undefined : (linkLayerOption(message, 'source-link-layer') ?? ethernet.source);
  if (askerMac !== undefined && (isGroupMac(askerMac) || isZeroMac(askerMac))) return { kind: 'drop', reason: 'bad-sender-mac', ip: message.target };
  return { kind: 'reply', ip: message.target, frame: neighborAdvertisement(req, iface, askerMac) };
}

/**
 * §7.2.4: to the solicitation's source with Solicited set; a `::` source (DAD by another host)
 * gets an answer to all-nodes with Solicited clear, since §7.1.2 has receivers drop multicast
 * advertisements that claim to be solicited. Override is set: we are the address's owner, not a
 * proxy. The frame goes to the source link-layer option's MAC (or the frame's source if absent)
 * so the kernel never has to resolve the asker first.
 */
function neighborAdvertisement(req: NdpFrame, iface: ReceivingInterface, askerMac: Mac | undefined): Uint8Array {
  const { message, ipv6 } = req;
  const dad = askerMac === undefined;
  const destination = dad ? ALL_NODES : ipv6.source;
  return marshalNdpFrame({
    ethernet: { destination: askerMac ?? ipv6MulticastMac(ALL_NODES), source: iface.mac },
    // Sourced from the VIP itself: it is the address we answer for, it needs no link-local
    // address (which may still be tentative), and every receiver accepts any on-link source.
    ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: NDP_HOP_LIMIT, source: message.target, destination },
    message: {
      type: ICMPV6_NEIGHBOR_ADVERTISEMENT,
      code: 0,
      router: false,
      solicited: !dad,
      override: true,
      target: message.target,
      options: [{ kind: 'target-link-layer', mac: iface.mac }],
    },
  });
}
