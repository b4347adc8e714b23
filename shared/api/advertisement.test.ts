import { advertisementSelectsNode, parseL2Advertisement, serviceAdvertisement, type ParsedL2Advertisement } from './advertisement.js';
import type { L2AdvertisementSpec } from './types.js';

const adv = (spec: L2AdvertisementSpec): ParsedL2Advertisement => {
  const p = parseL2Advertisement({ metadata: { name: 'adv' }, spec });
  if (!p.ok) throw new Error(p.errors.join('; '));
  return p.value;
};
const pool = (name: string, labels: Record<string, string> = {}, legacy = false) => ({ name, labels, announcedWithoutAdvertisement: legacy });
const poolIsAdvertised = (p: ReturnType<typeof pool>, advs: ParsedL2Advertisement[]): boolean => serviceAdvertisement(p, advs, {}) === 'advertised';

describe('L2Advertisement', () => {
  it('selects every pool when it names none', () => {
    expect(poolIsAdvertised(pool('a'), [adv({})])).toBe(true);
  });
  it('selects by name or by label', () => {
    const a = adv({ ipAddressPools: ['a'], ipAddressPoolSelectors: [{ matchLabels: { zone: 'x' } }] });
    expect(poolIsAdvertised(pool('a'), [a])).toBe(true);
    expect(poolIsAdvertised(pool('b', { zone: 'x' }), [a])).toBe(true);
    expect(poolIsAdvertised(pool('c'), [a])).toBe(false);
  });
  it('no advertisement: only legacy pools are announced', () => {
    expect(poolIsAdvertised(pool('a'), [])).toBe(false);
    expect(poolIsAdvertised(pool('a', {}, true), [])).toBe(true);
  });
  it('serviceSelectors: the pool is advertised, but only to the Services one of its advertisements selects', () => {
    const web = adv({ ipAddressPools: ['a'], serviceSelectors: [{ matchLabels: { app: 'web' } }] });
    const db = adv({ ipAddressPools: ['a'], serviceSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }] });
    const cases: [string, ParsedL2Advertisement[], Record<string, string>, string][] = [
      ['matching Service', [web], { app: 'web' }, 'advertised'],
      ['Service without labels', [web], {}, 'serviceNotSelected'],
      ['other Service', [web, db], { app: 'api' }, 'serviceNotSelected'],
      ['second advertisement matches', [web, db], { tier: 'db' }, 'advertised'],
      ['one advertisement without serviceSelectors takes every Service', [web, adv({ ipAddressPools: ['a'] })], { app: 'api' }, 'advertised'],
      ['advertisement of another pool does not count', [adv({ ipAddressPools: ['b'] })], { app: 'web' }, 'poolNotAdvertised'],
    ];
    for (const [name, advs, labels, want] of cases) expect([name, serviceAdvertisement(pool('a'), advs, labels)]).toEqual([name, want]);
    expect(serviceAdvertisement(pool('a', {}, true), [web], {})).toBe('advertised');
  });
  it('node selectors', () => {
    expect(advertisementSelectsNode(adv({}), {})).toBe(true);
    const a = adv({ nodeSelectors: [{ matchLabels: { role: 'edge' } }] });
    expect(advertisementSelectsNode(a, { role: 'edge' })).toBe(true);
    expect(advertisementSelectsNode(a, { role: 'worker' })).toBe(false);
  });
  it('reports invalid and duplicate selectors', () => {
    const p = parseL2Advertisement({
      metadata: { name: 'x' },
      spec: { ipAddressPools: ['a', 'a'], nodeSelectors: [{ matchExpressions: [{ key: 'k', operator: 'Bogus' }] }] },
    });
    expect(p).toEqual({
      ok: false,
      name: 'x',
      errors: ['duplicate definition of ipAddressPools "a"', 'invalid nodeSelectors in L2Advertisement "x": "Bogus" is not a valid label selector operator'],
    });
  });
  it('reads serviceSelectors and preferredNodeSelectors, and says which entry is wrong', () => {
    const ok = adv({ serviceSelectors: [{ matchLabels: { app: 'web' } }], preferredNodeSelectors: [{ weight: 100, preference: { matchLabels: { zone: 'a' } } }] });
    expect(ok.serviceSelectors.map((s) => s.text)).toEqual(['app=web']);
    expect(ok.preferredNodeSelectors.map((p) => [p.weight, p.preference.text])).toEqual([[100, 'zone=a']]);
    const bad = parseL2Advertisement({
      metadata: { name: 'x' },
      spec: {
        serviceSelectors: [{ matchExpressions: [{ key: 'app', operator: 'Near' }] }],
        preferredNodeSelectors: [
          { weight: 0, preference: {} },
          { weight: 101, preference: {} },
          { weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In' }] } },
        ],
      },
    });
    expect(bad).toEqual({
      ok: false,
      name: 'x',
      errors: [
        'invalid serviceSelectors in L2Advertisement "x": "Near" is not a valid label selector operator',
        'invalid preferredNodeSelectors[0] in L2Advertisement "x": weight must be an integer from 1 to 100, got 0',
        'invalid preferredNodeSelectors[1] in L2Advertisement "x": weight must be an integer from 1 to 100, got 101',
        expect.stringMatching(/^invalid preferredNodeSelectors\[2\] in L2Advertisement "x": .*In/),
      ],
    });
  });
});
