import { describe, expect, it } from 'vitest';
import { buildFleetPrior, DEFAULT_PRIOR, readFailure } from './fleet-prior.ts';
import { seededRandom } from './random.ts';
import { series } from './testing/synthetic.ts';

describe('fleet prior from past failures', () => {
  it('no failures (or none that degraded): the documented default', () => {
    expect(buildFleetPrior([])).toBe(DEFAULT_PRIOR);
    expect(buildFleetPrior([series(500, () => 2.2, 0.03, seededRandom(1))])).toBe(DEFAULT_PRIOR);
  });

  it('a failure whose excess grows 5 % per hour after a flat fortnight: growth rate learnt near 0.05, errors kept sorted', () => {
    const history = series(336 + 90, (i) => (i < 336 ? 2.2 : 2.2 + 0.1 * Math.exp(0.05 * (i - 336))), 0.03, seededRandom(2));
    const f = readFailure(history, 7.1)!;
    expect(Math.abs(f.seg.length - 90)).toBeLessThan(24);
    expect(f.beta).toBeGreaterThan(0.03);
    expect(f.beta).toBeLessThan(0.07);
    const prior = buildFleetPrior([history], { limit: 7.1 });
    expect(prior.failures).toBe(1);
    expect(prior.beta.sd).toBeGreaterThanOrEqual(prior.beta.mean);
    expect(prior.errors.length).toBeGreaterThan(20);
    expect([...prior.errors].sort((a, b) => a - b)).toEqual(prior.errors);
  });
});
