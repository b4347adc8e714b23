// Test helpers for the chart: find the pinned helm binary (built by e2e/testenv/tools/build.sh),
// run it, and parse a render into Kubernetes objects.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseToolLines, repoRoot } from '../../e2e/testenv/tools.js';

export const chartDir = (): string => join(repoRoot(), 'charts/l2lb');
export const allOnValues = (): string => join(chartDir(), 'ci/all-on-values.yaml');

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let cachedHelm: string | undefined;

/** The helm binary: $HELM, else the one tools/build.sh built. */
export function helmPath(): string {
  if (cachedHelm) return cachedHelm;
  const printed = parseToolLines(execFileSync('bash', [join(repoRoot(), 'e2e/testenv/tools/build.sh'), '--print'], { encoding: 'utf8' }));
  const path = process.env['HELM'] ?? printed.get('HELM');
  if (!path || !existsSync(path)) throw new Error(`helm not found${path ? ` at ${path}` : ''}: run \`make setup\` (builds the Go test tools)`);
  cachedHelm = path;
  return path;
}

export function helm(args: readonly string[]): HelmResult {
  const r = spawnSync(helmPath(), args, { encoding: 'utf8', cwd: repoRoot(), env: { ...process.env, HELM_CACHE_HOME: join(repoRoot(), '.l2lb/helm-cache'), HELM_CONFIG_HOME: join(repoRoot(), '.l2lb/helm-config') } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace?: string;
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
}

export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = ['template', opts.release ?? 'l2lb', chartDir(), '--namespace', opts.namespace ?? 'metallb-system'];
  for (const f of opts.valuesFiles ?? []) args.push('--values', f);
  for (const s of opts.set ?? []) args.push('--set', s);
  return args;
}

function isKubeObject(v: unknown): v is KubeObject {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const md = o['metadata'];
  return typeof o['apiVersion'] === 'string' && typeof o['kind'] === 'string' && typeof md === 'object' && md !== null && typeof (md as Record<string, unknown>)['name'] === 'string';
}

export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (!isKubeObject(v)) throw new Error(`rendered document is not a Kubernetes object: ${JSON.stringify(v).slice(0, 200)}`);
    out.push(v);
  }
  return out;
}

/** helm template; throws with helm's stderr when it fails. */
export function render(opts: RenderOptions = {}): KubeObject[] {
  const r = helm(templateArgs(opts));
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

export function only(objects: readonly KubeObject[], kind: string, nameSuffix = ''): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}`);
  return found[0]!;
}

// The parts of a workload's pod template the tests read.
export interface Container {
  readonly name: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  readonly securityContext?: {
    readonly runAsNonRoot?: boolean;
    readonly runAsUser?: number;
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly privileged?: boolean;
    readonly capabilities?: { readonly add?: string[]; readonly drop?: string[] };
  };
  readonly livenessProbe?: { httpGet?: { path: string } };
  readonly readinessProbe?: { httpGet?: { path: string } };
}

export interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly dnsPolicy?: string;
  readonly terminationGracePeriodSeconds?: number;
  readonly securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  readonly containers: Container[];
  readonly initContainers?: Container[];
  readonly volumes?: unknown[];
  readonly tolerations?: { key?: string; operator?: string; effect?: string }[];
}

export function podSpec(workload: KubeObject): PodSpec {
  const spec = workload['spec'] as { template?: { spec?: PodSpec } } | undefined;
  const pod = spec?.template?.spec;
  if (!pod || !Array.isArray(pod.containers)) throw new Error(`${workload.kind} ${workload.metadata.name} has no pod template`);
  return pod;
}
