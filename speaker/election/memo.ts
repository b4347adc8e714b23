// A bounded memo for pure functions of a string. Re-electing 5,000 VIPs on every membership
// change would otherwise re-parse and re-hash every IP: the inputs barely
// change between runs, so caching makes a change cost lookups. Cleared wholesale when full:
// simple, and a full cache only means one slower election.
export function memoize<T>(fn: (key: string) => T, maxEntries = 200_000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = fn(key);
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, value);
    return value;
  };
}
