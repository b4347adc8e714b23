// The layer 2 counters, under MetalLB's names so existing dashboards and alerts keep working
// (MetalLB labels them by ip; interface and protocol are added: `sum by (ip)` still works),
// plus ours for every frame dropped, by reason. Label children are cached: these are bumped per
// received frame, and prom-client's label lookup is the costly part.
import { Counter, type Registry } from 'prom-client';
import { formatIp, type IpAddress } from '../../shared/ip/address.js';

export type Layer2Protocol = 'arp' | 'ndp';

interface Inc {
  inc(n?: number): void;
}

export class Layer2Metrics {
  private readonly received: Counter<'ip' | 'interface' | 'protocol'>;
  private readonly sent: Counter<'ip' | 'interface' | 'protocol'>;
  private readonly gratuitous: Counter<'ip' | 'interface' | 'protocol'>;
  private readonly dropped: Counter<'reason' | 'interface' | 'protocol'>;
  private readonly children = new Map<string, Inc>();

  constructor(registry: Registry) {
    const labelNames = ['ip', 'interface', 'protocol'] as const;
    this.received = new Counter({
      name: 'metallb_layer2_requests_received',
      help: 'Number of layer2 requests received for owned IPs',
      labelNames,
      registers: [registry],
    });
    this.sent = new Counter({
      name: 'metallb_layer2_responses_sent',
      help: 'Number of layer2 responses sent for owned IPs in response to requests',
      labelNames,
      registers: [registry],
    });
    this.gratuitous = new Counter({
      name: 'metallb_layer2_gratuitous_sent',
      help: 'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers',
      labelNames,
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'l2lb_packets_dropped_total',
      help: 'ARP and NDP frames received and not answered, by reason (see speaker/responder)',
      labelNames: ['reason', 'interface', 'protocol'],
      registers: [registry],
    });
  }

  private child(kind: string, counter: Counter<string>, labels: [string, string, string]): Inc {
    const key = `${kind}\0${labels.join('\0')}`;
    let c = this.children.get(key);
    if (c === undefined) {
      c = counter.labels(...labels);
      this.children.set(key, c);
    }
    return c;
  }

  private ipText = new Map<bigint, string>();
  private text(ip: IpAddress): string {
    let t = this.ipText.get(ip.value);
    if (t === undefined) {
      t = formatIp(ip);
      if (this.ipText.size > 4096) this.ipText.clear();
      this.ipText.set(ip.value, t);
    }
    return t;
  }

  requestReceived(ip: IpAddress, iface: string, protocol: Layer2Protocol): void {
    this.child('in', this.received, [this.text(ip), iface, protocol]).inc();
  }

  responseSent(ip: IpAddress, iface: string, protocol: Layer2Protocol): void {
    this.child('out', this.sent, [this.text(ip), iface, protocol]).inc();
  }

  gratuitousSent(ip: IpAddress, iface: string, protocol: Layer2Protocol, n = 1): void {
    this.child('grat', this.gratuitous, [this.text(ip), iface, protocol]).inc(n);
  }

  frameDropped(reason: string, iface: string, protocol: Layer2Protocol): void {
    this.child('drop', this.dropped, [reason, iface, protocol]).inc();
  }
}
