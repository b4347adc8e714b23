// The speaker's I/O shell. Informers, heartbeats and the interface watcher all feed one coalesced
// election (election-loop.ts); its outcome goes to the announcer (the only thing on the packet
// path), to flow spreading (spread/), to logs, Events and metrics, and to ServiceL2Status writes. Election itself is pure
// (speaker/election) and needs no API writes: every speaker computes the same owners from the
// same facts.
import { HEARTBEAT_KEY_FIELD } from '../shared/api/heartbeat.js';
import { registerInformerMetrics } from '../shared/k8s/informer-metrics.js';
import { startMetricsServer, type MetricsServer } from '../shared/metrics/server.js';
import { Announcer } from './announcer/announcer.js';
import { interfaceInfo } from './announcer/links.js';
import { realLinks } from './announcer/real-links.js';
import { allSpeakerInformers, speakerInformers, type SpeakerInformers } from './informers.js';
import { watchInterfaces, type InterfaceWatcher, type UsableInterface } from './interfaces/index.js';
import type { SpeakerConfig } from './config.js';
import { expectedPeers, HeartbeatThread, MembershipLifecycle, membershipMetrics } from './membership/index.js';
import { createSpeakerMetrics, type SpeakerMetrics } from './metrics.js';
import { OwnershipReport } from './ownership/report.js';
import { ServiceEvents } from './ownership/service-events.js';
import { servicesNamingNode } from './status/plan.js';
import { StatusSync } from './status/sync.js';
import { StrictArpMonitor } from './strict-arp/monitor.js';
import { Elector, objectsInCaches } from './world/election-pass.js';
import { ElectionLoop } from './election-loop.js';
import { SpeakerConfigState } from './config-state.js';
import { FlowSpreader } from './spread/spreader.js';

/** A pass over every VIP longer than this is logged: the main thread also answers ARP/NDP. */
const SLOW_PASS_MS = 1_000;

export class Speaker {
  readonly metrics: SpeakerMetrics;
  private readonly informers: SpeakerInformers;
  private readonly statusSync: StatusSync;
  private readonly configState: SpeakerConfigState;
  private readonly strictArp: StrictArpMonitor;
  private server: MetricsServer | undefined;
  private announcer: Announcer | undefined;
  private watcher: InterfaceWatcher | undefined;
  private readonly membership: MembershipLifecycle;
  private usable: readonly UsableInterface[] = [];
  private readonly report: OwnershipReport;
  private readonly elections: ElectionLoop;
  private readonly spread: FlowSpreader;
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
    registerInformerMetrics(this.metrics.registry, allSpeakerInformers(this.informers));
    const events = new ServiceEvents(cfg.kc, cfg.nodeName, cfg.log, (namespace, name) => this.informers.services.get(name, namespace));
    this.report = new OwnershipReport({
      nodeName: cfg.nodeName,
      log: cfg.log,
      metrics: this.metrics,
      event: (key, type, reason, message) => events.emit(key, type, reason, message),
      announcedBeforeStart: () => servicesNamingNode(this.informers.statuses.list(), cfg.nodeName),
    });
    this.statusSync = new StatusSync({
      ...cfg,
      countWrite: (verb, resource) => this.metrics.apiWrites.inc({ verb, resource }),
      services: () => this.informers.services.list(),
      statuses: () => this.informers.statuses.list(),
      slowPassMs: SLOW_PASS_MS,
    });
    this.spread = FlowSpreader.forSpeaker(cfg, this.metrics.registry, this.informers, (k, t, r, m) => events.emit(k, t, r, m), () => this.usable);
    this.strictArp = StrictArpMonitor.forSpeaker(cfg, () => this.informers.nodes.get(cfg.nodeName)?.metadata?.uid);
    this.configState = new SpeakerConfigState(cfg, this.informers, (verb, resource) => this.metrics.apiWrites.inc({ verb, resource }));
    this.elections = new ElectionLoop({
      log: cfg.log,
      metrics: this.metrics,
      elector: new Elector(() => objectsInCaches(this.informers), cfg),
      membership: this.membership,
      announcer: () => this.announcer,
      usableInterfaces: () => this.usable.map((u) => u.name),
      report: this.report,
      spread: this.spread,
      statusSync: this.statusSync,
      slowPassMs: SLOW_PASS_MS,
    });
  }

  async start(): Promise<void> {
    const { log } = this.cfg;
    this.server = await startMetricsServer({ port: this.cfg.metricsPort, host: this.cfg.metricsHost, registry: this.metrics.registry, ready: () => this.readiness() });
    const i = this.informers;
    for (const inf of [i.services, i.endpointSlices, i.nodes, i.pools, i.legacyPools, i.advertisements]) inf.on(() => this.elections.objectsChanged());
    i.speakers.on(() => this.updatePeers());
    i.secret.on(() => this.heartbeatKeyChanged());
    i.statuses.on(() => this.statusSync.schedule('paced'));
    await Promise.all(allSpeakerInformers(i).map((x) => x.start()));
    this.synced = true;
    log.info('informersSynced', 'caches are filled', { services: i.services.list().length, nodes: i.nodes.list().length });

    this.announcer = new Announcer({ registry: this.metrics.registry, log, links: realLinks(log), lookupInterface: (name) => interfaceInfo(this.usable, name) });
    this.watcher = await watchInterfaces({
      ...(this.cfg.interfaceRules ? { rules: this.cfg.interfaceRules } : {}),
      onChange: (snap) => {
        this.usable = snap.selection.usable;
        log.info('interfaces', 'usable interfaces changed', { usable: this.usable.map((u) => u.name), skipped: snap.selection.skipped });
        // An interface re-created or re-addressed under us: reopen it and announce from the new MAC.
        for (const e of this.announcer?.interfacesChanged().errors ?? []) log.error('announceError', e);
        // Sockets ready on every usable interface before any takeover (Announcer.setStandby).
        for (const e of this.announcer?.setStandby(this.usable.map((u) => u.name)).errors ?? []) log.warn('standbyOpenFailed', `could not open the answering sockets ahead of a takeover; a takeover opens them: ${e}`);
        this.scheduleElection();
        // kube-proxy's IPVS mode shows up as an interface (kube-ipvs0).
        void this.strictArp.interfacesChanged(snap.raw.map((r) => r.name), this.usable.map((u) => u.name));
      },
      onError: (err) => log.warn('interfaceScanFailed', 'could not read interfaces; keeping the last picture', { error: err.message }),
    });
    this.strictArp.start();
    this.ready = true;
    this.updatePeers();
    await this.heartbeatKeyChanged();
    this.configState.start();
  }

  /** Planned stop: stop answering at once, tell peers we leave, so VIPs move in milliseconds. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.elections.stop();
    this.statusSync.stop();
    this.announcer?.setOwned([]);
    this.report.withdrawAll('speakerStopping');
    await Promise.all([this.membership.stop({ leaving: true }), this.spread.stop(), this.configState.remove()]);
    this.announcer?.close();
    this.watcher?.close();
    this.strictArp.stop();
    await Promise.all(allSpeakerInformers(this.informers).map((x) => x.stop()));
    await this.server?.close();
  }

  private readiness(): { ok: true } | { ok: false; reason: string } {
    if (!this.synced) return { ok: false, reason: 'informers have not synced yet' };
    if (!this.membership.active) return { ok: false, reason: `waiting for the heartbeat Secret ${this.cfg.namespace}/${this.cfg.heartbeatSecret}` };
    return { ok: true };
  }

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
    this.membership.setPeers(expectedPeers(this.informers.speakers.list(), this.cfg.heartbeatPort));
    this.scheduleElection();
  }

  /** Membership, peers and interfaces: at once (the failover path); object changes are paced. */
  private scheduleElection(): void {
    if (!this.stopping) this.elections.request('now');
  }
}
