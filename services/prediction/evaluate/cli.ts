import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assessIndicator } from '../assess.ts';
import { DEFAULT_PRIOR } from '../fleet-prior.ts';
import { HOUR } from '../hours.ts';
import { seededRandom } from '../random.ts';
import type { FleetPrior, HourBucket } from '../types.ts';
import { crossValidate, loadFd001 } from './fd001-cv.ts';
import { loadImsTest } from './ims-data.ts';
import { LIMIT_MMS, prepareTest, priorFrom, replayTest, type PreparedTest } from './ims-replay.ts';
import { medianWidth, scoreTest, type TestScore } from './ims-score.ts';

/**
 * `npm run evaluate`: replays the IMS bearing tests through `assessIndicator` and cross-validates the
 * fleet model on C-MAPSS FD001, printing the figures EVALUATION.md reports. Deterministic.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DATASETS = resolve(root, '../shared/datasets');
/** Hours between report times in the replay. */
export const EVERY_HOURS = 4;

export interface ImsEvaluation {
  test: PreparedTest;
  prior: FleetPrior;
  score: TestScore;
}

/** Replays both tests; the prior of each comes from the other test's failed bearings (leave-one-test-out), or is the default. */
export function evaluateIms(datasets = DATASETS, priorMode: 'fleet' | 'default' = 'fleet'): ImsEvaluation[] {
  const tests = [prepareTest(loadImsTest(datasets, 'test1')), prepareTest(loadImsTest(datasets, 'test3'))];
  return tests.map((test) => {
    const prior = priorMode === 'default' ? DEFAULT_PRIOR : priorFrom(tests.filter((t) => t !== test));
    return { test, prior, score: scoreTest(replayTest(test, { everyHours: EVERY_HOURS, prior }), test.end) };
  });
}

/** Rough cost of one assessment over 90 days of hourly buckets of a degrading indicator (ms). */
export function timeAssessment(runs = 200): number {
  const rnd = seededRandom(7);
  const start = Date.UTC(2026, 0, 1);
  const hours: HourBucket[] = [];
  for (let i = 0; i < 90 * 24; i++) {
    const v = 2.2 + (i > 1600 ? 0.05 * Math.exp((i - 1600) / 150) : 0) + rnd.gauss(0, 0.05);
    hours.push({ t: start + i * HOUR, mean: v, max: v + 0.3, count: 60 });
  }
  const at = start + 90 * 24 * HOUR + 60_000;
  assessIndicator(hours, { at, limit: LIMIT_MMS });
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) assessIndicator(hours, { at, limit: LIMIT_MMS });
  return (performance.now() - t0) / runs;
}

const f1 = (x: number | null) => (x === null ? '—' : Number.isFinite(x) ? x.toFixed(1) : '∞');

function printIms(label: string, evals: ImsEvaluation[]): void {
  console.log(`\n## IMS bearings — ${label}`);
  for (const { test, prior, score } of evals) {
    console.log(
      `\n${test.name}: factor ${test.factor.toFixed(3)} mm/s per g (healthy median ${test.healthyMedianG.toFixed(5)} g → 2.2 mm/s); life ${((test.end - test.start) / HOUR).toFixed(1)} operating hours`,
    );
    console.log(
      `  prior: β ${prior.beta.mean.toFixed(4)} ± ${prior.beta.sd.toFixed(4)} /h, drift ${prior.betaDrift}, rho ${prior.rho}, ${prior.errors.length} past forecast errors from ${prior.failures} failure histories`,
    );
    console.log(
      '  bearing | failed | lead h (repair) | lead h (watch) | first flag h | warning rule h | critical rule h | crossed 7.1 h before end | intervals in/total | median width h | healthy-only: claimed crossings that did not happen',
    );
    for (const b of score.bearings) {
      console.log(
        `  ${b.bearing} | ${b.failed ? 'yes' : 'no'} | ${f1(b.leadHours)} | ${f1(b.watchLeadHours)} | ${f1(b.firstFlagHours)} | ${f1(b.warningRuleHours)} | ${f1(b.criticalRuleHours)} | ${b.crossingHours.map(f1).join(', ')} | ${b.covered}/${b.intervals} | ${f1(medianWidth([b]))} | ${b.censoredMisses}/${b.censoredIntervals}`,
      );
    }
    console.log(
      `  healthy bearings flagged before a failing one: ${score.healthyFlaggedFirst.length ? score.healthyFlaggedFirst.join(', ') : 'none'}; a healthy bearing with a larger change than a flagged failing one at ${score.rankedAbove} of ${score.rankedReports} report times`,
    );
  }
  const failed = evals.flatMap((e) => e.score.bearings.filter((b) => b.failed));
  const inside = failed.reduce((s, b) => s + b.covered, 0);
  const total = failed.reduce((s, b) => s + b.intervals, 0);
  console.log(
    `\n  failing bearings, all report times before the crossing: coverage ${inside}/${total}${total ? ` = ${((100 * inside) / total).toFixed(0)} %` : ''}, median width ${f1(medianWidth(failed))} h`,
  );
}

function main(): void {
  if (!existsSync(DATASETS)) {
    console.error(`datasets not found at ${DATASETS}`);
    process.exit(1);
  }
  console.log(`# FMS prediction evaluation — ${new Date().toISOString()} — node ${process.version}`);
  printIms('fleet prior from the other test (leave-one-test-out)', evaluateIms(DATASETS, 'fleet'));
  printIms('default prior (no past failures)', evaluateIms(DATASETS, 'default'));
  console.log('\n## C-MAPSS FD001 — 5-fold cross-validation by unit, 5 random cuts per held-out unit (seed 1), RUL capped at 125');
  const units = loadFd001(DATASETS);
  for (const seed of [1, 2, 3]) {
    const r = crossValidate(units, { folds: 5, cuts: 5, seed, minCycles: 31 });
    console.log(
      `  seed ${seed}: RMSE ${r.rmse.toFixed(2)} (true RUL < 125: ${r.rmseWithinCap.toFixed(2)}), PHM08 score ${r.score.toFixed(0)} over ${r.predictions} predictions (${(r.score / r.predictions).toFixed(2)} per prediction), 10–90 % range coverage ${(100 * r.rangeCoverage).toFixed(0)} %, ${r.ms.toFixed(0)} ms`,
    );
  }
  console.log(`\n## Cost\n  one assessment over 90 days of hourly buckets: ${timeAssessment().toFixed(2)} ms`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
