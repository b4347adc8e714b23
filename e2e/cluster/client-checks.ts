// What the client sees, for the speaker's end-to-end tests: who answers ARP and NDP for an
// address (every replying MAC, counted, so a second answerer cannot hide), and the Events the
// speakers wrote on a Service.
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { rankCandidates } from '../../speaker/election/rank.js';
import type { Lab } from '../lab/lab.js';
import type { LabCluster } from './lab-cluster.js';
import { speakerMetrics, metricSeries } from './scrape.js';

/**
 * MACs that answered `count` broadcast ARP requests for ip from the client (iputils arping -b,
 * so every request is broadcast and every speaker on the segment sees it), with reply counts.
 */
export async function arpReplies(c: { readonly lab: Lab }, ip: string, count = 3): Promise<Map<string, number>> {
  const r = await c.lab.exec(c.lab.client.ns, ['arping', '-b', '-c', String(count), '-w', String(count + 1), '-I', 'eth0', ip]);
  const macs = new Map<string, number>();
  for (const m of r.stdout.matchAll(/reply from \S+ \[([0-9A-Fa-f:]{17})\]/g)) {
    const mac = m[1]!.toLowerCase();
    macs.set(mac, (macs.get(mac) ?? 0) + 1);
  }
  return macs;
}

/** MACs in Neighbor Advertisements answering Neighbor Solicitations for ip (ndisc6 -m: all of them). */
export async function ndpReplies(c: LabCluster, ip: string, tries = 3): Promise<Map<string, number>> {
  const r = await c.lab.exec(c.lab.client.ns, ['ndisc6', '-m', '-n', '-r', String(tries), '-w', '500', ip, 'eth0']);
  const macs = new Map<string, number>();
  for (const m of r.stdout.matchAll(/Target link-layer address: ([0-9A-Fa-f:]{17})/g)) {
    const mac = m[1]!.toLowerCase();
    macs.set(mac, (macs.get(mac) ?? 0) + 1);
  }
  return macs;
}

export async function serviceEvents(c: LabCluster, service: string, reason: string): Promise<CoreV1Event[]> {
  const core = c.kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespacedEvent({ namespace: c.appNamespace, fieldSelector: `involvedObject.name=${service},reason=${reason}` });
  return list.items;
}

/** The owner the election must pick for keyIp among `alive` (the speakers' own pure rule). */
export const predictedOwner = (keyIp: string, alive: readonly string[]): string => rankCandidates(keyIp, alive)[0]!;

/** metallb_speaker_announced series of one speaker for a Service key (namespace/name). */
export async function announcedSeries(c: LabCluster, node: string, serviceKey: string): Promise<{ ip: string; value: number }[]> {
  return metricSeries(await speakerMetrics(c, node), 'metallb_speaker_announced')
    .filter((s) => s.labels['service'] === serviceKey)
    .map((s) => ({ ip: s.labels['ip'] ?? '', value: s.value }));
}
