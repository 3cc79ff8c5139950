import type { AttemptCounter } from './session-store.ts';

/**
 * How failed sign-ins slow guessing down. Three counters, each with failures that cost nothing and,
 * beyond them, a wait that doubles with each further failure (1 s, 2 s, 4 s … up to the longest lock,
 * FMS_SIGN_IN_LOCK_MAX, 15 min by default), during which attempts are refused without the password
 * being looked at:
 *
 * - an account from one address (a person mistyping, or one guesser): 5 free; a success clears it;
 * - an account from addresses that never signed it in (guessers spread over many addresses): 10 free.
 *   An address that signed the account in within 30 days is not held by it, so a guesser elsewhere
 *   cannot lock a person out of their usual phone or office;
 * - an address, whatever the account (one guesser trying many names): 20 free; an office behind one
 *   address mistypes a lot before it feels this.
 *
 * A success clears only its own account-and-address counter: a guesser who also holds one good
 * password cannot wipe the others. A counter with no failure for a day starts again.
 */
export const SIGN_IN_LIMITS = {
  pair: { free: 5 },
  account: { free: 10 },
  address: { free: 20 },
  firstWaitMs: 1000,
  /** A counter with no failure this long starts again from zero. */
  forgetAfterMs: 24 * 3_600_000,
  /** An address that signed an account in this recently is not held by that account's own counter. */
  knownAddressMs: 30 * 24 * 3_600_000,
} as const;

export interface AttemptKeys {
  pair: string;
  account: string;
  address: string;
  all: string[];
}

/** The counters' keys of one attempt (the user name as typed when there is no such account: it locks all the same). */
export function attemptKeys(user: string, address: string): AttemptKeys {
  const k = { pair: `pair|${user}|${address}`, account: `user|${user}`, address: `address|${address}` };
  return { ...k, all: [k.pair, k.account, k.address] };
}

/** How much longer a counter holds attempts back (0: not at all). */
export function waitOf(c: AttemptCounter | undefined, free: number, lockMaxMs: number, now: number): number {
  if (!c || c.failures <= free || now - c.lastFailureAt > SIGN_IN_LIMITS.forgetAfterMs) return 0;
  const wait = Math.min(lockMaxMs, SIGN_IN_LIMITS.firstWaitMs * 2 ** Math.min(c.failures - free - 1, 40));
  return Math.max(0, c.lastFailureAt + wait - now);
}

export interface SignInLock {
  /** Milliseconds until the next attempt is looked at. */
  waitMs: number;
  /** Which counter holds it back, for the audit log and the message. */
  by: 'account and address' | 'account' | 'address';
  failures: number;
}

/** Whether an attempt of this account from this address must wait, and how long (the longest of its counters). */
export function signInLock(counters: Map<string, AttemptCounter>, keys: AttemptKeys, lockMaxMs: number, now: number): SignInLock | undefined {
  const pair = counters.get(keys.pair);
  const known = pair?.lastSuccessAt != null && now - pair.lastSuccessAt < SIGN_IN_LIMITS.knownAddressMs;
  const holds: SignInLock[] = [
    { by: 'account and address', waitMs: waitOf(pair, SIGN_IN_LIMITS.pair.free, lockMaxMs, now), failures: pair?.failures ?? 0 },
    {
      by: 'address',
      waitMs: waitOf(counters.get(keys.address), SIGN_IN_LIMITS.address.free, lockMaxMs, now),
      failures: counters.get(keys.address)?.failures ?? 0,
    },
  ];
  if (!known)
    holds.push({
      by: 'account',
      waitMs: waitOf(counters.get(keys.account), SIGN_IN_LIMITS.account.free, lockMaxMs, now),
      failures: counters.get(keys.account)?.failures ?? 0,
    });
  const longest = holds.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
  return longest.waitMs > 0 ? longest : undefined;
}
