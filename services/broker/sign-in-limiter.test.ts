import { describe, expect, it } from 'vitest';
import { createSignInLimiter } from './sign-in-limiter.ts';

describe('the sign-in limiter', () => {
  it('lets a few failures of a user name at an address through, then doubles the wait with each, up to its cap', () => {
    const t = 0;
    const limiter = createSignInLimiter({ perUser: 3, perAddress: 10, baseMs: 1000, maxMs: 8000 }, () => t);
    for (let i = 0; i < 2; i++) limiter.failed('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.7', 'rs-pump-01').ms).toBe(0);
    limiter.failed('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.7', 'rs-pump-01')).toEqual({ ms: 1000, because: 'user' });
    for (let i = 0; i < 5; i++) limiter.failed('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.7', 'rs-pump-01').ms).toBe(8000);
  });

  it('does not hold a user name back at another address: a guesser elsewhere does not lock the device out', () => {
    const limiter = createSignInLimiter({ perUser: 3, perAddress: 10, baseMs: 1000, maxMs: 8000 }, () => 0);
    for (let i = 0; i < 6; i++) limiter.failed('10.0.0.66', 'rs-pump-01');
    expect(limiter.wait('10.0.0.66', 'rs-pump-01').ms).toBeGreaterThan(0);
    expect(limiter.wait('10.0.0.7', 'rs-pump-01').ms).toBe(0);
  });

  it('holds back a whole address only past its own, higher ceiling', () => {
    const limiter = createSignInLimiter({ perUser: 3, perAddress: 10, baseMs: 1000, maxMs: 8000 }, () => 0);
    for (let i = 0; i < 9; i++) limiter.failed('10.0.0.7', `nobody-${i}`);
    expect(limiter.wait('10.0.0.7', 'rs-pump-02').ms).toBe(0);
    limiter.failed('10.0.0.7', 'nobody-9');
    expect(limiter.wait('10.0.0.7', 'rs-pump-02')).toEqual({ ms: 1000, because: 'address' });
  });

  it('clears only the user name at that address on a success, never the address’s failures', () => {
    const limiter = createSignInLimiter({ perUser: 1, perAddress: 3, baseMs: 1000, maxMs: 4000 }, () => 0);
    limiter.failed('10.0.0.7', 'rs-pump-01');
    limiter.succeeded('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.7', 'rs-pump-01').ms).toBe(0);
    limiter.failed('10.0.0.7', 'guess-1');
    limiter.failed('10.0.0.7', 'guess-2');
    // A held key signs in from the same address: the guesses still count.
    limiter.succeeded('10.0.0.7', 'holder');
    expect(limiter.wait('10.0.0.7', 'guess-3')).toEqual({ ms: 1000, because: 'address' });
  });

  it('forgets what has been quiet long enough', () => {
    let t = 0;
    const limiter = createSignInLimiter({ perUser: 1, perAddress: 10, baseMs: 1000, maxMs: 4000 }, () => t);
    limiter.failed('10.0.0.7', 'rs-pump-02');
    t = 10_000;
    limiter.prune();
    expect(limiter.wait('10.0.0.7', 'rs-pump-02').ms).toBe(0);
  });
});
