/**
 * At most `limit` uses per key in any hour (a sliding window), in this process's memory. Keys are
 * client addresses and contacts' hashes; the map is bounded, so a flood of new keys cannot grow it.
 */
export function createHourlyLimit(limit: () => number, now: () => number, maxKeys = 50_000) {
  const HOUR = 3_600_000;
  const uses = new Map<string, number[]>();
  const recent = (key: string) => (uses.get(key) ?? []).filter((t) => t > now() - HOUR);
  return {
    /** Whether the key may use it once more now; if not, how many seconds until it may. */
    check(key: string): { ok: true } | { ok: false; retryAfterS: number } {
      const r = recent(key);
      if (r.length < limit()) return { ok: true };
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((r[0]! + HOUR - now()) / 1000)) };
    },
    /** Counts one use. */
    use(key: string): void {
      const r = recent(key);
      r.push(now());
      uses.delete(key);
      if (uses.size >= maxKeys) uses.delete(uses.keys().next().value!);
      uses.set(key, r);
    },
  };
}
