// Kubernetes label-selector semantics, needed to apply L2Advertisement nodeSelectors and
// ipAddressPoolSelectors. Local stand-in until shared/api/selector.ts lands; then delete this
// file and import from there (the types are structurally the same).
import type { LabelSelector, Labels } from './types.js';

/** An empty selector matches everything; an unknown operator matches nothing (fail closed). */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True when any selector of the list matches; `emptyMeansAll` gives Kubernetes' "no selector = all". */
export function anySelectorMatches(selectors: readonly LabelSelector[] | undefined, labels: Labels, emptyMeansAll: boolean): boolean {
  if (!selectors || selectors.length === 0) return emptyMeansAll;
  return selectors.some((s) => selectorMatches(s, labels));
}
