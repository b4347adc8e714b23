// The layer 2 counters, under MetalLB's names so existing dashboards and alerts keep working
// (MetalLB labels them by ip; interface and protocol are added: `sum by (ip)` still works),
// plus ours for every frame dropped, by reason.
//
// Every frame on the segment is counted (most are drops: ARP for other hosts), so the per-frame
// path is a plain number increment on a handle held by the interface's responder; the totals
// reach prom-client when it collects (on scrape). prom-client's own inc() hashes the labels on
// every call, which cost about a microsecond per frame.
import { Counter, type Registry } from '../../shared/metrics/prom.js';
import { formatIp, type IpAddress } from '../../shared/ip/address.js';

export type Layer2Protocol = 'arp' | 'ndp';

interface Tally {
  readonly ip: IpAddress;
  received: number;
  sent: number;
  gratuitous: number;
  /** What prom-client has already been given. */
  readonly pushed: { received: number; sent: number; gratuitous: number };
}

/** Counters for one interface and protocol: what the responder bumps per frame. */
export class InterfaceCounters {
  private readonly byIp = new Map<bigint, Tally>();
  private readonly drops = new Map<string, { n: number; pushed: number }>();

  constructor(
    readonly iface: string,
    readonly protocol: Layer2Protocol,
  ) {}

  private tally(ip: IpAddress): Tally {
    let t = this.byIp.get(ip.value);
    if (t === undefined) {
      t = { ip, received: 0, sent: 0, gratuitous: 0, pushed: { received: 0, sent: 0, gratuitous: 0 } };
      this.byIp.set(ip.value, t);
    }
    return t;
  }

  requestReceived(ip: IpAddress): void {
    this.tally(ip).received++;
  }

  responseSent(ip: IpAddress): void {
    this.tally(ip).sent++;
  }

  gratuitousSent(ip: IpAddress): void {
    this.tally(ip).gratuitous++;
  }

  frameDropped(reason: string): void {
    const d = this.drops.get(reason);
    if (d === undefined) this.drops.set(reason, { n: 1, pushed: 0 });
    else d.n++;
  }

  /** Hands what is new since the last push to prom-client. */
  push(c: { received: Counter<string>; sent: Counter<string>; gratuitous: Counter<string>; dropped: Counter<string> }): void {
    for (const t of this.byIp.values()) {
      const labels = { ip: formatIp(t.ip), interface: this.iface, protocol: this.protocol };
      for (const k of ['received', 'sent', 'gratuitous'] as const) {
        const delta = t[k] - t.pushed[k];
        // inc(0) still creates the series: MetalLB shows a 0 for an owned IP nobody asked about.
        if (delta > 0 || (k === 'received' && t.pushed[k] === 0)) c[k].inc(labels, delta);
        t.pushed[k] = t[k];
      }
    }
    for (const [reason, d] of this.drops) {
      if (d.n > d.pushed) c.dropped.inc({ reason, interface: this.iface, protocol: this.protocol }, d.n - d.pushed);
      d.pushed = d.n;
    }
  }
}

export class Layer2Metrics {
  private readonly handles = new Map<string, InterfaceCounters>();
  private readonly counters: { received: Counter<string>; sent: Counter<string>; gratuitous: Counter<string>; dropped: Counter<string> };

  constructor(registry: Registry) {
    const labelNames = ['ip', 'interface', 'protocol'];
    // Any of the four being collected pushes all four: the pushes are deltas, so repeats are free.
    const collect = (): void => this.pushAll();
    this.counters = {
      received: new Counter({ name: 'metallb_layer2_requests_received', help: 'Number of layer2 requests received for owned IPs', labelNames, registers: [registry], collect }),
      sent: new Counter({ name: 'metallb_layer2_responses_sent', help: 'Number of layer2 responses sent for owned IPs in response to requests', labelNames, registers: [registry], collect }),
      gratuitous: new Counter({
        name: 'metallb_layer2_gratuitous_sent',
        help: 'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers',
        labelNames,
        registers: [registry],
        collect,
      }),
      dropped: new Counter({
        name: 'l2lb_packets_dropped_total',
        help: 'ARP and NDP frames received and not answered, by reason (see speaker/responder)',
        labelNames: ['reason', 'interface', 'protocol'],
        registers: [registry],
        collect,
      }),
    };
  }

  /** The per-frame handle for one interface and protocol; the same object every time. */
  forInterface(iface: string, protocol: Layer2Protocol): InterfaceCounters {
    const key = `${iface}\0${protocol}`;
    let h = this.handles.get(key);
    if (h === undefined) {
      h = new InterfaceCounters(iface, protocol);
      this.handles.set(key, h);
    }
    return h;
  }

  private pushAll(): void {
    for (const h of this.handles.values()) h.push(this.counters);
  }
}
