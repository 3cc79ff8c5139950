import { readFileSync } from 'node:fs';
import type { HourBucket } from '../types.ts';

/**
 * The IMS bearing run-to-failure tests (NASA Ames Prognostics Data Repository; Lee, Qiu, Yu, Lin &
 * Rexnord 2007), read from `../shared/datasets/ims-bearing/` and replayed as a pump's vibration:
 * one reading per 1-s snapshot (mean absolute acceleration in g), scaled to mm/s by one linear factor
 * per test, then rolled up into hourly buckets the way the telemetry store does.
 */

export interface Snapshot {
  /** Wall-clock time of the snapshot, epoch ms. */
  wall: number;
  /** Operating time: wall-clock with the rig's pauses taken out (see `operatingTime`). */
  op: number;
  /** One value per channel, in g. */
  values: number[];
}

export interface ImsTest {
  name: 'test1' | 'test3';
  channels: string[];
  snapshots: Snapshot[];
}

/** Nominal snapshot interval of the rig (README: "normally every 10 minutes"). */
export const SNAPSHOT_MS = 10 * 60_000;

/**
 * Operating time: each interval between snapshots counts in full up to the nominal 10 minutes, and a
 * longer one (the rig was stopped: test 1 pauses up to 6 days, test 3 up to 7.5 h) counts as one
 * nominal interval. Wear happens while the shaft turns, and the product sees no readings from a
 * stopped machine, so the replay runs on operating time.
 */
export function operatingTime(wall: readonly number[]): number[] {
  const op: number[] = [];
  let t = wall[0] ?? 0;
  for (let i = 0; i < wall.length; i++) {
    if (i > 0) t += Math.min(wall[i]! - wall[i - 1]!, SNAPSHOT_MS);
    op.push(t);
  }
  return op;
}

/** Parses a dataset CSV (first column `YYYY-MM-DD HH:MM:SS`, read as UTC). */
export function parseImsCsv(name: ImsTest['name'], text: string): ImsTest {
  const lines = text.trim().split(/\r?\n/);
  const channels = lines[0]!.split(',').slice(1);
  let rows = lines.slice(1).map((l) => {
    const cells = l.split(',');
    return { wall: Date.parse(cells[0]!.replace(' ', 'T') + 'Z'), values: cells.slice(1).map(Number) };
  });
  // README: test 3's last row was recorded after the rig stopped (≈ 0.001–0.004 g on every channel).
  if (name === 'test3') rows = rows.slice(0, -1);
  const op = operatingTime(rows.map((r) => r.wall));
  return { name, channels, snapshots: rows.map((r, i) => ({ wall: r.wall, op: op[i]!, values: r.values })) };
}

export function loadImsTest(datasetsDir: string, name: ImsTest['name']): ImsTest {
  const file = name === 'test1' ? 'ims-test1.csv' : 'ims-test3.csv';
  return parseImsCsv(name, readFileSync(`${datasetsDir}/ims-bearing/${file}`, 'utf8'));
}

/** Rolls readings `{t, v}` (time-ordered) up into hourly buckets, as the telemetry store would. */
export function hourlyBuckets(readings: readonly { t: number; v: number }[]): HourBucket[] {
  const H = 3_600_000;
  const out: HourBucket[] = [];
  let cur: HourBucket | undefined;
  let sum = 0;
  for (const r of readings) {
    const t = Math.floor(r.t / H) * H;
    if (!cur || cur.t !== t) {
      if (cur) out.push({ ...cur, mean: sum / cur.count });
      cur = { t, mean: 0, max: -Infinity, count: 0 };
      sum = 0;
    }
    cur.count++;
    sum += r.v;
    if (r.v > cur.max) cur.max = r.v;
  }
  if (cur) out.push({ ...cur, mean: sum / cur.count });
  return out;
}
