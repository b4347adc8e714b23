// The shell around checkStrictArp: reads the ARP sysctls of this node's network namespace (the
// speaker runs with hostNetwork, so /proc/sys/net is the node's) whenever the interfaces change and
// every few seconds (a sysctl change sends no notification), and says so loudly when the verdict
// changes: a warning log line and a Warning Event on the Node when kube-proxy's IPVS mode runs
// without strictARP, an info line when that is fixed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeClient } from '../../shared/k8s/client.js';
import { EventRecorder, type EventSink } from '../../shared/k8s/events.js';
import type { Logger } from '../../shared/log.js';
import { checkStrictArp, verdictKey, type ArpSysctl, type StrictArpVerdict } from './check.js';

export const DEFAULT_SYSCTL_ROOT = '/proc/sys/net/ipv4/conf';
export const STRICT_ARP_EVENT_REASON = 'KubeProxyStrictARPOff';

async function readSysctl(root: string, iface: string): Promise<ArpSysctl | undefined> {
  const read = async (name: string): Promise<number> => Number((await readFile(join(root, iface, name), 'utf8')).trim());
  try {
    const [arpIgnore, arpAnnounce] = await Promise.all([read('arp_ignore'), read('arp_announce')]);
    return Number.isInteger(arpIgnore) && Number.isInteger(arpAnnounce) ? { arpIgnore, arpAnnounce } : undefined;
  } catch {
    return undefined; // the interface went away mid-read; the next check sees the new picture
  }
}

export interface StrictArpMonitorOptions {
  readonly nodeName: string;
  readonly log: Logger;
  /** Where Warning Events go; the Node's uid lets `kubectl describe node` find them. */
  readonly events: EventSink;
  readonly nodeUid: () => string | undefined;
  readonly intervalMs?: number;
  readonly sysctlRoot?: string;
}

export class StrictArpMonitor {
  private interfaces: readonly string[] = [];
  private announcing: readonly string[] = [];
  private lastKey = 'notIpvs';
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<StrictArpVerdict> | undefined;
  private unreadableSaid = false;

  constructor(private readonly o: StrictArpMonitorOptions) {}

  /** The speaker's monitor: its Events come from l2lb-speaker on this node. */
  static forSpeaker(cfg: { readonly kc: KubeClient; readonly nodeName: string; readonly log: Logger }, nodeUid: () => string | undefined): StrictArpMonitor {
    return new StrictArpMonitor({ nodeName: cfg.nodeName, log: cfg.log, events: new EventRecorder(cfg.kc, 'l2lb-speaker', cfg.nodeName, cfg.log), nodeUid });
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.o.intervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** New interface picture: every name on the node, and those the speaker announces on. */
  interfacesChanged(interfaces: readonly string[], announcing: readonly string[]): Promise<StrictArpVerdict> {
    this.interfaces = interfaces;
    this.announcing = announcing;
    return this.check();
  }

  /** Reads the sysctls and reports a changed verdict. One check at a time. */
  async check(): Promise<StrictArpVerdict> {
    while (this.checking) await this.checking.catch(() => undefined);
    this.checking = this.checkOnce();
    try {
      return await this.checking;
    } finally {
      this.checking = undefined;
    }
  }

  private async checkOnce(): Promise<StrictArpVerdict> {
    const root = this.o.sysctlRoot ?? DEFAULT_SYSCTL_ROOT;
    const all = await readSysctl(root, 'all');
    if (!all) {
      if (this.unreadableSaid) return { kind: 'notIpvs' };
      this.unreadableSaid = true;
      this.o.log.warn('strictArpUnreadable', `cannot read ${root}/all/arp_ignore and arp_announce; not checking kube-proxy's strictARP`);
      return { kind: 'notIpvs' };
    }
    const perInterface = new Map<string, ArpSysctl>();
    for (const name of this.announcing) {
      const v = await readSysctl(root, name);
      if (v) perInterface.set(name, v);
    }
    const verdict = checkStrictArp({ interfaces: this.interfaces, announcing: this.announcing, all, perInterface });
    const key = verdictKey(verdict);
    if (key !== this.lastKey) {
      const was = this.lastKey;
      this.lastKey = key;
      this.report(verdict, was);
    }
    return verdict;
  }

  private report(v: StrictArpVerdict, was: string): void {
    if (v.kind === 'loose') {
      this.o.log.warn('kubeProxyStrictArpOff', v.message, {
        interfaces: v.interfaces.map((i) => i.name),
        sysctls: v.interfaces.map((i) => `net.ipv4.conf.${i.name}.arp_ignore=${i.arpIgnore} net.ipv4.conf.${i.name}.arp_announce=${i.arpAnnounce} (effective)`),
      });
      const uid = this.o.nodeUid();
      void this.o.events.event({ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, ...(uid ? { uid } : {}) }, 'Warning', STRICT_ARP_EVENT_REASON, v.message);
    } else if (was.startsWith('loose')) {
      this.o.log.info('kubeProxyStrictArpOn', v.kind === 'strict'
        ? 'kube-proxy\'s strictARP is in effect now (net.ipv4.conf.all.arp_ignore and arp_announce restrict ARP to each interface\'s own addresses)'
        : 'kube-proxy no longer runs in IPVS mode (kube-ipvs0 is gone)');
    }
  }
}
