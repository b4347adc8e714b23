// The ranking rule: candidates sorted by preference score (highest first,
// from L2Advertisement preferredNodeSelectors; 0 without any), then by murmurhash3 (x86, 128-bit)
// of `nodeName + "#" + keyIp`, ties by node name; the first announces. Every speaker computes the
// same order from the same facts, so no locks or Leases are needed. Hashing per IP spreads VIPs
// over nodes; taking the minimum makes the owner stable: removing any other node never moves it
// (a node's score depends on its own labels only, so that holds with preferences too).
import { compareHash, hashHex, murmur3x86128, type Hash128 } from './murmur3.js';

const hashOf = (nodeName: string, keyIp: string): Hash128 => murmur3x86128(`${nodeName}#${keyIp}`);

/** 32 lowercase hex digits; equal-length strings, so string order is numeric order. */
export function electionHash(nodeName: string, keyIp: string): string {
  return hashHex(hashOf(nodeName, keyIp));
}

/** Preference scores by node name; a node not in the map scores 0. */
export type Scores = ReadonlyMap<string, number>;

const NO_SCORES: Scores = new Map();

interface Scored {
  readonly name: string;
  readonly score: number;
  readonly h: Hash128;
}

const byScoreHashName = (a: Scored, b: Scored): number =>
  b.score - a.score || compareHash(a.h, b.h) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const scored = (name: string, keyIp: string, scores: Scores): Scored => ({ name, score: scores.get(name) ?? 0, h: hashOf(name, keyIp) });

/** Candidates in election order (a new array; duplicates removed). */
export function rankCandidates(keyIp: string, candidates: Iterable<string>, scores: Scores = NO_SCORES): string[] {
  const list = [...new Set(candidates)].map((name) => scored(name, keyIp, scores));
  list.sort(byScoreHashName);
  return list.map((s) => s.name);
}

/** The owner of keyIp among candidates, or null when there is none. */
export function ownerFor(keyIp: string, candidates: Iterable<string>, scores: Scores = NO_SCORES): string | null {
  let best: Scored | null = null;
  for (const name of candidates) {
    const s = scored(name, keyIp, scores);
    if (best === null || byScoreHashName(s, best) < 0) best = s;
  }
  return best?.name ?? null;
}

/** The nodes of a set that are alive, in the set's order. */
export function amongAlive(nodes: ReadonlySet<string>, alive: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const n of nodes) if (alive.has(n)) out.push(n);
  return out;
}

/** True when a comes before b in keyIp's election order. */
export function ranksBefore(keyIp: string, a: string, b: string, scores: Scores = NO_SCORES): boolean {
  return byScoreHashName(scored(a, keyIp, scores), scored(b, keyIp, scores)) < 0;
}
