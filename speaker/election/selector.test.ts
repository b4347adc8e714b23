import { anySelectorMatches, selectorMatches } from './selector.js';

describe('selectorMatches (Kubernetes semantics)', () => {
  const labels = { zone: 'x', role: 'edge' };
  it.each([
    [{}, true],
    [{ matchLabels: { zone: 'x' } }, true],
    [{ matchLabels: { zone: 'y' } }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['x', 'y'] }] }, true],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, false],
    [{ matchExpressions: [{ key: 'absent', operator: 'NotIn', values: ['x'] }] }, true],
    [{ matchExpressions: [{ key: 'role', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] }, false],
    [{ matchExpressions: [{ key: 'role', operator: 'Gt', values: ['1'] }] }, false],
    [{ matchLabels: { zone: 'x' }, matchExpressions: [{ key: 'role', operator: 'In', values: ['core'] }] }, false],
  ])('%j -> %s', (sel, want) => expect(selectorMatches(sel, labels)).toBe(want));

  it('lists: any matches; empty list means all or none as asked', () => {
    expect(anySelectorMatches([], labels, true)).toBe(true);
    expect(anySelectorMatches(undefined, labels, false)).toBe(false);
    expect(anySelectorMatches([{ matchLabels: { zone: 'q' } }, { matchLabels: { role: 'edge' } }], labels, false)).toBe(true);
  });
  it('does not read inherited properties', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, labels)).toBe(false);
  });
});
