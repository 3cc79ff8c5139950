import { describe, expect, it } from 'vitest';
import type { AttemptCounter } from './session-store.ts';
import { attemptKeys, signInLock, waitOf } from './sign-in-limits.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const LOCK_MAX = 15 * 60_000;
const failed = (failures: number, lastFailureAt = T0, lastSuccessAt: number | null = null): AttemptCounter => ({ failures, lastFailureAt, lastSuccessAt });

describe('failed sign-in limits', () => {
  it('lets five mistypes of one account from one address through, then waits 1 s, 2 s, 4 s … up to the longest lock', () => {
    const waits = [5, 6, 7, 8, 14, 15, 30].map((n) => waitOf(failed(n), 5, LOCK_MAX, T0));
    expect(waits).toEqual([0, 1000, 2000, 4000, 256_000, 512_000, LOCK_MAX]);
  });

  it('counts the wait from the last failure, and forgets a counter quiet for a day', () => {
    expect(waitOf(failed(8), 5, LOCK_MAX, T0 + 1500)).toBe(2500);
    expect(waitOf(failed(8), 5, LOCK_MAX, T0 + 4000)).toBe(0);
    expect(waitOf(failed(40), 5, LOCK_MAX, T0 + 14 * 60_000)).toBe(60_000);
    expect(waitOf(failed(40), 5, LOCK_MAX, T0 + 25 * 3_600_000)).toBe(0);
  });

  it('holds an account that guessers elsewhere failed, but not on an address that signed it in lately', () => {
    const keys = attemptKeys('li-wei', '10.0.0.5');
    const account = new Map([[keys.account, failed(30)]]);
    expect(signInLock(account, keys, LOCK_MAX, T0)).toEqual({ by: 'account', waitMs: LOCK_MAX, failures: 30 });
    const known = new Map([...account, [keys.pair, failed(0, 0, T0 - 86_400_000)]]);
    expect(signInLock(known, keys, LOCK_MAX, T0)).toBeUndefined();
    const longAgo = new Map([...account, [keys.pair, failed(0, 0, T0 - 31 * 86_400_000)]]);
    expect(signInLock(longAgo, keys, LOCK_MAX, T0)?.by).toBe('account');
  });

  it('holds an address that tried many names, whatever name it tries next', () => {
    const keys = attemptKeys('someone-new', '203.0.113.9');
    expect(signInLock(new Map([[keys.address, failed(20)]]), keys, LOCK_MAX, T0)).toBeUndefined();
    expect(signInLock(new Map([[keys.address, failed(21)]]), keys, LOCK_MAX, T0)).toEqual({ by: 'address', waitMs: 1000, failures: 21 });
  });
});
