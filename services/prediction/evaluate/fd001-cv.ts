import { readFileSync } from 'node:fs';
import { seededRandom, shuffled } from '../random.ts';
import { FD001_SENSORS, parseCmapss } from '../fleet/cmapss.ts';
import { predictRul, trainFleetModel, type FleetModelOptions, type RunHistory } from '../fleet/fleet-model.ts';
import { phm08Score, rmse } from '../fleet/scoring.ts';

/**
 * Cross-validation of the fleet model on C-MAPSS FD001 (training file only): units split into folds,
 * each fold's units held out in turn; every held-out unit is cut at random points of its life and the
 * model predicts the remaining life from the rows up to the cut. True and predicted lives are capped
 * at 125 cycles, the common convention (Heimes 2008; Babu et al. 2016; Li et al. 2018).
 */

export function loadFd001(datasetsDir: string): RunHistory[] {
  return parseCmapss(readFileSync(`${datasetsDir}/cmapss-fd001/train_FD001.txt`, 'utf8'));
}

export interface CvOptions {
  folds: number;
  /** Folds actually run (the first n), to keep a quick check quick. */
  runFolds?: number;
  /** Cuts per held-out unit. */
  cuts: number;
  seed: number;
  /** Shortest history cut (the FD001 test file's shortest unit has 31 cycles). */
  minCycles: number;
  model?: FleetModelOptions;
}

export interface CvResult {
  rmse: number;
  score: number;
  /** Same on the cuts whose true remaining life is within the cap (the hard part). */
  rmseWithinCap: number;
  predictions: number;
  /** Share of cuts whose true capped life is within the predicted 10th–90th percentile range. */
  rangeCoverage: number;
  ms: number;
}

export function crossValidate(units: readonly RunHistory[], o: CvOptions): CvResult {
  const t0 = performance.now();
  const rnd = seededRandom(o.seed);
  const order = shuffled(units, rnd);
  const cap = o.model?.cap ?? 125;
  const pred: number[] = [];
  const truth: number[] = [];
  let inside = 0;
  for (let f = 0; f < (o.runFolds ?? o.folds); f++) {
    const test = order.filter((_, i) => i % o.folds === f);
    const train = order.filter((_, i) => i % o.folds !== f);
    const model = trainFleetModel(train, { sensors: FD001_SENSORS, ...o.model });
    for (const u of test) {
      const life = u.rows.length;
      for (let c = 0; c < o.cuts; c++) {
        const cut = o.minCycles + rnd.int(life - o.minCycles);
        const p = predictRul(model, u.rows.slice(0, cut));
        const t = Math.min(cap, life - cut);
        pred.push(p.rul);
        truth.push(t);
        if (p.low <= t && t <= p.high) inside++;
      }
    }
  }
  const within = truth.map((t, i) => (t < cap ? i : -1)).filter((i) => i >= 0);
  return {
    rmse: rmse(pred, truth),
    score: phm08Score(pred, truth),
    rmseWithinCap: rmse(
      within.map((i) => pred[i]!),
      within.map((i) => truth[i]!),
    ),
    predictions: pred.length,
    rangeCoverage: inside / pred.length,
    ms: performance.now() - t0,
  };
}
