// One election over the informer caches: the world as the caches show it, every VIP's owner, and
// what this node must announce. Synchronous and free of I/O; the speaker applies the result.
import type { L2Advertisement } from '../../shared/api/types.js';
import { electAll } from '../election/index.js';
import type { ElectionResult } from '../election/types.js';
import type { SpeakerInformers } from '../informers.js';
import { planAnnouncements, type AnnouncementPlan } from './announcement-plan.js';
import { electionInput, type SpeakerInput } from './election-input.js';
import { refusalsToReport } from './external-ips.js';

export interface ElectionPass {
  readonly input: SpeakerInput;
  readonly results: ReadonlyMap<string, ElectionResult>;
  readonly plan: AnnouncementPlan;
  /** Services whose externalIPs this node reports as not announced (one live node reports each), with why. */
  readonly externalRefused: ReadonlyMap<string, string>;
}

export function electFromCaches(
  i: SpeakerInformers,
  alivePeers: ReadonlySet<string>,
  opts: { readonly nodeName: string; readonly lbClass: string; readonly announceExternalIps?: boolean; readonly usableInterfaces: readonly string[] },
): ElectionPass {
  const advertisements: L2Advertisement[] = [...i.advertisements.list()];
  const input = electionInput({
    services: i.services.list(),
    endpointSlices: i.endpointSlices.list(),
    nodes: i.nodes.list(),
    pools: [...i.pools.list()],
    legacyPools: [...i.legacyPools.list()],
    l2Advertisements: advertisements,
    alivePeers,
    loadBalancerClass: opts.lbClass,
    announceExternalIps: opts.announceExternalIps === true,
  });
  const results = electAll(input);
  const live = input.nodes.filter((n) => alivePeers.has(n.name)).map((n) => n.name);
  return {
    input,
    results,
    plan: planAnnouncements(opts.nodeName, input, results, advertisements, opts.usableInterfaces),
    externalRefused: refusalsToReport(opts.nodeName, input.externalIpRefusals, live),
  };
}
