// The lowest usable address of a range that nobody uses, found in O(log n) bigint steps without
// walking the range: MetalLB walks every address from the start (ipaddr.Cursor), which is the same
// answer but O(pool size) per allocation. "Usable" excludes .0/.255 when the pool avoids buggy IPs.
import { nthUsable, usableCountUpTo, type IpRange } from '../../shared/ip/range.js';
import type { SortedValues } from './sorted-values.js';

/**
 * Used addresses inside r are usable ones (the allocator only records valid assignments), so the
 * used values in r, sorted, are u_0 < u_1 < ...; while they are exactly the first usable addresses,
 * rank(u_i) = i. The first i where rank(u_i) > i has a gap before it, and the free address is the
 * i-th usable one. rank(u_i) - i never decreases, so binary search finds that i.
 */
export function firstFree(r: IpRange, avoidBuggy: boolean, used: SortedValues): bigint | undefined {
  const lo = used.lowerBound(r.first);
  const n = used.upperBound(r.last) - lo;
  let a = 0;
  let b = n;
  while (a < b) {
    const mid = (a + b) >>> 1;
    const rank = usableCountUpTo(r, avoidBuggy, used.at(lo + mid) - 1n);
    if (rank > BigInt(mid)) b = mid;
    else a = mid + 1;
  }
  return nthUsable(r, avoidBuggy, BigInt(a));
}
