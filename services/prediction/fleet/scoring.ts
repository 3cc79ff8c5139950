/**
 * How remaining-useful-life predictions are scored in the C-MAPSS literature (Saxena et al., PHM08):
 * RMSE, and the asymmetric PHM08 score that punishes late predictions (the failure comes before the
 * repair) harder than early ones.
 */

export function rmse(pred: readonly number[], truth: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i]! - truth[i]!) ** 2;
  return Math.sqrt(s / pred.length);
}

/** S = Σ exp(−d/13) − 1 for early (d < 0) and exp(d/10) − 1 for late predictions, d = predicted − true. */
export function phm08Score(pred: readonly number[], truth: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - truth[i]!;
    s += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  }
  return s;
}
