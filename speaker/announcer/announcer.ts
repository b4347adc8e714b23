// The Announcer: given the (VIP, interface) pairs this host owns, answer for exactly those, and
// tell the network when one arrives: a takeover burst (at once, then every 1.1 s for 5 s, past
// Linux's 1 s ARP locktime), then a refresh (default every 60 s) that keeps switch MAC tables
// fresh. Losing a pair stops its answers at once: the owned set is swapped before anything else.
import type { Registry } from 'prom-client';
import { formatIp } from '../../shared/ip/address.js';
import type { Logger } from '../../shared/log.js';
import { macEquals } from '../ethernet/mac.js';
import { OwnedSet, type OwnedPair } from '../responder/owned.js';
import { BurstTicker } from './bursts.js';
import { InterfaceResponder } from './interface-responder.js';
import type { InterfaceInfo, LinkFactory } from './links.js';
import { Layer2Metrics } from './metrics.js';

export interface AnnouncerOptions {
  readonly registry: Registry;
  readonly log: Logger;
  readonly links: LinkFactory;
  /** Name → index and MAC, looked up when an interface is first needed. */
  readonly lookupInterface: (name: string) => InterfaceInfo | undefined;
  readonly refreshIntervalMs?: number;
  readonly burstIntervalMs?: number;
  readonly burstDurationMs?: number;
}

export const DEFAULT_REFRESH_MS = 60_000;
export const DEFAULT_BURST_INTERVAL_MS = 1_100;
export const DEFAULT_BURST_DURATION_MS = 5_000;
/**
 * More changes than this in one setOwned are logged as one summary line (each pair at debug):
 * stdout to a pipe is synchronous on Linux, and thousands of lines during a takeover would
 * stall the event loop that also answers ARP and sends heartbeats.
 */
export const PER_PAIR_LOG_LIMIT = 50;

export class Announcer {
  private ownedSet: OwnedSet = OwnedSet.empty;
  private readonly responders = new Map<string, InterfaceResponder>();
  /** Interfaces whose sockets stay open while nothing is owned there (setStandby). */
  private standby: ReadonlySet<string> = new Set();
  private readonly bursts: BurstTicker;
  private readonly refresh: NodeJS.Timeout;
  private readonly metrics: Layer2Metrics;
  private closed = false;

  constructor(private readonly opts: AnnouncerOptions) {
    this.metrics = new Layer2Metrics(opts.registry);
    const interval = opts.burstIntervalMs ?? DEFAULT_BURST_INTERVAL_MS;
    this.bursts = new BurstTicker(interval, Math.floor((opts.burstDurationMs ?? DEFAULT_BURST_DURATION_MS) / interval));
    this.refresh = setInterval(() => this.refreshAll(), opts.refreshIntervalMs ?? DEFAULT_REFRESH_MS);
    this.refresh.unref();
  }

  get owned(): OwnedSet {
    return this.ownedSet;
  }

  /**
   * Replaces the owned set. Returns the problems (an unknown interface, a socket that would not
   * open): pairs on such an interface are not answered, the others are.
   */
  setOwned(pairs: Iterable<OwnedPair>): { errors: string[] } {
    if (this.closed) return { errors: ['announcer is closed'] };
    const errors: string[] = [];
    const before = new Map(this.ownedSet.pairs.map((p) => [OwnedSet.pairKey(p), p]));
    const next = new OwnedSet(pairs);
    const after = new Map(next.pairs.map((p) => [OwnedSet.pairKey(p), p]));
    this.ownedSet = next;

    const removed = [...before].filter(([key]) => !after.has(key));
    const added = [...after].filter(([key]) => !before.has(key));
    const verbose = removed.length + added.length <= PER_PAIR_LOG_LIMIT;
    const log = verbose ? this.opts.log.info : this.opts.log.debug;
    if (!verbose) this.opts.log.info('announceChanged', 'answering for a new set of addresses', { started: added.length, stopped: removed.length });
    for (const [key, p] of removed) {
      this.bursts.stop(key);
      this.responders.get(p.interfaceName)?.unwatch(p.ip);
      log('announceStopped', 'no longer answering for this address', { ip: formatIp(p.ip), interface: p.interfaceName });
    }
    for (const [key, p] of added) {
      const responder = this.responder(p.interfaceName, errors);
      if (responder === undefined) continue;
      // Logged first: its timestamp marks the takeover (the lab measures client updates from it).
      log('announceStarted', 'answering for this address', { ip: formatIp(p.ip), interface: p.interfaceName });
      responder.watch(p.ip);
      this.bursts.start(key, () => responder.announce(p.ip));
    }
    this.closeUnneeded();
    return { errors };
  }

  /**
   * The interfaces to keep answering sockets open on while this node owns nothing there (the
   * speaker passes its usable interfaces). A takeover then announces at once: opening the ARP, NDP
   * and group sockets first took about 5 ms of the new owner's main thread on the failover path
   * (a CPU profile of a 3-node lab failover), which under CPU contention is a wait for the core
   * several times over. Requests for addresses not owned are dropped and counted, as on any
   * interface. Returns the interfaces whose sockets would not open (a takeover tries again).
   */
  setStandby(names: Iterable<string>): { errors: string[] } {
    if (this.closed) return { errors: ['announcer is closed'] };
    this.standby = new Set(names);
    const errors: string[] = [];
    for (const name of this.standby) this.responder(name, errors);
    this.closeUnneeded();
    return { errors };
  }

  /**
   * Call when interfaces change (the speaker's interface watcher): an interface in use whose
   * index or MAC is no longer what its sockets were opened with (re-created, re-addressed) is
   * reopened, and its VIPs are announced again with the new MAC. One that is gone is reported.
   */
  interfacesChanged(): { errors: string[] } {
    const errors: string[] = [];
    for (const [name, old] of [...this.responders]) {
      const info = this.opts.lookupInterface(name);
      if (info !== undefined && info.index === old.iface.index && macEquals(info.mac, old.iface.mac)) continue;
      old.close();
      this.responders.delete(name);
      const pairs = this.ownedSet.pairs.filter((p) => p.interfaceName === name);
      for (const p of pairs) this.bursts.stop(OwnedSet.pairKey(p));
      const responder = this.responder(name, errors);
      if (responder === undefined) continue;
      this.opts.log.info('interfaceReopened', 'interface changed: sockets reopened, VIPs announced again', { interface: name });
      for (const p of pairs) {
        responder.watch(p.ip);
        this.bursts.start(OwnedSet.pairKey(p), () => responder.announce(p.ip));
      }
    }
    return { errors };
  }

  close(): void {
    this.standby = new Set();
    this.setOwned([]);
    this.closed = true;
    this.bursts.close();
    clearInterval(this.refresh);
  }

  private responder(name: string, errors: string[]): InterfaceResponder | undefined {
    const existing = this.responders.get(name);
    if (existing !== undefined) return existing;
    const info = this.opts.lookupInterface(name);
    if (info === undefined) {
      errors.push(`interface ${name} not found`);
      return undefined;
    }
    const opened = InterfaceResponder.open(info, this.opts.links, () => this.ownedSet, this.metrics, this.opts.log);
    if (!opened.ok) {
      errors.push(opened.error);
      return undefined;
    }
    this.responders.set(name, opened.value);
    return opened.value;
  }

  /** Closes the sockets of interfaces neither an owned pair nor the standby list needs. */
  private closeUnneeded(): void {
    const needed = new Set(this.ownedSet.pairs.map((p) => p.interfaceName));
    for (const [name, r] of this.responders) {
      if (needed.has(name) || this.standby.has(name)) continue;
      r.close();
      this.responders.delete(name);
    }
  }

  private refreshAll(): void {
    for (const p of this.ownedSet.pairs) this.responders.get(p.interfaceName)?.announce(p.ip);
  }
}
