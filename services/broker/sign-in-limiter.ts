/**
 * Failed sign-ins, counted per user name at an address (the pair) and per address, with backoff:
 * after a few failures, further attempts of the pair — or, past a higher ceiling, of the whole
 * address — are refused without checking anything (no scrypt: a guesser cannot turn the broker into
 * a CPU amplifier) until a delay that doubles with each failure, capped.
 *
 * What it must not do is lock genuine clients out:
 * - failures for a user name at one address do not hold that user name back at another (an intruder
 *   guessing a device's secret from a laptop does not lock out the device on its own line);
 * - the address's own ceiling is well above the pair's, so one broken device behind a site gateway
 *   (a NAT: one address for all) does not hold back every device behind it;
 * - a secret known good (the hook checks it by a hash compare, not scrypt) passes the backoff;
 * - a success clears only its own pair: holding one key does not wipe the address's failures, so a
 *   guesser cannot reset its backoff between guesses.
 *
 * What is forgotten: entries quiet for longer than the longest delay; the maps never hold more than
 * `maxEntries` each.
 */
export interface SignInLimits {
  /** Failures of one user name from one address before that pair backs off. */
  perUser: number;
  /** Failures from one address, whatever the user names, before the whole address backs off. */
  perAddress: number;
  /** The first delay, doubled with each further failure. */
  baseMs: number;
  /** The longest delay. */
  maxMs: number;
  maxEntries?: number;
}

export const defaultSignInLimits: SignInLimits = { perUser: 5, perAddress: 30, baseMs: 1000, maxMs: 60_000, maxEntries: 100_000 };

interface Count {
  failures: number;
  until: number;
  last: number;
}

export function createSignInLimiter(limits: SignInLimits = defaultSignInLimits, now: () => number = Date.now) {
  const maxEntries = limits.maxEntries ?? 100_000;
  const byAddress = new Map<string, Count>();
  const byPair = new Map<string, Count>();
  // A NUL cannot be in an address; a user name is cut to 64 characters by the hook.
  const pair = (address: string, user: string) => `${address}\u0000${user}`;

  const delayAfter = (failures: number, free: number) => (failures < free ? 0 : Math.min(limits.maxMs, limits.baseMs * 2 ** Math.min(30, failures - free)));
  const bump = (map: Map<string, Count>, key: string, free: number) => {
    const t = now();
    const e = map.get(key) ?? { failures: 0, until: 0, last: t };
    e.failures++;
    e.last = t;
    e.until = t + delayAfter(e.failures, free);
    if (!map.has(key) && map.size >= maxEntries) map.delete(map.keys().next().value!);
    map.set(key, e);
  };

  return {
    /** How long this user name at this address must wait before its next attempt is checked (0: now). */
    wait(address: string, user: string): { ms: number; because: 'address' | 'user' | null } {
      const t = now();
      const a = (byAddress.get(address)?.until ?? 0) - t;
      const u = (byPair.get(pair(address, user))?.until ?? 0) - t;
      if (a <= 0 && u <= 0) return { ms: 0, because: null };
      return a >= u ? { ms: a, because: 'address' } : { ms: u, because: 'user' };
    },
    failed(address: string, user: string): void {
      bump(byAddress, address, limits.perAddress);
      bump(byPair, pair(address, user), limits.perUser);
    },
    /** A sign-in succeeded: its user name at this address starts afresh; the address's failures stay. */
    succeeded(address: string, user: string): void {
      byPair.delete(pair(address, user));
    },
    /** Forgets what has been quiet for longer than the longest delay. */
    prune(): void {
      const t = now();
      for (const map of [byAddress, byPair]) for (const [k, e] of map) if (t - e.last > limits.maxMs && e.until <= t) map.delete(k);
    },
  };
}
export type SignInLimiter = ReturnType<typeof createSignInLimiter>;
