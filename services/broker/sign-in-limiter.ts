/**
 * Failed sign-ins, counted per address and per user name, with backoff: after a few failures in a
 * row, further attempts are refused without checking anything — no scrypt, so a guesser cannot turn
 * the broker into a CPU amplifier — until a delay that doubles with each failure (capped). A success
 * clears the user name's count and the address's. What is forgotten: entries quiet for longer than
 * the longest delay; the maps never hold more than `maxEntries` each.
 */
export interface SignInLimits {
  /** Failures from one address before backoff starts. */
  perAddress: number;
  /** Failures for one user name (from anywhere) before backoff starts. */
  perUser: number;
  /** The first delay, doubled with each further failure. */
  baseMs: number;
  /** The longest delay. */
  maxMs: number;
  maxEntries?: number;
}

export const defaultSignInLimits: SignInLimits = { perAddress: 10, perUser: 5, baseMs: 1000, maxMs: 15 * 60_000, maxEntries: 100_000 };

export function createSignInLimiter(limits: SignInLimits = defaultSignInLimits, now: () => number = Date.now) {
  const maxEntries = limits.maxEntries ?? 100_000;
  const byAddress = new Map<string, { failures: number; until: number; last: number }>();
  const byUser = new Map<string, { failures: number; until: number; last: number }>();

  const delayAfter = (failures: number, free: number) => (failures < free ? 0 : Math.min(limits.maxMs, limits.baseMs * 2 ** (failures - free)));
  const bump = (map: typeof byAddress, key: string, free: number) => {
    const t = now();
    const e = map.get(key) ?? { failures: 0, until: 0, last: t };
    e.failures++;
    e.last = t;
    e.until = t + delayAfter(e.failures, free);
    if (!map.has(key) && map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, e);
  };

  return {
    /** How long this address or user name must wait before its next attempt is checked (0: now). */
    wait(address: string, user: string): { ms: number; because: 'address' | 'user' | null } {
      const t = now();
      const a = (byAddress.get(address)?.until ?? 0) - t;
      const u = (byUser.get(user)?.until ?? 0) - t;
      if (a <= 0 && u <= 0) return { ms: 0, because: null };
      return a >= u ? { ms: a, because: 'address' } : { ms: u, because: 'user' };
    },
    failed(address: string, user: string): void {
      bump(byAddress, address, limits.perAddress);
      if (user) bump(byUser, user, limits.perUser);
    },
    succeeded(address: string, user: string): void {
      byAddress.delete(address);
      byUser.delete(user);
    },
    /** Forgets what has been quiet for longer than the longest delay. */
    prune(): void {
      const t = now();
      for (const map of [byAddress, byUser]) for (const [k, e] of map) if (t - e.last > limits.maxMs && e.until <= t) map.delete(k);
    },
  };
}
export type SignInLimiter = ReturnType<typeof createSignInLimiter>;
