// The operating system's side of LinkFactory: an AF_PACKET socket per interface for ARP
// requests and one for IPv6 Neighbor Solicitations (both BPF-filtered in the kernel), and a raw
// ICMPv6 socket for solicited-node group membership.
import type { Logger } from '../../shared/log.js';
import { bpfArpFilter, bpfNeighborSolicitationFilter, PacketSocket, stoppedReceiving } from '../native/packet-socket.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV6 } from '../ethernet/frame.js';
import type { BpfInstruction } from '../native/bpf.js';
import type { FrameLink, InterfaceInfo, LinkFactory, Opened } from './links.js';
import { MulticastMembership } from './membership.js';

/** Room for a burst of requests while the event loop is busy (e.g. a GC pause). */
const RECEIVE_BUFFER_BYTES = 4 << 20;

export function realLinks(log: Logger): LinkFactory {
  let reportedFallback = false;
  const open = (iface: InterfaceInfo, ethertype: number, filter: readonly BpfInstruction[], what: string): Opened<FrameLink> => {
    let sock: PacketSocket;
    try {
      sock = PacketSocket.open({ ifindex: iface.index, ethertype, filter, receiveBufferBytes: RECEIVE_BUFFER_BYTES });
    } catch (err) {
      return { ok: false, error: `opening the ${what} packet socket on ${iface.name}: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (sock.outgoingFilter() !== 'socket-option' && !reportedFallback) {
      reportedFallback = true;
      log.info('ignoreOutgoingFallback', 'the kernel lacks PACKET_IGNORE_OUTGOING (before Linux 4.20): a BPF filter drops outgoing frames instead', { interface: iface.name });
    }
    let lastError = 0;
    sock.onError((err) => {
      if (stoppedReceiving(err)) {
        // Never deaf in silence: say so every time; the interface watcher's reopen (a changed
        // ifindex or MAC) or a restart brings answers back.
        log.error('receiveStopped', `the ${what} packet socket stopped receiving`, { interface: iface.name, error: err });
        return;
      }
      // ENETDOWN while the link is down: the socket recovers by itself when it comes back.
      const now = Date.now();
      if (now - lastError < 1000) return;
      lastError = now;
      log.warn('receiveFailed', `receiving ${what} frames failed`, { interface: iface.name, error: err });
    });
    return { ok: true, value: sock };
  };
  return {
    openArp: (iface) => open(iface, ETHERTYPE_ARP, bpfArpFilter({ requestsOnly: true }), 'ARP'),
    openNdp: (iface) => open(iface, ETHERTYPE_IPV6, bpfNeighborSolicitationFilter(), 'NDP'),
    openMembership: (iface) => MulticastMembership.open(iface.name, iface.index),
  };
}
