// `helm upgrade` of l2lb to a new image tag on the real cluster, measured from the client: an HTTP
// prober (every 20 ms, 500 ms timeout) against the VIP through kube-proxy for the whole rolling
// update, until every speaker and controller runs the new tag and the ServiceL2Status is settled.
// The new tag is the same image imported under a second name, so what rolls is the Pods, not code.
import { Prober } from '../cluster/observe.js';
import { waitFor } from '../testenv/wait.js';
import type { RealCluster } from './cluster.js';
import { summarizeOutages, type OutageSummary } from './outages.js';
import { announcingNode, chartUpgradeArgs, CONTROLLER_SELECTOR, ECHO_PORT, L2LB_NAMESPACE, SPEAKER_SELECTOR } from './workloads.js';

export interface RollingUpgrade extends OutageSummary {
  readonly imageRef: string;
  /** helm upgrade to both rollouts complete, ms. */
  readonly rolloutMs: number;
  /** ServiceL2Status owners seen while it ran, in order (a speaker's restart moves its VIPs). */
  readonly owners: readonly string[];
  /** Speaker pods before and after (all must be new). */
  readonly speakersBefore: readonly string[];
  readonly speakersAfter: readonly string[];
}

const wallNow = (): number => performance.timeOrigin + performance.now();

async function podNames(c: RealCluster, selector: string): Promise<string[]> {
  const list = await c.core.listNamespacedPod({ namespace: L2LB_NAMESPACE, labelSelector: selector });
  return list.items.map((p) => p.metadata?.name ?? '').sort();
}

export async function measureRollingUpgrade(c: RealCluster, service: string, ip: string, release: string, newTag: string, timeoutMs = 300_000): Promise<RollingUpgrade> {
  const oldRef = c.images.product.ref;
  const imageRef = `${oldRef.slice(0, oldRef.lastIndexOf(':'))}:${newTag}`;
  await c.tagImageOnNodes(oldRef, imageRef);
  const speakersBefore = await podNames(c, SPEAKER_SELECTOR);
  const prober = new Prober(c.lab, ip, 20, 500, { port: ECHO_PORT, mode: 'http', maxMs: timeoutMs + 60_000 });
  const owners: string[] = [];
  let watching = true;
  const watchOwner = (async (): Promise<void> => {
    while (watching) {
      const o = await announcingNode(c, service).catch(() => undefined);
      if (o && owners.at(-1) !== o) owners.push(o);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    await prober.waitFor((r) => r.ok, 10_000, 'a first answer');
    const t0 = wallNow();
    await c.helm(chartUpgradeArgs(release, imageRef));
    const timeout = `${Math.round(timeoutMs / 1000)}s`;
    await c.kubectl(['rollout', 'status', '-n', L2LB_NAMESPACE, `daemonset/${release}-speaker`, `--timeout=${timeout}`]);
    await c.kubectl(['rollout', 'status', '-n', L2LB_NAMESPACE, `deployment/${release}-controller`, `--timeout=${timeout}`]);
    await c.waitForReadyPods(L2LB_NAMESPACE, SPEAKER_SELECTOR, c.nodes.length, timeoutMs);
    await c.waitForReadyPods(L2LB_NAMESPACE, CONTROLLER_SELECTOR, 2, timeoutMs);
    const rolloutMs = wallNow() - t0;
    // The last new speaker's return may move its VIPs back to it: keep probing until the owner
    // has stayed put for 3 s.
    let stableSince = wallNow();
    let last = owners.at(-1);
    await waitFor('the owner to stay put for 3 s', () => {
      if (owners.at(-1) !== last) {
        last = owners.at(-1);
        stableSince = wallNow();
      }
      return Promise.resolve(wallNow() - stableSince > 3_000);
    }, { timeoutMs: 60_000, intervalMs: 100 });
    const end = wallNow();
    const window = prober.results().filter((r) => r.t >= t0 && r.t <= end);
    return {
      ...summarizeOutages(window),
      imageRef,
      rolloutMs,
      owners,
      speakersBefore,
      speakersAfter: await podNames(c, SPEAKER_SELECTOR),
    };
  } finally {
    watching = false;
    await watchOwner;
    prober.stop();
  }
}
