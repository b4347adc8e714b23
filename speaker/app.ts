// The speaker's I/O shell. Informers, heartbeats and the interface watcher all feed one coalesced
// election; its outcome goes to the announcer (the only thing on the packet path), to logs, Events
// and metrics, and to ServiceL2Status writes. Election itself is pure (speaker/election) and needs
// no API writes: every speaker computes the same owners from the same facts.
import type { V1Service } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import { HEARTBEAT_KEY_FIELD } from '../shared/api/heartbeat.js';
import { BoundedQueue } from '../shared/async/bounded.js';
import type { L2Advertisement } from '../shared/api/types.js';
import type { KubeClient } from '../shared/k8s/client.js';
import { EventRecorder } from '../shared/k8s/events.js';
import type { Logger } from '../shared/log.js';
import { startMetricsServer } from '../shared/metrics/server.js';
import { Announcer } from './announcer/announcer.js';
import type { InterfaceInfo } from './announcer/links.js';
import { realLinks } from './announcer/real-links.js';
import { electAll } from './election/index.js';
import { parseMac } from './ethernet/mac.js';
import { allSpeakerInformers, speakerInformers, type SpeakerInformers } from './informers.js';
import { watchInterfaces, type InterfaceWatcher, type SelectionRules, type UsableInterface } from './interfaces/index.js';
import { HeartbeatThread, MembershipLifecycle, membershipMetrics } from './membership/index.js';
import { createSpeakerMetrics, type SpeakerMetrics } from './metrics.js';
import { OwnershipReport } from './ownership/report.js';
import { isOurs } from './status/plan.js';
import { StatusSync } from './status/sync.js';
import { planAnnouncements } from './world/announcements.js';
import { electionInput } from './world/election-input.js';
import { Pacer, type When } from './pacer.js';

export interface SpeakerConfig {
  /** The API client (shared/k8s/client.ts: one keep-alive connection pool for every call). */
  readonly kc: KubeClient;
  readonly namespace: string;
  readonly nodeName: string;
  readonly lbClass: string;
  readonly metricsPort: number;
  readonly metricsHost?: string;
  readonly heartbeatPort: number;
  readonly heartbeatSecret: string;
  readonly speakerSelector: string;
  readonly heartbeatIntervalMs: number;
  readonly deadAfterMs: number;
  readonly interfaceRules?: SelectionRules;
  readonly verifySourceAddress?: boolean;
  readonly log: Logger;
  /**
   * This node can no longer tell whether it owns anything (the heartbeat thread died). The
   * speaker has already stopped answering; the program should stop it and exit so the Pod restarts.
   */
  readonly onFatal: (err: Error) => void;
}

/** A pass over every VIP longer than this is logged: the main thread also answers ARP/NDP. */
const SLOW_PASS_MS = 1_000;

export class Speaker {
  readonly metrics: SpeakerMetrics;
  private readonly informers: SpeakerInformers;
  private readonly events: EventRecorder;
  /**
   * Events go out a few at a time: a takeover at scale emits one per moved Service. Beyond 20,000
   * waiting, new ones are dropped: Events are a courtesy, the election path never waits for them.
   */
  private readonly eventSender: BoundedQueue;
  private readonly statusSync: StatusSync;
  private server: Server | undefined;
  private announcer: Announcer | undefined;
  private watcher: InterfaceWatcher | undefined;
  private readonly membership: MembershipLifecycle;
  private usable: readonly UsableInterface[] = [];
  private readonly report: OwnershipReport;
  private electionQueued = false;
  private readonly electionPacer = new Pacer(() => this.queueElection());
  private synced = false;
  /** start() has the caches, the announcer and the interfaces: heartbeats may begin. */
  private ready = false;
  private stopping = false;

  constructor(private readonly cfg: SpeakerConfig) {
    this.metrics = createSpeakerMetrics();
    this.membership = new MembershipLifecycle(
      {
        self: cfg.nodeName,
        port: cfg.heartbeatPort,
        intervalMs: cfg.heartbeatIntervalMs,
        deadAfterMs: cfg.deadAfterMs,
        // Registered once: a key change restarts the heartbeat thread, not the series.
        metrics: membershipMetrics(this.metrics.registry),
        logger: cfg.log,
        ...(cfg.verifySourceAddress === undefined ? {} : { verifySourceAddress: cfg.verifySourceAddress }),
      },
      (opts) => HeartbeatThread.start(opts),
    );
    // The thread logs each change (peerAlive / peerDead) itself. Until membership has settled an
    // election would mean "alone, so owner of everything": elect() waits for 'settled'.
    this.membership.on('change', () => this.scheduleElection());
    this.membership.on('settled', () => this.scheduleElection());
    this.membership.on('failed', (err) => this.membershipFailed(err));
    this.informers = speakerInformers(cfg.kc, { namespace: cfg.namespace, speakerSelector: cfg.speakerSelector, secretName: cfg.heartbeatSecret }, cfg.log);
    this.events = new EventRecorder(cfg.kc, 'l2lb-speaker', cfg.nodeName, cfg.log);
    this.eventSender = new BoundedQueue({ concurrency: 4, maxQueued: 20_000, onError: (err) => cfg.log.warn('eventFailed', 'could not emit a Service Event', { error: err instanceof Error ? err : String(err) }) });
    this.report = new OwnershipReport({
      nodeName: cfg.nodeName,
      log: cfg.log,
      metrics: this.metrics,
      event: (key, type, reason, message) => this.eventSender.push(() => this.serviceEvent(key, type, reason, message)),
      announcedBeforeStart: () => new Set(this.informers.statuses.list().filter((o) => isOurs(o) && o.status?.node === cfg.nodeName).map((o) => `${o.status?.serviceNamespace}/${o.status?.serviceName}`)),
    });
    this.statusSync = new StatusSync({
      kc: cfg.kc,
      namespace: cfg.namespace,
      nodeName: cfg.nodeName,
      log: cfg.log,
      countWrite: (verb, resource) => this.metrics.apiWrites.inc({ verb, resource }),
      services: () => this.informers.services.list(),
      statuses: () => this.informers.statuses.list(),
      slowPassMs: SLOW_PASS_MS,
    });
  }

  async start(): Promise<void> {
    const { log } = this.cfg;
    this.server = await startMetricsServer({
      port: this.cfg.metricsPort,
      host: this.cfg.metricsHost,
      registry: this.metrics.registry,
      healthy: () => ({ ok: true }),
      ready: () => this.readiness(),
    });
    const i = this.informers;
    for (const inf of [i.services, i.endpointSlices, i.nodes, i.pools, i.legacyPools, i.advertisements]) inf.on(() => this.scheduleElection('paced'));
    i.speakers.on(() => this.updatePeers());
    i.secret.on(() => this.heartbeatKeyChanged());
    i.statuses.on(() => this.statusSync.schedule('paced'));
    await Promise.all(allSpeakerInformers(i).map((x) => x.start()));
    this.synced = true;
    log.info('informersSynced', 'caches are filled', { services: i.services.list().length, nodes: i.nodes.list().length });

    this.announcer = new Announcer({ registry: this.metrics.registry, log, links: realLinks(log), lookupInterface: (name) => this.interfaceInfo(name) });
    this.watcher = await watchInterfaces({
      ...(this.cfg.interfaceRules ? { rules: this.cfg.interfaceRules } : {}),
      onChange: (snap) => {
        this.usable = snap.selection.usable;
        log.info('interfaces', 'usable interfaces changed', { usable: this.usable.map((u) => u.name), skipped: snap.selection.skipped });
        // An interface re-created or re-addressed under us: reopen it and announce from the new MAC.
        for (const e of this.announcer?.interfacesChanged().errors ?? []) log.error('announceError', e);
        this.scheduleElection();
      },
      onError: (err) => log.warn('interfaceScanFailed', 'could not read interfaces; keeping the last picture', { error: err.message }),
    });
    this.ready = true;
    this.updatePeers();
    await this.heartbeatKeyChanged();
  }

  /** Planned stop: stop answering at once, tell peers we leave, so VIPs move in milliseconds. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.electionPacer.cancel();
    this.statusSync.stop();
    this.announcer?.setOwned([]);
    this.report.withdrawAll('speakerStopping');
    await this.membership.stop({ leaving: true });
    this.announcer?.close();
    this.watcher?.close();
    await Promise.all(allSpeakerInformers(this.informers).map((x) => x.stop()));
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }

  private readiness(): { ok: true } | { ok: false; reason: string } {
    if (!this.synced) return { ok: false, reason: 'informers have not synced yet' };
    if (!this.membership.active) return { ok: false, reason: `waiting for the heartbeat Secret ${this.cfg.namespace}/${this.cfg.heartbeatSecret}` };
    return { ok: true };
  }

  private interfaceInfo(name: string): InterfaceInfo | undefined {
    const u = this.usable.find((x) => x.name === name);
    const mac = u ? parseMac(u.mac) : undefined;
    return u && mac?.ok ? { name: u.name, index: u.ifindex, mac: mac.value } : undefined;
  }

  // ---- membership -----------------------------------------------------------------------------

  private heartbeatKeyChanged(): Promise<void> {
    // Not before start() has the caches, the announcer and the interfaces: peers treat our first
    // heartbeat as "back, take your VIPs", so sending it before we can announce would leave those
    // VIPs unanswered for as long as our informers take to sync (seconds with thousands of VIPs).
    // The Secret informer fires during start(); start() calls us again when everything is ready.
    if (this.stopping || !this.ready) return Promise.resolve();
    const key = this.informers.secret.list()[0]?.data?.[HEARTBEAT_KEY_FIELD] ?? '';
    if (key === '') this.cfg.log.warn('heartbeatKeyMissing', 'waiting for the heartbeat Secret (the controller creates it)', { secret: `${this.cfg.namespace}/${this.cfg.heartbeatSecret}` });
    return this.membership.setKey(key);
  }

  /** Without membership this node cannot know whether it owns anything: stop answering at once. */
  private membershipFailed(err: Error): void {
    this.cfg.log.error('membershipFailed', 'the heartbeat thread died; withdrawing everything', { error: err });
    this.announcer?.setOwned([]);
    this.cfg.onFatal(err);
  }

  private updatePeers(): void {
    const peers = this.informers.speakers.list().flatMap((p) => {
      const name = p.spec?.nodeName;
      const host = p.status?.hostIP;
      return name && host && !p.metadata?.deletionTimestamp ? [{ name, host, port: this.cfg.heartbeatPort }] : [];
    });
    this.membership.setPeers(peers);
    this.scheduleElection();
  }

  // ---- election ---------------------------------------------------------------------------------

  /** 'now' for membership and interface changes (failover); 'paced' for object changes (see pacer.ts). */
  private scheduleElection(when: When = 'now'): void {
    if (!this.stopping) this.electionPacer.request(when);
  }

  private queueElection(): void {
    if (this.electionQueued || this.stopping) return;
    this.electionQueued = true;
    setImmediate(() => {
      this.electionQueued = false;
      this.elect();
    });
  }

  private elect(): void {
    const announcer = this.announcer;
    // Until membership has heard its peers, "alone" would mean "owner of everything"; its
    // 'settled' event asks again.
    if (!announcer || this.stopping || !this.membership.settled()) return;
    const t0 = performance.now();
    const i = this.informers;
    const alive = this.membership.alive();
    const advertisements: L2Advertisement[] = [...i.advertisements.list()];
    const input = electionInput({
      services: i.services.list(),
      endpointSlices: i.endpointSlices.list(),
      nodes: i.nodes.list(),
      pools: [...i.pools.list()],
      legacyPools: [...i.legacyPools.list()],
      l2Advertisements: advertisements,
      alivePeers: alive,
      loadBalancerClass: this.cfg.lbClass,
    });
    const results = electAll(input);
    const plan = planAnnouncements(this.cfg.nodeName, input, results, advertisements, this.usable.map((u) => u.name));
    const { errors } = announcer.setOwned(plan.pairs);
    for (const e of errors) this.cfg.log.error('announceError', e);
    const electionMs = performance.now() - t0;
    this.electionPacer.took(electionMs);
    this.metrics.electionSeconds.set(electionMs / 1000);
    if (electionMs > SLOW_PASS_MS) this.cfg.log.warn('slowElection', 'an election held the main thread for long', { ms: Math.round(electionMs), services: input.services.length });

    this.report.apply(plan, results);
    this.statusSync.elect({ results, alive, interfacesOf: (key) => this.report.current.get(key)?.interfaces ?? [] });
  }

  private async serviceEvent(key: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const slash = key.indexOf('/');
    const svc: V1Service | undefined = this.informers.services.get(key.slice(slash + 1), key.slice(0, slash));
    if (!svc) return;
    await this.events.event({ apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace, uid: svc.metadata?.uid }, type, reason, message);
  }
}
