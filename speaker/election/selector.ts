// Selector lists as L2Advertisements use them. Matching itself is shared/api/selector.ts's (one
// place for Kubernetes semantics); this adds only the list rule, where an absent or empty list
// means "all" for nodeSelectors but "none" for ipAddressPoolSelectors.
import { labelSelectorMatches } from '../../shared/api/selector.js';
import type { LabelSelector, Labels } from './types.js';

/** An empty selector matches everything; an invalid one (unknown operator...) matches nothing. */
export const selectorMatches = (selector: LabelSelector, labels: Labels): boolean => labelSelectorMatches(selector, labels);

/** True when any selector of the list matches; `emptyMeansAll` gives Kubernetes' "no selector = all". */
export function anySelectorMatches(selectors: readonly LabelSelector[] | undefined, labels: Labels, emptyMeansAll: boolean): boolean {
  if (!selectors || selectors.length === 0) return emptyMeansAll;
  return selectors.some((s) => labelSelectorMatches(s, labels));
}
