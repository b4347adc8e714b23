// MetalLB v0.16's ConfigurationState: one status-only object per component (the controller, and
// the speaker of each node) saying whether the configuration it serves is valid. Pure: which object
// a component writes, and the status it should hold for a list of configuration errors.
import type { Condition, ObjectMetaLike } from '../api/types.js';
import { parseL2Advertisement } from '../api/advertisement.js';
import type { L2Advertisement } from '../api/types.js';
import type { PoolVerdict } from '../api/validate.js';

export const LABEL_COMPONENT_TYPE = 'metallb.io/component-type';
export const LABEL_NODE_NAME = 'metallb.io/node-name';

export type Component = { readonly type: 'controller' } | { readonly type: 'speaker'; readonly node: string };
export type ConfigurationResult = 'Valid' | 'Invalid' | 'Unknown';

export interface ConfigurationStateStatus {
  readonly result: ConfigurationResult;
  readonly errorSummary: string;
  readonly conditions: readonly Condition[];
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export interface ConfigurationState {
  readonly apiVersion?: string;
  readonly kind?: 'ConfigurationState';
  readonly metadata: ObjectMetaLike & { readonly ownerReferences?: readonly OwnerReference[] };
  readonly status?: ConfigurationStateStatus;
}

/** The Pod a component runs in (downward API): its object is garbage-collected with the Pod. */
export interface PodRef {
  readonly name: string;
  readonly uid: string;
}

/**
 * The owner references the object should carry: the writing Pod alone, so a Pod deleted while its
 * program could not clean up (SIGKILL, node gone, uninstall) takes its object with it. Without a
 * Pod (programs run outside Kubernetes) whatever is there is left alone: undefined.
 */
export function desiredOwners(owner: PodRef | undefined, current: readonly OwnerReference[] | undefined): OwnerReference[] | undefined {
  if (owner === undefined) return undefined;
  const want: OwnerReference = { apiVersion: 'v1', kind: 'Pod', name: owner.name, uid: owner.uid };
  const c = current ?? [];
  const same = c.length === 1 && c[0]!.apiVersion === want.apiVersion && c[0]!.kind === want.kind && c[0]!.name === want.name && c[0]!.uid === want.uid;
  return same ? undefined : [want];
}

/** The object's name and labels: `controller`, or `speaker-<node>` labelled with its node. */
export function stateObject(c: Component): { name: string; labels: Record<string, string> } {
  if (c.type === 'controller') return { name: 'controller', labels: { [LABEL_COMPONENT_TYPE]: 'controller' } };
  return { name: `speaker-${c.node}`, labels: { [LABEL_COMPONENT_TYPE]: 'speaker', [LABEL_NODE_NAME]: c.node } };
}

/**
 * The configuration errors a component reports: every invalid pool and L2Advertisement, each
 * named, in a stable order (so an unchanged configuration never rewrites the status). The pool
 * verdicts are resolvePoolConfig's, so an overlap names the pool whose change caused it, exactly
 * as the pool's own status condition does.
 */
export function configurationErrors(poolVerdicts: readonly PoolVerdict[], advertisements: readonly L2Advertisement[]): string[] {
  const errors: string[] = [];
  for (const v of poolVerdicts) if (!v.valid) errors.push(`${v.kind} ${JSON.stringify(v.name)}: ${v.errors.join('; ')}`);
  for (const a of advertisements) {
    const p = parseL2Advertisement(a);
    if (!p.ok) errors.push(`L2Advertisement ${JSON.stringify(p.name)}: ${p.errors.join('; ')}`);
  }
  return errors.sort();
}

/** The status for these errors; the condition keeps its transition time while its status holds. */
export function desiredStatus(errors: readonly string[], previous: ConfigurationStateStatus | undefined, now: string): ConfigurationStateStatus {
  const valid = errors.length === 0;
  const status = valid ? 'True' : 'False';
  const before = previous?.conditions?.find((c) => c.type === 'Valid');
  const condition: Condition = {
    type: 'Valid',
    status,
    reason: valid ? 'ConfigurationValid' : 'ConfigurationInvalid',
    message: valid ? 'the configuration is valid' : errors.join('; '),
    lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
  };
  return { result: valid ? 'Valid' : 'Invalid', errorSummary: errors.join('; '), conditions: [condition] };
}

/** Field by field: the API server returns keys in its own order. */
export function statusEqual(a: ConfigurationStateStatus | undefined, b: ConfigurationStateStatus): boolean {
  if (a === undefined || a.result !== b.result || a.errorSummary !== b.errorSummary) return false;
  const ca = a.conditions ?? [];
  return (
    ca.length === b.conditions.length &&
    b.conditions.every((c, i) => {
      const x = ca[i];
      return x !== undefined && x.type === c.type && x.status === c.status && x.reason === c.reason && x.message === c.message && x.lastTransitionTime === c.lastTransitionTime;
    })
  );
}
