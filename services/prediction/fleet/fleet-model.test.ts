import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.ts';
import { healthIndex, predictRul, trainFleetModel, type RunHistory } from './fleet-model.ts';
import { phm08Score, rmse } from './scoring.ts';

/**
 * A synthetic fleet: three sensors, two of which drift with wear (one up, one down, at different
 * rates) after a unit-specific onset, one pure noise; lives 150–300 cycles.
 */
function fleet(n: number, seed: number): RunHistory[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, (_, u) => {
    const life = 150 + rnd.int(150);
    const onset = Math.floor(life * (0.3 + 0.3 * rnd.next()));
    const rows = Array.from({ length: life }, (_, c) => {
      const wear = c < onset ? 0 : ((c - onset) / (life - onset)) ** 1.5;
      return [10 + 3 * wear + rnd.gauss(0, 0.3), 50 - 8 * wear + rnd.gauss(0, 0.8), rnd.gauss(0, 1)];
    });
    return { id: `u${u}`, rows };
  });
}

describe('fleet remaining-life model (health index + similarity)', () => {
  const train = fleet(60, 1);
  const model = trainFleetModel(train, { cap: 125 });

  it('the health index is near 1 when new and near 0 at failure', () => {
    const hi = healthIndex(model, train[0]!.rows);
    const head = hi.slice(0, 20).reduce((a, b) => a + b, 0) / 20;
    const tail = hi.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(head).toBeGreaterThan(0.8);
    expect(tail).toBeLessThan(0.25);
    expect(Math.abs(model.w[2]!)).toBeLessThan(Math.abs(model.w[0]!));
  });

  it('held-out units cut at random points: remaining life within 20 cycles RMSE (capped at 125)', () => {
    const rnd = seededRandom(2);
    const pred: number[] = [];
    const truth: number[] = [];
    for (const u of fleet(30, 3)) {
      const cut = 30 + rnd.int(u.rows.length - 30);
      pred.push(predictRul(model, u.rows.slice(0, cut)).rul);
      truth.push(Math.min(125, u.rows.length - cut));
    }
    expect(rmse(pred, truth)).toBeLessThan(20);
  });

  it('a unit one cycle from failure is predicted to have little life left, with a range around it', () => {
    const u = fleet(1, 4)[0]!;
    const p = predictRul(model, u.rows.slice(0, u.rows.length - 1));
    expect(p.rul).toBeLessThan(25);
    expect(p.low).toBeLessThanOrEqual(p.rul);
    expect(p.high).toBeGreaterThanOrEqual(p.rul);
    expect(p.neighbours).toHaveLength(model.k);
  });
});

describe('C-MAPSS scoring', () => {
  it('RMSE and the PHM08 score punish late predictions harder than early ones', () => {
    expect(rmse([10, 20], [10, 24])).toBeCloseTo(Math.sqrt(8), 10);
    const late = phm08Score([30], [20]);
    const early = phm08Score([10], [20]);
    expect(late).toBeCloseTo(Math.exp(1) - 1, 10);
    expect(early).toBeCloseTo(Math.exp(10 / 13) - 1, 10);
    expect(late).toBeGreaterThan(early);
    expect(phm08Score([5], [5])).toBe(0);
  });
});
