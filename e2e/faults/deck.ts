// Which faults a fault run injects, round by round: every kind in turn, each cycle through the kinds
// in a freshly shuffled (seeded) order, so over any stretch of the run the kinds' counts differ by at
// most one (a weighted random choice left one kind at 1 and another at 12 in a 7-minute run). A
// round takes `minPerRound` to `maxPerRound` faults (fewer only where the next card would repeat a
// kind), always of distinct kinds: the several faults of one round
// overlap (a compaction during a SIGKILL, an API-server restart while the leader is frozen).
import type { Rng } from './rng.js';

export class FaultDeck<K extends string> {
  private pile: K[] = [];

  constructor(
    private readonly kinds: readonly K[],
    private readonly rng: Rng,
  ) {
    if (kinds.length === 0 || new Set(kinds).size !== kinds.length) throw new Error('a fault deck needs distinct kinds');
  }

  /** The next card, refilling the pile with a shuffled cycle of every kind when it runs out. */
  private peek(): K {
    if (this.pile.length === 0) this.pile = this.rng.shuffle(this.kinds);
    return this.pile[0]!;
  }

  /**
   * The faults of the next round: minPerRound..maxPerRound cards (how many is drawn from the RNG), taken in
   * deck order and stopping early rather than repeat a kind within the round (the card that would
   * repeat opens the next round, so the round-robin counts stay exact).
   */
  nextRound(maxPerRound: number, minPerRound = 1): K[] {
    const max = Math.max(1, Math.min(maxPerRound, this.kinds.length));
    const min = Math.max(1, Math.min(minPerRound, max));
    const want = min + this.rng.int(max - min + 1);
    const round: K[] = [];
    while (round.length < want && !round.includes(this.peek())) round.push(this.pile.shift()!);
    return round;
  }
}
