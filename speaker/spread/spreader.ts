// The speaker's flow-spreading shell. After each election it plans which owned Services spread
// their flows (plan.ts), learns the nodes' MACs (macs.ts), renders the rules (render.ts) and
// installs them with nft when they changed, one change at a time, the latest winning. It reads
// the rules' counters into metrics, and reports each Service's table in an Event when it changes.
//
// Off (the speaker runs without --spread-flows, so without CAP_NET_ADMIN): nft is never run; an
// owner whose Service asks for spreading says once that it is not available.
import type { V1Node, V1Service } from '@kubernetes/client-node';
import type { IPAddressPool } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import type { SpeakerConfig } from '../config.js';
import type { SpeakerInformers } from '../informers.js';
import type { Registry } from '../../shared/metrics/prom.js';
import type { ElectionResult } from '../election/types.js';
import type { OwnedService } from '../world/announcement-plan.js';
import { POOL_ANNOTATION, serviceIps, serviceKey } from '../world/election-input.js';
import { counterDeltas } from './deltas.js';
import { NeighbourMacs, type MacLookup } from './macs.js';
import { spreadMetrics, type SpreadMetrics } from './metrics.js';
import { nodeIpv4s } from './neighbours.js';
import { splitObjectKey } from '../../shared/k8s/store.js';
import { systemNft, type CounterValue, type Nft } from './nft.js';
import { planSpreading, planStrays, servicePorts, type SpreadPlan, type SpreadServiceFacts, type StrayCandidate } from './plan.js';
import { REMOVE_RULESET, renderRuleset, type CounterEntry } from './render.js';
import { bucketShares, describeShares } from './table.js';

export type SpreadEvent = (serviceKey: string, type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** What the spreader reads from the speaker's caches. */
export interface SpreadSources {
  service(key: string): V1Service | undefined;
  /** Every Service (for the stray-packet counters of Services this node does not own). */
  services(): readonly V1Service[];
  pools(): readonly IPAddressPool[];
  node(name: string): V1Node | undefined;
  /** This node's usable interfaces and their MACs. */
  interfaces(): readonly { readonly name: string; readonly mac: string }[];
}

export interface SpreaderOptions {
  readonly me: string;
  readonly enabled: boolean;
  readonly log: Logger;
  readonly registry: Registry;
  readonly sources: SpreadSources;
  readonly event: SpreadEvent;
  readonly nft?: Nft;
  readonly macs?: MacLookup;
  readonly counterPollMs?: number;
  /** While a node's MAC is unknown its buckets stay here: look again this soon. */
  readonly resolveRetryMs?: number;
}

interface Elected {
  readonly owned: ReadonlyMap<string, OwnedService>;
  readonly results: ReadonlyMap<string, ElectionResult>;
}

export const DISABLED_MESSAGE = 'the Service asks for flow spreading (l2lb.io/spread-flows), but the speakers run without it (chart value speaker.spreadFlows.enabled, speaker flag --spread-flows): this node takes all of its flows';

export class FlowSpreader {
  private readonly nft: Nft;
  private readonly macs: MacLookup;
  private readonly metrics: SpreadMetrics;
  private latest: Elected | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private pollDue = false;
  /** Elections handed in, and the last of them a finished pass had seen (for idle()). */
  private requested = 0;
  private completed = 0;
  private stopped = false;
  private applied: string | undefined;
  private legend: readonly CounterEntry[] = [];
  private lastRead: ReadonlyMap<string, CounterValue> = new Map();
  /** Service -> the table summary last reported. */
  private readonly reportedShares = new Map<string, string>();
  /** Service -> the configuration problem last reported. */
  private readonly reportedProblems = new Map<string, string>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SpreaderOptions) {
    this.nft = opts.nft ?? systemNft();
    this.macs = opts.macs ?? new NeighbourMacs();
    this.metrics = spreadMetrics(opts.registry);
    if (opts.enabled) {
      // Through the same queue as rule changes, so a read never straddles a table replacement.
      this.pollTimer = setInterval(() => {
        this.pollDue = true;
        this.kick();
      }, opts.counterPollMs ?? 15_000);
      this.pollTimer.unref();
    }
  }

  /** The speaker's spreader: reads its caches, reports through its Service Events. */
  static forSpeaker(cfg: SpeakerConfig, registry: Registry, informers: SpeakerInformers, event: SpreadEvent, interfaces: SpreadSources['interfaces']): FlowSpreader {
    const sources: SpreadSources = {
      service: (key) => {
        const { namespace, name } = splitObjectKey(key);
        return informers.services.get(name, namespace);
      },
      services: () => informers.services.list(),
      pools: () => informers.pools.list(),
      node: (name) => informers.nodes.get(name),
      interfaces,
    };
    return new FlowSpreader({ me: cfg.nodeName, enabled: cfg.spreadFlows === true, log: cfg.log, registry, sources, event });
  }

  /** After every election: the Services this node owns and every Service's candidates. */
  elected(owned: ReadonlyMap<string, OwnedService>, results: ReadonlyMap<string, ElectionResult>): void {
    this.latest = { owned, results };
    this.requested++;
    this.kick();
  }

  /** Resolves once every election handed in so far has been applied (or failed to apply). */
  async idle(): Promise<void> {
    const want = this.requested;
    // Not "until nothing runs": the counter polls keep the queue busy.
    while (this.completed < want && this.running) await this.running;
  }

  /** Takes the rules away (single-node behaviour) and waits for any change under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    await this.running;
    if (this.opts.enabled && this.applied !== undefined && this.applied !== REMOVE_RULESET) {
      const r = await this.nft.apply(REMOVE_RULESET);
      if (!r.ok) this.opts.log.error('spreadRemoveFailed', 'could not remove the flow-spreading rules', { error: r.error });
    }
    this.macs.close();
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sync().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async sync(): Promise<void> {
    const generation = this.requested;
    try {
      await this.syncOnce();
    } catch (err) {
      // Reading the ARP table or the caches failed: keep the rules as they are, try again.
      this.opts.log.error('spreadSyncFailed', 'could not bring the flow-spreading rules up to date; retrying', { error: err instanceof Error ? err : String(err) });
      this.retrySoon();
    } finally {
      this.completed = Math.max(this.completed, generation);
    }
  }

  private async syncOnce(): Promise<void> {
    if (this.pollDue) {
      this.pollDue = false;
      await this.harvest();
    }
    const latest = this.latest;
    if (!latest) return;
    const poolAnnotations = this.poolAnnotations();
    const plan = planSpreading({ owned: latest.owned, results: latest.results, services: this.facts(latest.owned), poolAnnotations });
    this.reportProblems(latest.owned, plan);
    if (!this.opts.enabled) return;
    const usable = this.opts.sources.interfaces();
    const strays = planStrays(this.opts.me, this.localServices(), latest.results, poolAnnotations, usable.map((u) => u.name));
    const interfaces = [...new Set(plan.services.flatMap((s) => s.interfaces))];
    const nodes = new Map(plan.services.flatMap((s) => s.nodes).filter((n) => n !== this.opts.me).map((n) => [n, nodeIpv4s(this.opts.sources.node(n) ?? {})] as const));
    const macs = new Map<string, Map<string, string>>();
    for (const iface of interfaces) macs.set(iface, await this.macs.resolve(iface, nodes));
    const ruleset = renderRuleset({
      me: this.opts.me,
      services: plan.services,
      strays,
      interfaceMac: (i) => usable.find((u) => u.name === i)?.mac,
      nodeMac: (i, n) => macs.get(i)?.get(n),
    });
    if (ruleset.counters.some((c) => c.kind === 'unresolved')) this.retrySoon();
    if (ruleset.text === this.applied) return;
    // The counters go with the old table: read them first.
    await this.harvest();
    const r = await this.nft.apply(ruleset.text);
    if (!r.ok) {
      this.metrics.applyErrors.inc();
      this.opts.log.error('spreadApplyFailed', 'could not install the flow-spreading rules; retrying', { error: r.error });
      this.retrySoon();
      return;
    }
    const first = this.applied === undefined;
    this.applied = ruleset.text;
    this.legend = ruleset.counters;
    this.lastRead = new Map();
    if (first) this.opts.log.info('spreadRulesReplaced', 'flow-spreading rules installed (any left by an earlier run replaced)', { services: plan.services.length });
    this.reportTables(latest.owned, plan, ruleset.counters);
  }

  private facts(owned: ReadonlyMap<string, OwnedService>): Map<string, SpreadServiceFacts> {
    const out = new Map<string, SpreadServiceFacts>();
    for (const key of owned.keys()) {
      const svc = this.opts.sources.service(key);
      if (svc) out.set(key, { annotations: svc.metadata?.annotations, ports: servicePorts(svc.spec?.ports) });
    }
    return out;
  }

  /** Services with externalTrafficPolicy Local, as planStrays reads them. */
  private *localServices(): Generator<StrayCandidate> {
    for (const svc of this.opts.sources.services()) {
      if (svc.spec?.externalTrafficPolicy !== 'Local') continue;
      const annotations = svc.metadata?.annotations;
      yield { key: serviceKey(svc), local: true, pool: annotations?.[POOL_ANNOTATION] ?? null, ips: serviceIps(svc), annotations, ports: servicePorts(svc.spec.ports) };
    }
  }

  private poolAnnotations(): Map<string, Readonly<Record<string, string>> | undefined> {
    return new Map(this.opts.sources.pools().map((p) => [p.metadata.name ?? '', p.metadata.annotations]));
  }

  private retrySoon(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.opts.resolveRetryMs ?? 2_000);
    this.retryTimer.unref();
  }

  /** Bad annotations, and spreading asked for while it is off: a Warning Event and a log line, once per problem. */
  private reportProblems(owned: ReadonlyMap<string, OwnedService>, plan: SpreadPlan): void {
    const problems = new Map(plan.invalid);
    if (!this.opts.enabled) for (const s of plan.services) problems.set(s.key, DISABLED_MESSAGE);
    for (const [key, message] of problems) {
      if (this.reportedProblems.get(key) === message) continue;
      this.reportedProblems.set(key, message);
      this.opts.log.warn('spreadNotApplied', message, { service: key });
      this.opts.event(key, 'Warning', 'FlowSpreadingNotApplied', message);
    }
    for (const key of this.reportedProblems.keys()) if (!problems.has(key) || !owned.has(key)) this.reportedProblems.delete(key);
  }

  private reportTables(owned: ReadonlyMap<string, OwnedService>, plan: SpreadPlan, legend: readonly CounterEntry[]): void {
    this.metrics.buckets.reset();
    const now = new Map<string, string>();
    for (const s of plan.services) {
      for (const [node, count] of bucketShares(s.table)) this.metrics.buckets.set({ service: s.key, node }, count);
      const unresolved = [...new Set(legend.filter((c) => c.service === s.key && c.kind === 'unresolved').map((c) => c.node))];
      now.set(s.key, `flows spread over ${s.nodes.length} nodes by hash bucket (${describeShares(s.table)})${unresolved.length > 0 ? `; MAC not known yet, kept on ${this.opts.me}: ${unresolved.join(', ')}` : ''}`);
    }
    for (const [key, summary] of now) {
      if (this.reportedShares.get(key) === summary) continue;
      this.reportedShares.set(key, summary);
      this.opts.log.info('flowsSpread', summary, { service: key });
      this.opts.event(key, 'Normal', 'FlowsSpread', summary);
    }
    for (const key of [...this.reportedShares.keys()]) {
      if (now.has(key)) continue;
      this.reportedShares.delete(key);
      if (!owned.has(key)) continue;
      const message = `flows are no longer spread: ${this.opts.me} takes them all`;
      this.opts.log.info('flowsNotSpread', message, { service: key });
      this.opts.event(key, 'Normal', 'FlowsNotSpread', message);
    }
  }

  /** Reads the rules' counters and adds what happened since the last read to the metrics. */
  private async harvest(): Promise<void> {
    if (this.legend.length === 0) return;
    const r = await this.nft.counters();
    if (!r.ok) {
      this.opts.log.warn('spreadCountersFailed', 'could not read the flow-spreading counters', { error: r.error });
      return;
    }
    for (const d of counterDeltas(this.legend, this.lastRead, r.value)) {
      if (d.kind === 'stray') {
        this.metrics.strayPackets.inc({ service: d.service }, d.packets);
        this.opts.log.warn('spreadStrayPackets', 'packets for a Service with externalTrafficPolicy Local arrived at a node with no ready endpoint of it (an owner with an out-of-date table, or a client with an old ARP entry); kube-proxy drops them', { service: d.service, packets: d.packets });
        continue;
      }
      const labels = { service: d.service, node: d.node, kind: d.kind };
      if (d.measure === 'syns') this.metrics.flows.inc(labels, d.packets);
      else {
        this.metrics.packets.inc(labels, d.packets);
        this.metrics.bytes.inc(labels, d.bytes);
      }
    }
    this.lastRead = r.value;
  }
}
