// Prometheus text from the lab's programs and the API server, and the sums tests and benchmarks
// need. A speaker's metrics server listens on 127.0.0.1 inside its node namespace, so it is
// fetched by node itself inside that namespace (no curl on the machine).
import { rawRequest } from '../testenv/raw-api.js';
import type { LabCluster } from './lab-cluster.js';

export const SPEAKER_METRICS_PORT = 7473;

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample of one metric name (exact name, so `_total` vs `_created` never mix). */
export function metricSeries(text: string, name: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const close = rest[0] === '{' ? rest.lastIndexOf('}') : -1;
    const labels: Record<string, string> = {};
    if (close > 0) for (const m of rest.slice(1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    out.push({ labels, value: Number(rest.slice(close + 1).trim().split(' ')[0]) });
  }
  return out;
}

/** Sum of the samples whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricSeries(text, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

export async function speakerMetrics(c: LabCluster, node: string, port = SPEAKER_METRICS_PORT): Promise<string> {
  const script = `fetch('http://127.0.0.1:${port}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { process.stderr.write(String(e)); process.exit(1); })`;
  return (await c.lab.execOk(c.node(node).ns, [process.execPath, '-e', script])).stdout;
}

export async function controllerMetrics(c: LabCluster): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${c.controllerMetricsPort}/metrics`);
  return res.text();
}

/** kube-apiserver's own /metrics, read with the admin credentials. */
export async function apiserverMetrics(c: LabCluster): Promise<string> {
  const res = await rawRequest(c.kc, 'GET', '/metrics', undefined, { Accept: 'text/plain' });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return res.body;
}

export interface ApiWrites {
  /** Mutating requests the API server served (any client), Leases left out: see below. */
  readonly all: number;
  readonly events: number;
  readonly byResource: Readonly<Record<string, number>>;
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);

/**
 * Resources only the control plane itself writes here, whatever l2lb does: Leases (kube-apiserver
 * renews its identity Lease; the lab's controller runs without leader election) and core
 * Endpoints (kube-apiserver's reconciler of the `kubernetes` Service endpoints; l2lb never writes
 * Endpoints). Counting them would only hide l2lb's own figure.
 */
const NOT_OURS = new Set(['leases', 'endpoints']);

/** Writes counted by kube-apiserver itself, the control plane's own housekeeping (NOT_OURS) aside. */
export function apiserverWrites(text: string): ApiWrites {
  const byResource: Record<string, number> = {};
  for (const s of metricSeries(text, 'apiserver_request_total')) {
    if (!WRITE_VERBS.has(s.labels['verb'] ?? '') || NOT_OURS.has(s.labels['resource'] ?? '')) continue;
    const key = `${s.labels['verb']} ${s.labels['resource']}${s.labels['subresource'] ? `/${s.labels['subresource']}` : ''}`;
    byResource[key] = (byResource[key] ?? 0) + s.value;
  }
  const all = Object.values(byResource).reduce((a, b) => a + b, 0);
  const events = Object.entries(byResource).filter(([k]) => k.endsWith(' events')).reduce((a, [, v]) => a + v, 0);
  return { all, events, byResource };
}

export function diffWrites(after: ApiWrites, before: ApiWrites): ApiWrites {
  const byResource: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byResource)) {
    const d = v - (before.byResource[k] ?? 0);
    if (d !== 0) byResource[k] = d;
  }
  return { all: after.all - before.all, events: after.events - before.events, byResource };
}
