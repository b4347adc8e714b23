// The ranking rule: candidates sorted by murmurhash3 (x86, 128-bit) of
// `nodeName + "#" + keyIp`, ties by node name; the first announces. Every speaker computes the
// same order from the same facts, so no locks or Leases are needed. Hashing per IP spreads VIPs
// over nodes; taking the minimum makes the owner stable: removing any other node never moves it.
import { compareHash, hashHex, murmur3x86128, type Hash128 } from './murmur3.js';

const hashOf = (nodeName: string, keyIp: string): Hash128 => murmur3x86128(`${nodeName}#${keyIp}`);

/** 32 lowercase hex digits; equal-length strings, so string order is numeric order. */
export function electionHash(nodeName: string, keyIp: string): string {
  return hashHex(hashOf(nodeName, keyIp));
}

const byHashThenName = (a: { name: string; h: Hash128 }, b: { name: string; h: Hash128 }): number =>
  compareHash(a.h, b.h) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Candidates in election order (a new array; duplicates removed). */
export function rankCandidates(keyIp: string, candidates: Iterable<string>): string[] {
  const scored = [...new Set(candidates)].map((name) => ({ name, h: hashOf(name, keyIp) }));
  scored.sort(byHashThenName);
  return scored.map((s) => s.name);
}

/** The owner of keyIp among candidates, or null when there is none. */
export function ownerFor(keyIp: string, candidates: Iterable<string>): string | null {
  let best: { name: string; h: Hash128 } | null = null;
  for (const name of candidates) {
    const s = { name, h: hashOf(name, keyIp) };
    if (best === null || byHashThenName(s, best) < 0) best = s;
  }
  return best?.name ?? null;
}
