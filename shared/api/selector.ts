// Kubernetes label selectors (metav1.LabelSelector) as pure values: parse once (reporting what is
// wrong), match many times. The controller uses them for serviceAllocation, the speaker for
// L2Advertisement nodeSelectors and ipAddressPoolSelectors. Semantics are LabelSelectorAsSelector's:
// an empty selector matches everything; NotIn and DoesNotExist match objects without the label.
import type { LabelSelector, Labels } from './types.js';

type Requirement =
  | { readonly key: string; readonly op: 'In' | 'NotIn'; readonly values: ReadonlySet<string> }
  | { readonly key: string; readonly op: 'Exists' | 'DoesNotExist' };

export interface Selector {
  readonly requirements: readonly Requirement[];
  /** Canonical text (sorted), for duplicate detection and messages: "app=a,tier in (x,y)". */
  readonly text: string;
}

export type ParsedSelector = { ok: true; value: Selector } | { ok: false; error: string };

export function parseSelector(sel: LabelSelector): ParsedSelector {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    if (key === '') return { ok: false, error: 'matchLabels: empty label key' };
    reqs.push({ key, op: 'In', values: new Set([value]) });
  }
  for (const e of sel.matchExpressions ?? []) {
    if (!e.key) return { ok: false, error: 'matchExpressions: empty label key' };
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          return { ok: false, error: `matchExpressions key ${JSON.stringify(e.key)}: operator ${e.operator} needs at least one value` };
        }
        reqs.push({ key: e.key, op: e.operator, values: new Set(values) });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          return { ok: false, error: `matchExpressions key ${JSON.stringify(e.key)}: operator ${e.operator} takes no values` };
        }
        reqs.push({ key: e.key, op: e.operator });
        break;
      default:
        return { ok: false, error: `${JSON.stringify(e.operator)} is not a valid label selector operator` };
    }
  }
  return { ok: true, value: { requirements: reqs, text: selectorText(reqs) } };
}

function requirementText(r: Requirement): string {
  switch (r.op) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    default: {
      const vs = [...r.values].sort();
      if (r.op === 'In' && vs.length === 1) return `${r.key}=${vs[0]}`;
      return `${r.key} ${r.op === 'In' ? 'in' : 'notin'} (${vs.join(',')})`;
    }
  }
}

const selectorText = (reqs: readonly Requirement[]): string => reqs.map(requirementText).sort().join(',');

export function selectorMatches(sel: Selector, labels: Labels | undefined): boolean {
  const l = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && r.values.has(l[r.key]!);
      case 'NotIn':
        return !has || !r.values.has(l[r.key]!);
    }
  });
}

/** Convenience for one-off checks on raw selectors; an invalid selector matches nothing. */
export function labelSelectorMatches(sel: LabelSelector, labels: Labels | undefined): boolean {
  const p = parseSelector(sel);
  return p.ok && selectorMatches(p.value, labels);
}

/** Any of the selectors matches (how MetalLB combines a list of selectors). */
export const anySelectorMatches = (sels: readonly Selector[], labels: Labels | undefined): boolean =>
  sels.some((s) => selectorMatches(s, labels));

/** Equivalent of labels.Set(m).String(): "a=1,b=2", keys sorted. MetalLB's backend key. */
export const labelsToString = (m: Labels | undefined): string =>
  Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${m![k]}`)
    .join(',');
