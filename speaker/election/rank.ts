// The ranking rule of DESIGN.md "Election": candidates sorted by murmurhash3 (x86, 128-bit) of
// `nodeName + "#" + keyIp`, ties by node name; the first announces. Every speaker computes the
// same order from the same facts, so no locks or Leases are needed. Hashing per IP spreads VIPs
// over nodes; taking the minimum makes the owner stable: removing any other node never moves it.
import murmur from 'murmurhash3js';
import { memoize } from './memo.js';

const hash128 = memoize((text) => murmur.x86.hash128(text));

/** 32 lowercase hex digits; equal-length strings, so string order is numeric order. */
export function electionHash(nodeName: string, keyIp: string): string {
  return hash128(`${nodeName}#${keyIp}`);
}

/** Candidates in election order (a new array; duplicates removed). */
export function rankCandidates(keyIp: string, candidates: Iterable<string>): string[] {
  const scored = [...new Set(candidates)].map((name) => ({ name, h: electionHash(name, keyIp) }));
  scored.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.map((s) => s.name);
}

/** The owner of keyIp among candidates, or null when there is none. */
export function ownerFor(keyIp: string, candidates: Iterable<string>): string | null {
  let best: { name: string; h: string } | null = null;
  for (const name of candidates) {
    const h = electionHash(name, keyIp);
    if (best === null || h < best.h || (h === best.h && name < best.name)) best = { name, h };
  }
  return best?.name ?? null;
}
