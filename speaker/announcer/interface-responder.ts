// One interface's responders: ARP and NDP frames in, decisions from speaker/responder, replies
// and gratuitous announcements out, every outcome counted. Reads the owned set through a
// function on every frame, so a VIP that is given up stops being answered at once.
import type { IpAddress } from '../../shared/ip/address.js';
import type { Logger } from '../../shared/log.js';
import { decideArpFrame } from '../responder/arp.js';
import { decideNdpFrame } from '../responder/ndp.js';
import { gratuitousArp, unsolicitedNeighborAdvertisement } from '../responder/gratuitous.js';
import type { Decision } from '../responder/decision.js';
import { SEND_FAILED } from '../responder/reasons.js';
import type { OwnedSet } from '../responder/owned.js';
import { GroupCounts } from './multicast-groups.js';
import type { FrameLink, GroupMembership, InterfaceInfo, LinkFactory } from './links.js';
import type { InterfaceCounters, Layer2Metrics, Layer2Protocol } from './metrics.js';

export class InterfaceResponder {
  private readonly groups = new GroupCounts();
  private readonly counters: Record<Layer2Protocol, InterfaceCounters>;
  private lastSendError = 0;

  private constructor(
    readonly iface: InterfaceInfo,
    private readonly arp: FrameLink,
    private readonly ndp: FrameLink,
    private readonly membership: GroupMembership,
    private readonly owned: () => OwnedSet,
    metrics: Layer2Metrics,
    private readonly log: Logger,
  ) {
    this.counters = { arp: metrics.forInterface(iface.name, 'arp'), ndp: metrics.forInterface(iface.name, 'ndp') };
    arp.onFrame((f) => this.handle(decideArpFrame(f, iface, this.owned()), 'arp'));
    ndp.onFrame((f) => this.handle(decideNdpFrame(f, iface, this.owned()), 'ndp'));
  }

  static open(
    iface: InterfaceInfo,
    links: LinkFactory,
    owned: () => OwnedSet,
    metrics: Layer2Metrics,
    log: Logger,
  ): { ok: true; value: InterfaceResponder } | { ok: false; error: string } {
    const arp = links.openArp(iface);
    if (!arp.ok) return arp;
    const ndp = links.openNdp(iface);
    if (!ndp.ok) {
      arp.value.close();
      return ndp;
    }
    const membership = links.openMembership(iface);
    if (!membership.ok) {
      arp.value.close();
      ndp.value.close();
      return membership;
    }
    return { ok: true, value: new InterfaceResponder(iface, arp.value, ndp.value, membership.value, owned, metrics, log.child({ interface: iface.name })) };
  }

  private handle(d: Decision<string>, protocol: Layer2Protocol): void {
    const counters = this.counters[protocol];
    if (d.kind === 'drop') {
      counters.frameDropped(d.reason);
      return;
    }
    counters.requestReceived(d.ip);
    if (this.send(protocol === 'arp' ? this.arp : this.ndp, d.frame, protocol)) counters.responseSent(d.ip);
  }

  private send(link: FrameLink, frame: Uint8Array, protocol: Layer2Protocol): boolean {
    try {
      link.send(frame);
      return true;
    } catch (err) {
      this.counters[protocol].frameDropped(SEND_FAILED);
      // At most one log line a second: a flood of failures must not become a flood of logs.
      const now = Date.now();
      if (now - this.lastSendError > 1000) {
        this.lastSendError = now;
        this.log.warn('sendFailed', 'sending a frame failed', { protocol, error: err instanceof Error ? err : String(err) });
      }
      return false;
    }
  }

  /** One round of announcements for a VIP: ARP request + reply, or one unsolicited NA. */
  announce(vip: IpAddress): void {
    if (vip.family === 4) {
      for (const f of gratuitousArp(this.iface.mac, vip)) if (this.send(this.arp, f, 'arp')) this.counters.arp.gratuitousSent(vip);
    } else if (this.send(this.ndp, unsolicitedNeighborAdvertisement(this.iface.mac, vip), 'ndp')) {
      this.counters.ndp.gratuitousSent(vip);
    }
  }

  /** Starts receiving solicitations for an IPv6 VIP (no-op for IPv4). */
  watch(vip: IpAddress): void {
    if (vip.family !== 6) return;
    const group = this.groups.add(vip);
    if (group === undefined) return;
    const r = this.membership.join(group);
    if (!r.ok) this.log.error('joinGroupFailed', r.error);
  }

  unwatch(vip: IpAddress): void {
    if (vip.family !== 6) return;
    const group = this.groups.remove(vip);
    if (group === undefined) return;
    const r = this.membership.leave(group);
    if (!r.ok) this.log.warn('leaveGroupFailed', r.error);
  }

  close(): void {
    this.arp.close();
    this.ndp.close();
    this.membership.close();
  }
}
