import { describe, expect, it } from 'vitest';
import { hourlyBuckets, operatingTime, parseImsCsv } from './ims-data.ts';
import { levelCrossing, ruleFires } from './ims-replay.ts';

const MIN = 60_000;

describe('IMS replay plumbing', () => {
  it('operating time counts each interval up to the nominal 10 minutes: a six-day pause counts as one snapshot interval', () => {
    const wall = [0, 10 * MIN, 20 * MIN, 20 * MIN + 6 * 86_400_000, 20 * MIN + 6 * 86_400_000 + 5 * MIN];
    expect(operatingTime(wall)).toEqual([0, 10 * MIN, 20 * MIN, 30 * MIN, 35 * MIN]);
  });

  it('test 3’s last row (after the rig stopped) is dropped', () => {
    const csv = ',Bearing 1\n2004-03-04 09:27:46,0.06\n2004-03-04 09:37:46,0.07\n2004-03-04 09:47:46,0.001\n';
    expect(parseImsCsv('test3', csv).snapshots).toHaveLength(2);
    expect(parseImsCsv('test1', csv.replace('Bearing 1', 'Bearing 1 C1')).snapshots).toHaveLength(3);
  });

  it('readings roll up into hourly mean, max and count; empty hours are absent', () => {
    const H = 3_600_000;
    const b = hourlyBuckets([
      { t: 0, v: 1 },
      { t: 30 * MIN, v: 3 },
      { t: 2 * H + MIN, v: 5 },
    ]);
    expect(b).toEqual([
      { t: 0, mean: 2, max: 3, count: 2 },
      { t: 2 * H, mean: 5, max: 5, count: 1 },
    ]);
  });

  it('the level crosses when the median of three hours does; a rule fires when a later reading confirms it', () => {
    const H = 3_600_000;
    const hours = [2, 8, 2, 2, 8, 8].map((mean, i) => ({ t: i * H, mean, max: mean, count: 6 }));
    expect(levelCrossing(hours, 7.1)).toBe(5 * H + H);
    const readings = [1, 5, 1, 5, 5, 5].map((v, i) => ({ t: i * 10 * MIN, v }));
    expect(ruleFires(readings, 4.5, 5 * MIN)).toBe(40 * MIN);
  });
});
