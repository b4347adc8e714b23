import { checkAddresses, checkPending, checkSingleWriter, checkStable, type PoolView, type ServiceView } from './invariants.js';
import { Rng } from './rng.js';

const svc = (name: string, ips: string[], o: Partial<ServiceView> = {}): ServiceView => ({ name, ips, sharingKey: '', ports: ['TCP/80'], warnings: [], ...o });
const pools: PoolView[] = [
  { name: 'a', addresses: ['10.0.0.0/30'] },
  { name: 'b', addresses: ['10.0.1.0-10.0.1.1'] },
];

describe('fault-run invariants', () => {
  it.each([
    ['distinct addresses', [svc('x', ['10.0.0.0']), svc('y', ['10.0.0.1'])], []],
    ['one address on two unshared Services', [svc('x', ['10.0.0.0']), svc('y', ['10.0.0.0'])], ['10.0.0.0 held by x, y without valid sharing']],
    ['valid sharing', [svc('x', ['10.0.0.0'], { sharingKey: 'k' }), svc('y', ['10.0.0.0'], { sharingKey: 'k', ports: ['TCP/443'] })], []],
    ['sharing on the same port', [svc('x', ['10.0.0.0'], { sharingKey: 'k' }), svc('y', ['10.0.0.0'], { sharingKey: 'k' })], ['10.0.0.0 held by x, y without valid sharing']],
    ['outside every pool', [svc('x', ['10.9.0.0'])], ['x: 10.9.0.0 is in no pool it may use']],
    ['outside the pool it names', [svc('x', ['10.0.0.1'], { pool: 'b' })], ['x: 10.0.0.1 is in no pool it may use']],
  ] as const)('addresses: %s', (_t, services, expected) => {
    expect(checkAddresses(services, pools)).toEqual(expected);
  });

  it('an address may move only for a Service whose request or pool changed', () => {
    const before = new Map([['x', '10.0.0.0'], ['y', '10.0.0.1'], ['z', '']]);
    const now = [svc('x', ['10.0.0.2']), svc('y', ['10.0.0.3']), svc('z', ['10.0.0.1'])];
    expect(checkStable(before, now, new Set(['y']))).toEqual(['x: 10.0.0.0 -> 10.0.0.2 without a change to its request or pool']);
  });

  it('a pending Service is a violation when its pool has space, and always needs a Warning', () => {
    const full = [svc('p1', ['10.0.1.0']), svc('p2', ['10.0.1.1'])];
    expect(checkPending([...full, svc('w', [], { pool: 'b', warnings: ['AllocationFailed'] })], pools)).toEqual([]);
    expect(checkPending([...full, svc('w', [], { pool: 'b' })], pools)).toEqual(['w: refused without a Warning Event']);
    expect(checkPending([svc('w', [], { pool: 'b', warnings: ['AllocationFailed'] })], pools)).toEqual(['w: pending although its pool has space']);
  });

  it('each write must come from the Lease holder of its resourceVersion', () => {
    const lease = [
      { resourceVersion: 10, holder: 'a' },
      { resourceVersion: 20, holder: 'a' },
      { resourceVersion: 30, holder: 'b' },
    ];
    expect(checkSingleWriter([{ writer: 'a', resourceVersion: 25, service: 's1' }, { writer: 'b', resourceVersion: 31, service: 's2' }], lease)).toEqual([]);
    expect(checkSingleWriter([{ writer: 'a', resourceVersion: 35, service: 's3' }, { writer: 'b', resourceVersion: 5, service: 's4' }], lease)).toEqual([
      's3 written at rv 35 by a while the Lease named b',
      's4 written at rv 5 by b while the Lease named nobody',
    ]);
  });

  it('the RNG replays a seed exactly', () => {
    const seed = Rng.freshSeed();
    process.stdout.write(`rng seed ${seed}\n`);
    const a = new Rng(seed);
    const b = new Rng(seed);
    const draws = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(draws);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
    const w = new Rng(seed);
    const counts = { x: 0, y: 0 };
    for (let i = 0; i < 2000; i++) counts[w.weighted({ x: 1, y: 3 })]++;
    expect(counts.y).toBeGreaterThan(counts.x * 2);
  });
});
