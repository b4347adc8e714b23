import { FaultDeck } from './deck.js';
import { Rng } from './rng.js';

const KINDS = ['a', 'b', 'c', 'd', 'e'] as const;

describe('fault deck', () => {
  const seed = Rng.freshSeed();
  beforeAll(() => process.stdout.write(`fault deck seed ${seed}\n`));

  it.each([1, 2, 3, 5])('keeps every kind within one of the others after any number of rounds (at most %i per round)', (max) => {
    const deck = new FaultDeck(KINDS, new Rng(seed));
    const counts = new Map<string, number>(KINDS.map((k) => [k, 0]));
    for (let r = 0; r < 500; r++) {
      const round = deck.nextRound(max);
      expect(round.length).toBeGreaterThanOrEqual(1);
      expect(round.length).toBeLessThanOrEqual(max);
      expect(new Set(round).size).toBe(round.length);
      for (const k of round) counts.set(k, counts.get(k)! + 1);
      const values = [...counts.values()];
      expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
    }
  });

  it('averages more than one fault per round when allowed several', () => {
    const deck = new FaultDeck(KINDS, new Rng(seed));
    let total = 0;
    for (let r = 0; r < 300; r++) total += deck.nextRound(3).length;
    // Uniform 1..3 cards, cut short only by a repeat across a cycle boundary.
    expect(total / 300).toBeGreaterThan(1.5);
  });

  it('takes at least the minimum per round unless a kind would repeat', () => {
    const deck = new FaultDeck(KINDS, new Rng(seed));
    let short = 0;
    for (let r = 0; r < 300; r++) {
      const round = deck.nextRound(5, 3);
      expect(round.length).toBeLessThanOrEqual(5);
      if (round.length < 3) short++;
    }
    // Cut short only at a cycle boundary where the next cycle starts with a kind already drawn.
    expect(short).toBeLessThan(300 / 3);
  });

  it('replays the same rounds from the same seed', () => {
    const rounds = (s: number): string[][] => {
      const deck = new FaultDeck(KINDS, new Rng(s));
      return Array.from({ length: 50 }, () => deck.nextRound(3));
    };
    expect(rounds(seed)).toEqual(rounds(seed));
    expect(rounds(seed)).not.toEqual(rounds(seed + 1));
  });

  it('shuffles the order of each cycle', () => {
    const deck = new FaultDeck(KINDS, new Rng(seed));
    const firsts = new Set<string>();
    for (let r = 0; r < 200; r++) firsts.add(deck.nextRound(1)[0]!);
    expect(firsts.size).toBe(KINDS.length);
    const orders = new Set<string>();
    const one = new FaultDeck(KINDS, new Rng(seed));
    for (let c = 0; c < 40; c++) orders.add(Array.from({ length: 5 }, () => one.nextRound(1)[0]).join(''));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('refuses an empty or repeating list of kinds', () => {
    expect(() => new FaultDeck([], new Rng(1))).toThrow('distinct kinds');
    expect(() => new FaultDeck(['a', 'a'], new Rng(1))).toThrow('distinct kinds');
  });
});
