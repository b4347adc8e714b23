// Selector lists as the election applies them. The Kubernetes semantics live in
// shared/api/selector.ts (one implementation for controller and speaker); an invalid selector
// matches nothing (fail closed: a typo must not make every node announce).
import { labelSelectorMatches } from '../../shared/api/selector.js';
import type { LabelSelector, Labels } from './types.js';

export const selectorMatches = (selector: LabelSelector, labels: Labels): boolean => labelSelectorMatches(selector, labels);

/** True when any selector of the list matches; `emptyMeansAll` gives Kubernetes' "no selector = all". */
export function anySelectorMatches(selectors: readonly LabelSelector[] | undefined, labels: Labels, emptyMeansAll: boolean): boolean {
  if (!selectors || selectors.length === 0) return emptyMeansAll;
  return selectors.some((s) => labelSelectorMatches(s, labels));
}
