import { labelSelectorMatches, labelsToString, parseSelector, selectorMatches } from './selector.js';
import type { LabelSelector } from './types.js';

const parsed = (s: LabelSelector) => {
  const p = parseSelector(s);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};

describe('selectorMatches', () => {
  it.each<[string, LabelSelector, Record<string, string>, boolean]>([
    ['empty selector matches everything', {}, {}, true],
    ['matchLabels equal', { matchLabels: { app: 'a' } }, { app: 'a', x: 'y' }, true],
    ['matchLabels differs', { matchLabels: { app: 'a' } }, { app: 'b' }, false],
    ['matchLabels missing', { matchLabels: { app: 'a' } }, {}, false],
    ['In hit', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, { env: 'stage' }, true],
    ['In miss', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, { env: 'dev' }, false],
    ['In absent', { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }, {}, false],
    ['NotIn absent matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, {}, true],
    ['NotIn hit', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, { env: 'prod' }, false],
    ['Exists', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { gpu: '' }, true],
    ['Exists absent', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, {}, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, {}, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, { gpu: 'x' }, false],
    [
      'all requirements must hold',
      { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
      { app: 'a', env: 'dev' },
      false,
    ],
  ])('%s', (_name, sel, labels, want) => {
    expect(selectorMatches(parsed(sel), labels)).toBe(want);
  });

  it('does not match inherited properties', () => {
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {})).toBe(false);
  });
});

describe('parseSelector errors', () => {
  it.each<[LabelSelector, string]>([
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'matchExpressions key "a": operator In needs at least one value'],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, 'matchExpressions key "a": operator NotIn needs at least one value'],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'matchExpressions key "a": operator Exists takes no values'],
    [{ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, '"Equals" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: '', operator: 'Exists' }] }, 'matchExpressions: empty label key'],
  ])('%j', (sel, error) => {
    expect(parseSelector(sel)).toEqual({ ok: false, error });
    expect(labelSelectorMatches(sel, {})).toBe(false);
  });

  it('canonical text is order independent', () => {
    const a = parsed({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] });
    const b = parsed({ matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }], matchLabels: { a: '1', b: '2' } });
    expect(a.text).toBe(b.text);
    expect(a.text).toBe('a=1,b=2,c in (x,y)');
  });
});

it('labelsToString sorts keys like labels.Set.String()', () => {
  expect(labelsToString({ z: '1', a: '2' })).toBe('a=2,z=1');
  expect(labelsToString(undefined)).toBe('');
});
