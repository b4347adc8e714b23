// The speaker's I/O shell. Informers, heartbeats and the interface watcher all feed one coalesced
// election; its outcome goes to the announcer (the only thing on the packet path), to logs, Events
// and metrics, and to ServiceL2Status writes. Election itself is pure (speaker/election) and needs
// no API writes: every speaker computes the same owners from the same facts.
import type { V1Service } from '@kubernetes/client-node';
import type { Server } from 'node:http';
import { HEARTBEAT_KEY_FIELD } from '../shared/api/heartbeat.js';
import { BoundedQueue, eachBounded } from '../shared/async/bounded.js';
import type { L2Advertisement } from '../shared/api/types.js';
import type { KubeClient } from '../shared/k8s/client.js';
import { EventRecorder } from '../shared/k8s/events.js';
import { registerInformerMetrics } from '../shared/k8s/informer-metrics.js';
import type { Logger } from '../shared/log.js';
import { startMetricsServer } from '../shared/metrics/server.js';
import { Announcer, PER_PAIR_LOG_LIMIT } from './announcer/announcer.js';
import type { InterfaceInfo } from './announcer/links.js';
import { realLinks } from './announcer/real-links.js';
import { electAll } from './election/index.js';
import type { ElectionResult } from './election/types.js';
import { parseMac } from './ethernet/mac.js';
import { allSpeakerInformers, speakerInformers, type SpeakerInformers } from './informers.js';
import { watchInterfaces, type InterfaceWatcher, type SelectionRules, type UsableInterface } from './interfaces/index.js';
import { HeartbeatThread, MembershipLifecycle, membershipMetrics } from './membership/index.js';
import { createSpeakerMetrics, type SpeakerMetrics } from './metrics.js';
import { StatusExecutor } from './status/executor.js';
import { isOurs, planStatusWrites, statusObjectName, type Ownership } from './status/plan.js';
import { statusRetryDelay } from './status/retry.js';
import { diffOwnership, planAnnouncements, type OwnedService } from './world/announcements.js';
import { electionInput, serviceKey } from './world/election-input.js';
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

/** A takeover of thousands of VIPs rewrites as many statuses: a few at a time, not one by one. */
const STATUS_WRITES_IN_FLIGHT = 4;
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
  private readonly executor: StatusExecutor;
  private server: Server | undefined;
  private announcer: Announcer | undefined;
  private watcher: InterfaceWatcher | undefined;
  private readonly membership: MembershipLifecycle;
  private usable: readonly UsableInterface[] = [];
  private owned: ReadonlyMap<string, OwnedService> = new Map();
  private failed: ReadonlyMap<string, string> = new Map();
  /** The last election: its results and the alive set they came from (status writes plan from both). */
  private elected: { readonly results: ReadonlyMap<string, ElectionResult>; readonly alive: ReadonlySet<string> } = { results: new Map(), alive: new Set() };
  private electionQueued = false;
  private readonly electionPacer = new Pacer(() => this.queueElection());
  private statusRunning = false;
  private statusAgain = false;
  private statusTimer: NodeJS.Timeout | undefined;
  /** Consecutive status passes with a write that failed other than by conflict (for backoff). */
  private statusFailures = 0;
  /**
   * 'now' after an election; 'paced' for changes of the ServiceL2Status objects themselves: each of
   * a takeover's thousands of writes comes back as a watch event on every speaker, and re-planning
   * all statuses (a pass over every Service) for each kept the main threads busy for tens of seconds.
   */
  private readonly statusPacer = new Pacer(() => this.runStatusSync());
  /** Objects we wrote whose new version the cache has not shown yet: never plan from those. */
  private readonly written = new Map<string, { kind: 'create' | 'updateStatus' | 'delete'; stale: Set<string> }>();
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
    this.events = new EventRecorder(cfg.kc, 'l2lb-speaker', cfg.nodeName, cfg.log);
    this.eventSender = new BoundedQueue({ concurrency: 4, maxQueued: 20_000, onError: (err) => cfg.log.warn('eventFailed', 'could not emit a Service Event', { error: err instanceof Error ? err : String(err) }) });
    this.executor = new StatusExecutor(cfg.kc, cfg.namespace, cfg.log, (verb, resource) => this.metrics.apiWrites.inc({ verb, resource }));
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
    i.statuses.on(() => this.scheduleStatus('paced'));
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
    clearTimeout(this.statusTimer);
    this.electionPacer.cancel();
    this.statusPacer.cancel();
    this.announcer?.setOwned([]);
    this.withdrawAll('speakerStopping');
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

    const diff = diffOwnership(this.owned, plan.owned);
    // A large move (a peer died owning thousands of VIPs) is one summary line; each Service at
    // debug. stdout to a pipe is synchronous on Linux: thousands of lines would stall this loop.
    const quiet = diff.lost.length + diff.gained.length + diff.changed.length > PER_PAIR_LOG_LIMIT;
    for (const s of diff.lost) this.withdrawn(s, plan.reasons.get(s.key), results.get(s.key), quiet);
    for (const s of diff.gained) this.announced(s, false, quiet);
    for (const s of diff.changed) this.announced(s, true, quiet);
    if (quiet) {
      this.cfg.log.info('ownershipChanged', 'many Services changed owner at once (each logged at debug)', {
        announced: diff.gained.length, withdrawn: diff.lost.length, changed: diff.changed.length,
        firstAnnounced: diff.gained.slice(0, 10).map((s) => s.key), firstWithdrawn: diff.lost.slice(0, 10).map((s) => s.key),
      });
    }
    for (const [key, reason] of plan.failed) {
      if (this.failed.get(key) === reason) continue;
      this.cfg.log.error('announceFailed', reason, { service: key });
      this.eventSender.push(() => this.serviceEvent(key, 'Warning', 'announceFailed', reason));
    }
    this.owned = plan.owned;
    this.failed = plan.failed;
    this.elected = { results, alive };
    this.scheduleStatus();
  }

  private announced(s: OwnedService, changed: boolean, quiet: boolean): void {
    const { nodeName } = this.cfg;
    const previous = this.owned.get(s.key);
    if (changed && previous) this.clearAnnouncedMetric(previous);
    for (const ip of s.ips) this.metrics.announced.set({ ip, node: nodeName, protocol: 'layer2', service: s.key }, 1);
    if (!changed) this.metrics.ownershipChanges.inc({ change: 'gained' });
    this.cfg.log[quiet ? 'debug' : 'info']('serviceAnnounced', 'service has IP, announcing', { service: s.key, ips: s.ips, pool: s.pool, interfaces: s.interfaces, protocol: 'layer2' });
    // One Event per change of announcing node, not per speaker restart: if the Service's
    // ServiceL2Status already names this node, nothing changed for the Service's users.
    if (this.statusNamesMe(s.key)) return;
    this.eventSender.push(() => this.serviceEvent(s.key, 'Normal', 'nodeAssigned', `announcing from node "${nodeName}" with protocol "layer2"`));
  }

  private statusNamesMe(key: string): boolean {
    const obj = this.informers.statuses.get(statusObjectName(key), this.cfg.namespace);
    return obj !== undefined && isOurs(obj) && obj.status?.node === this.cfg.nodeName;
  }

  private withdrawn(s: OwnedService, reason: string | undefined, result: ElectionResult | undefined, quiet: boolean): void {
    this.clearAnnouncedMetric(s);
    this.metrics.ownershipChanges.inc({ change: 'lost' });
    const why = result?.owner ? `notOwner (now ${result.owner})` : reason ?? 'serviceDeleted';
    this.cfg.log[quiet ? 'debug' : 'info']('serviceWithdrawn', 'withdrawing service announcement', { service: s.key, ips: s.ips, reason: why });
  }

  private withdrawAll(reason: string): void {
    const quiet = this.owned.size > PER_PAIR_LOG_LIMIT;
    if (quiet) this.cfg.log.info('ownershipChanged', 'withdrawing every Service (each logged at debug)', { withdrawn: this.owned.size, reason });
    for (const s of this.owned.values()) {
      this.clearAnnouncedMetric(s);
      this.cfg.log[quiet ? 'debug' : 'info']('serviceWithdrawn', 'withdrawing service announcement', { service: s.key, ips: s.ips, reason });
    }
    this.owned = new Map();
  }

  /** Stale series must go: a node that stopped announcing must not look like it still does. */
  private clearAnnouncedMetric(s: OwnedService): void {
    for (const ip of s.ips) this.metrics.announced.remove({ ip, node: this.cfg.nodeName, protocol: 'layer2', service: s.key });
  }

  private async serviceEvent(key: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const slash = key.indexOf('/');
    const svc: V1Service | undefined = this.informers.services.get(key.slice(slash + 1), key.slice(0, slash));
    if (!svc) return;
    await this.events.event({ apiVersion: 'v1', kind: 'Service', name: svc.metadata?.name ?? '', namespace: svc.metadata?.namespace, uid: svc.metadata?.uid }, type, reason, message);
  }

  // ---- ServiceL2Status ----------------------------------------------------------------------------

  private scheduleStatus(when: When = 'now'): void {
    if (this.stopping) return;
    if (this.statusRunning) {
      this.statusAgain = true;
      return;
    }
    this.statusPacer.request(when);
  }

  private runStatusSync(): void {
    if (this.stopping || this.statusRunning) return;
    this.statusRunning = true;
    void this.syncStatuses().finally(() => {
      this.statusRunning = false;
      if (this.statusAgain) {
        this.statusAgain = false;
        this.scheduleStatus('paced');
      }
    });
  }

  private async syncStatuses(): Promise<void> {
    if (!this.membership.settled()) return;
    const planStart = performance.now();
    const ownerships: Ownership[] = [];
    for (const svc of this.informers.services.list()) {
      const key = serviceKey(svc);
      const r = this.elected.results.get(key);
      if (!r) continue;
      ownerships.push({ serviceKey: key, owner: r.owner, interfaces: this.owned.get(key)?.interfaces ?? [] });
    }
    const existing = this.informers.statuses.list();
    const cached = new Map(existing.map((o) => [o.metadata?.name ?? '', o.metadata?.resourceVersion ?? '']));
    for (const [name, w] of this.written) {
      const rv = cached.get(name);
      const caughtUp = rv === undefined ? w.kind === 'delete' : !w.stale.has(rv);
      if (caughtUp) this.written.delete(name);
    }
    // Not hb.alive(): it may have moved on since the election (the heartbeat thread posts changes
    // at any time), and the janitor would then delete statuses of owners the results still name.
    const ops = planStatusWrites(this.cfg.nodeName, this.elected.alive, ownerships, existing).filter((op) => {
      const w = this.written.get(op.name);
      return w === undefined || (op.kind !== 'create' && !w.stale.has(op.resourceVersion));
    });
    const planMs = performance.now() - planStart;
    this.statusPacer.took(planMs);
    if (planMs > SLOW_PASS_MS) this.cfg.log.warn('slowStatusPlan', 'planning ServiceL2Status writes held the main thread for long', { ms: Math.round(planMs), writes: ops.length });
    // Distinct objects (one per Service), so order between them does not matter.
    let conflicted = false;
    let failed = false;
    await eachBounded(ops, STATUS_WRITES_IN_FLIGHT, async (op) => {
      const r = await this.executor.apply(op);
      if (r.ok) this.written.set(op.name, { kind: op.kind, stale: new Set(r.staleVersions) });
      else if (r.conflict) conflicted = true;
      else failed = true;
    });
    // Failed writes are planned again on the next pass; make sure there is one (see retry.ts).
    this.statusFailures = failed ? this.statusFailures + 1 : 0;
    if (failed || conflicted) {
      clearTimeout(this.statusTimer);
      this.statusTimer = setTimeout(() => this.scheduleStatus(), statusRetryDelay(failed ? 'failure' : 'conflict', this.statusFailures));
    }
  }
}
