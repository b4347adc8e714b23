// Unrequested announcements that move a VIP to this host: neighbours update an existing cache
// entry at once instead of waiting for it to go stale (minutes for ARP, 30 s+ for NDP).
import type { IpAddress } from '../../shared/ip/address.js';
import { ARP_REPLY, ARP_REQUEST, marshalArpFrame } from '../arp/packet.js';
import { BROADCAST_MAC, ZERO_MAC, type Mac } from '../ethernet/mac.js';
import { marshalNdpFrame } from '../ndp/frame.js';
import { ICMPV6_NEIGHBOR_ADVERTISEMENT } from '../ndp/message.js';
import { ALL_NODES, ipv6MulticastMac } from '../ndp/multicast.js';
import { NDP_HOP_LIMIT } from '../ndp/validate.js';

/**
 * A gratuitous request (RFC 5227 §2.3 announcement: sender = target = VIP, target MAC zero) and a
 * gratuitous reply, both broadcast: some hosts only update on one kind, so send both (as Linux's
 * arping -U/-A and MetalLB do).
 */
export function gratuitousArp(mac: Mac, vip: IpAddress): Uint8Array[] {
  const ethernet = { destination: BROADCAST_MAC, source: mac };
  return [
    marshalArpFrame({ ethernet, arp: { operation: ARP_REQUEST, senderMac: mac, senderIp: vip, targetMac: ZERO_MAC, targetIp: vip } }),
    marshalArpFrame({ ethernet, arp: { operation: ARP_REPLY, senderMac: mac, senderIp: vip, targetMac: BROADCAST_MAC, targetIp: vip } }),
  ];
}

/** RFC 4861 §7.2.6: to all-nodes, Solicited clear, Override set, with our MAC as target option. */
export function unsolicitedNeighborAdvertisement(mac: Mac, vip: IpAddress): Uint8Array {
  return marshalNdpFrame({
    ethernet: { destination: ipv6MulticastMac(ALL_NODES), source: mac },
    ipv6: { trafficClass: 0, flowLabel: 0, hopLimit: NDP_HOP_LIMIT, source: vip, destination: ALL_NODES },
    message: {
      type: ICMPV6_NEIGHBOR_ADVERTISEMENT,
      code: 0,
      router: false,
      solicited: false,
      override: true,
      target: vip,
      options: [{ kind: 'target-link-layer', mac }],
    },
  });
}
