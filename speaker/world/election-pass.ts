// One election over the informer caches: the world as the caches show it, every VIP's owner, and
// what this node must announce. Synchronous and free of I/O; the speaker applies the result.
//
// A pass after a membership change alone (a peer died, left or came back) re-elects only the
// groups whose owner can change (election/incremental.ts) and plans again only the Services
// whose result changed: the cluster objects, the ballots built from them and the rest of the
// plan are those of the last full pass. Anything else that changes (a Service, EndpointSlice,
// Node, pool or advertisement; this node's usable interfaces) makes the next pass a full one:
// invalidate() says so. Either way the pass equals a full election of the same alive set.
import { ballotsFor, reelect, resultsOf, stand, type Standing } from '../election/index.js';
import type { ElectionResult, ServiceInfo } from '../election/types.js';
import type { SpeakerInformers } from '../informers.js';
import { EMPTY_PLAN, planContext, replanAnnouncements, type AnnouncementPlan, type PlanContext } from './announcement-plan.js';
import { electionInput, type ClusterFacts, type SpeakerInput } from './election-input.js';
import { refusalsToReport } from './external-ips.js';

/** The cluster objects an election reads: its input facts without the ones the speaker adds. */
export type ElectionObjects = Pick<ClusterFacts, 'services' | 'endpointSlices' | 'nodes' | 'pools' | 'legacyPools' | 'l2Advertisements'>;

export const objectsInCaches = (i: SpeakerInformers): ElectionObjects => ({
  services: i.services.list(),
  endpointSlices: i.endpointSlices.list(),
  nodes: i.nodes.list(),
  pools: i.pools.list(),
  legacyPools: i.legacyPools.list(),
  l2Advertisements: i.advertisements.list(),
});

export interface ElectionPass {
  readonly input: SpeakerInput;
  readonly results: ReadonlyMap<string, ElectionResult>;
  readonly plan: AnnouncementPlan;
  /** Services whose externalIPs this node reports as not announced (one live node reports each), with why. */
  readonly externalRefused: ReadonlyMap<string, string>;
  /** 'full': every VIP elected; 'membership': only the groups the alive set's change could move. */
  readonly kind: 'full' | 'membership';
  /** Groups of Services (one per IP) whose owner this pass changed; every group for a full pass. */
  readonly groupsElected: number;
}

export interface ElectorOptions {
  readonly nodeName: string;
  readonly lbClass: string;
  readonly announceExternalIps?: boolean;
}

/** What a full pass computed from the cluster objects, reused while only liveness changes. */
interface Basis {
  readonly input: SpeakerInput;
  readonly standing: Standing;
  readonly context: PlanContext;
  readonly plan: AnnouncementPlan;
  /** Refused Services (shared IP with serviceSelectors): the node that reports one is its would-be owner, which any change can move. */
  readonly refusals: readonly ServiceInfo[];
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export class Elector {
  private basis: Basis | undefined;

  constructor(
    private readonly objects: () => ElectionObjects,
    private readonly opts: ElectorOptions,
  ) {}

  /** A cluster object changed: the next pass elects every VIP again. */
  invalidate(): void {
    this.basis = undefined;
  }

  elect(alive: ReadonlySet<string>, usableInterfaces: readonly string[]): ElectionPass {
    const b = this.basis;
    if (b === undefined || !sameList(b.context.usableInterfaces, usableInterfaces)) return this.full(alive, usableInterfaces);
    const { standing, moved } = reelect(b.standing, alive);
    const results = resultsOf(standing);
    const input: SpeakerInput = { ...b.input, alivePeers: alive };
    const changed = moved.flatMap((i) => standing.ballots.groups[i]?.members.map((m) => m.svc) ?? []);
    const plan = replanAnnouncements(b.plan, b.context, [...changed, ...b.refusals], results);
    this.basis = { ...b, input, standing, plan };
    return { input, results, plan, externalRefused: this.externalRefused(input), kind: 'membership', groupsElected: moved.length };
  }

  private full(alive: ReadonlySet<string>, usableInterfaces: readonly string[]): ElectionPass {
    const o = this.objects();
    const input = electionInput({
      ...o,
      alivePeers: alive,
      loadBalancerClass: this.opts.lbClass,
      announceExternalIps: this.opts.announceExternalIps === true,
    });
    const standing = stand(ballotsFor(input), alive);
    const results = resultsOf(standing);
    const context = planContext(this.opts.nodeName, input, o.l2Advertisements, usableInterfaces);
    const plan = replanAnnouncements(EMPTY_PLAN, context, input.services, results);
    const refusals = input.services.filter((s) => results.get(s.key)?.reason === 'sharedIpWithServiceSelectors');
    this.basis = { input, standing, context, plan, refusals };
    return { input, results, plan, externalRefused: this.externalRefused(input), kind: 'full', groupsElected: standing.owners.length };
  }

  private externalRefused(input: SpeakerInput): ReadonlyMap<string, string> {
    const live = input.nodes.flatMap((n) => (input.alivePeers.has(n.name) ? [n.name] : []));
    return refusalsToReport(this.opts.nodeName, input.externalIpRefusals, live);
  }
}
