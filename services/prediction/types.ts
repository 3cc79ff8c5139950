/**
 * Shared types of the prediction service: what the telemetry store hands over (hourly buckets) and
 * what an assessment says. Pure data, no behaviour.
 */

/** One hour of one metric, as the telemetry store aggregates it. Hours without readings are absent. */
export interface HourBucket {
  /** Start of the hour, epoch ms. */
  t: number;
  mean: number;
  max: number;
  /** Readings in the hour (> 0). */
  count: number;
}

/** Where the indicator stands now, from its own level and limits. */
export type IndicatorState = 'normal' | 'degrading' | 'at_limit' | 'beyond_limit';

/** What to do, from least to most urgent. */
export type Recommendation = 'none' | 'watch' | 'schedule_repair' | 'repair_now';

/** A value with its likely figure and the bounds of an interval at `coverage`. */
export interface Range {
  likely: number;
  low: number;
  high: number;
}

/**
 * What the fleet's past failures say about the degradation path of this kind of asset: the growth
 * rate β (per hour) of `level = φ + θ·e^(β·t)` after the onset, and how much it wanders. Built by
 * `buildFleetPrior` from run-to-failure histories, or `DEFAULT_PRIOR` when there are none.
 */
export interface FleetPrior {
  /** Mean and standard deviation of the growth rate β, per hour, at the onset. */
  beta: { mean: number; sd: number };
  /**
   * Random-walk standard deviation of the growth rate per hour (how fast β itself drifts): real wear
   * comes in bursts, and this is what keeps the interval honest about it.
   */
  betaDrift: number;
  /** Hour-to-hour scatter of a degrading level around its path, as a share of the excess over baseline. */
  rho: number;
  /**
   * Errors of past forecasts, sorted: log((actual + 1 h) / (likely + 1 h)) of the hours to the crossing,
   * from every hour of every past failure after its onset. The crossing interval is read off their
   * quantiles (split-conformal prediction); without them the model's own interval is used.
   */
  errors: number[];
  /** Number of failure histories behind it (0 = the built-in default). */
  failures: number;
}

export interface Assessment {
  state: IndicatorState;
  /** Robust recent level (median of the last complete hourly means), or null without data. */
  level: number | null;
  /** Healthy level learnt from the asset's own early hours, and its spread (robust sigma). */
  baseline: { level: number; spread: number } | null;
  /** Start of the current degradation (epoch ms), or null when none is detected. */
  onset: number | null;
  /** Size of the change, in baseline spreads above the baseline: the ranking key. */
  change: number;
  /** The fitted degradation path, when there is one. */
  model: DegradationFit | null;
  /** When the level will reach the limit (epoch ms), likely and interval at `coverage`. */
  crossing: (Range & { coverage: number }) | null;
  /** Remaining useful life in hours to the limit crossing (same interval). */
  rulHours: Range | null;
  recommendation: Recommendation;
  /** The numbers behind the verdict. */
  why: Record<string, number | string | boolean | null>;
}

/** The exponential path `level(t) = φ + exp(a + β·(t − onset))`, t in hours, as last estimated. */
export interface DegradationFit {
  kind: 'exponential';
  /** Asymptote φ: the healthy baseline level. */
  phi: number;
  /** Current log excess `log(level − φ)` (filtered) and its standard deviation. */
  logExcess: { mean: number; sd: number };
  /** Current growth rate β per hour and its standard deviation. */
  beta: { mean: number; sd: number };
  /** Hours of data since the onset that the fit used. */
  hours: number;
}
