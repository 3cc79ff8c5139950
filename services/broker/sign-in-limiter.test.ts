import { describe, expect, it } from 'vitest';
import { createSignInLimiter } from './sign-in-limiter.ts';

describe('the sign-in limiter', () => {
  it('lets a few failures through, then doubles the wait with each, per address and per user name, up to its cap', () => {
    const t = 0;
    const limiter = createSignInLimiter({ perAddress: 10, perUser: 3, baseMs: 1000, maxMs: 8000 }, () => t);
    for (let i = 0; i < 2; i++) limiter.failed('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.7', 'rs-pump-01').ms).toBe(0);
    limiter.failed('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.8', 'rs-pump-01')).toEqual({ ms: 1000, because: 'user' });
    for (let i = 0; i < 5; i++) limiter.failed('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.9', 'rs-pump-01').ms).toBe(8000);
    // Another user name from the same address: the address has failed 8 times, under its 10.
    expect(limiter.wait('10.0.0.7', 'rs-pump-02').ms).toBe(0);
    limiter.failed('10.0.0.7', 'x');
    limiter.failed('10.0.0.7', 'y');
    expect(limiter.wait('10.0.0.7', 'rs-pump-02').because).toBe('address');
  });

  it('forgets a user name that signs in, and what has been quiet long enough', () => {
    let t = 0;
    const limiter = createSignInLimiter({ perAddress: 10, perUser: 1, baseMs: 1000, maxMs: 4000 }, () => t);
    limiter.failed('10.0.0.7', 'rs-pump-01');
    limiter.succeeded('10.0.0.7', 'rs-pump-01');
    expect(limiter.wait('10.0.0.7', 'rs-pump-01').ms).toBe(0);
    limiter.failed('10.0.0.7', 'rs-pump-02');
    t = 10_000;
    limiter.prune();
    expect(limiter.wait('10.0.0.7', 'rs-pump-02').ms).toBe(0);
  });
});
