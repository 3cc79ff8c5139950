import { parseDuration } from '../services/shared/duration.ts';

export interface FaultSpec {
  assetId: string;
  fault: string;
  delayMs: number;
  rampMs: number;
}

/** Reads `ASSET:FAULT[@DELAY][~RAMP]`, e.g. `sim-pump-01:bearing_wear@30s~5m`. */
export function parseFault(spec: string): FaultSpec | undefined {
  const m = /^([A-Za-z0-9_-]{1,64}):([a-z_]+)(?:@([0-9.]+(?:ms|s|m|h|d)))?(?:~([0-9.]+(?:ms|s|m|h|d)))?$/.exec(spec);
  if (!m) return undefined;
  return { assetId: m[1]!, fault: m[2]!, delayMs: m[3] ? parseDuration(m[3])! : 0, rampMs: m[4] ? parseDuration(m[4])! : 0 };
}
