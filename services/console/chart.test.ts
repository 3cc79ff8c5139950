import { describe, expect, it } from 'vitest';
import { CHART, chartStats, formatValue, lineChart, niceTicks, timeTicks } from './chart.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 16); // 2026-12-01 00:00 in Shanghai

/** The y coordinates of a path's points, and its x extent. */
const extent = (d: string) => {
  const xy = [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  return { xs: xy.map((p) => p[0]), ys: xy.map((p) => p[1]) };
};
const tickY = (svg: string, label: string) => Number(new RegExp(`class="ytick"[^>]*y="([\\d.]+)"[^>]*>${label.replace('.', '\\.')}<`).exec(svg)?.[1]);

describe('the SVG line chart', () => {
  const ramp = Array.from({ length: 24 }, (_, i) => ({ t: T0 + i * H + H / 2, v: 10 + (40 * i) / 23 }));

  it('draws the line from the values: its highest point on the tick of the maximum, its lowest on the minimum', () => {
    const chart = lineChart({ id: 'c', title: 'Flow', from: T0, to: T0 + 24 * H, zone: 'Asia/Shanghai', points: ramp, describe: (s) => `max ${s.max}` })!;
    const svg = chart.svg.value;
    const { ys, xs } = extent(/class="line" d="([^"]+)"/.exec(svg)![1]!);
    expect(Math.min(...ys)).toBeCloseTo(tickY(svg, '50'), 0);
    expect(Math.max(...ys)).toBeCloseTo(tickY(svg, '10'), 0);
    // Left to right across the plot, in time order.
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(Math.max(...xs)).toBeLessThanOrEqual(CHART.width - CHART.right);
    expect(chart.stats).toMatchObject({ min: 10, max: 50, last: 50 });
  });

  it('names itself for screen readers and shows the reference lines with their labels', () => {
    const chart = lineChart({
      id: 'vib',
      title: 'Vibration <7 d>',
      from: T0,
      to: T0 + 24 * H,
      zone: 'UTC',
      points: ramp.map((p) => ({ ...p, v: p.v / 10 })),
      lines: [
        { value: 4.5, kind: 'warning', label: 'warning 4.5' },
        { value: 7.1, kind: 'limit', label: 'limit 7.1' },
      ],
      describe: (s) => `highest ${formatValue(s.max)} mm/s`,
    })!;
    const svg = chart.svg.value;
    expect(svg).toMatch(/role="img" aria-labelledby="vib-t vib-d"/);
    expect(svg).toContain('<title id="vib-t">Vibration &lt;7 d&gt;</title>');
    expect(svg).toContain('<desc id="vib-d">highest 5 mm/s</desc>');
    expect(svg).toMatch(/class="ref ref-limit"[\s\S]*limit 7\.1/);
    // The limit is inside the scale although the readings stay below it.
    expect(tickY(svg, '8')).toBeGreaterThan(0);
    expect(svg).not.toMatch(/style=/);
  });

  it('leaves a gap where there were no readings, and draws the min–max band', () => {
    const points = ramp.map((p, i) => ({ ...p, v: i >= 10 && i < 14 ? null : p.v }));
    const band = points.map((p) => ({ t: p.t, lo: p.v === null ? null : p.v - 1, hi: p.v === null ? null : p.v + 1 }));
    const svg = lineChart({ id: 'g', title: 'x', from: T0, to: T0 + 24 * H, zone: 'UTC', points, band, describe: () => '' })!.svg.value;
    expect(/class="line" d="([^"]+)"/.exec(svg)![1]!.match(/M/g)).toHaveLength(2);
    expect(/class="band" d="([^"]+)"/.exec(svg)![1]!.match(/Z/g)).toHaveLength(2);
    expect(chartStats(points, band)).toMatchObject({ min: 9, max: 51 });
  });

  it('has nothing to draw without a value', () => {
    expect(lineChart({ id: 'e', title: 'x', from: T0, to: T0 + H, zone: 'UTC', points: [{ t: T0, v: null }], describe: () => '' })).toBeNull();
  });

  it('puts time ticks on local boundaries: hours for a day, midnights for a week, the 1st and 16th for 90 days', () => {
    expect(timeTicks(T0 - 24 * H, T0, 'Asia/Shanghai').map((t) => t.label)).toEqual(['11-30', '06:00', '12:00', '18:00', '12-01']);
    const week = timeTicks(T0 - 7 * 24 * H + 1, T0, 'Asia/Shanghai');
    expect(week.map((t) => t.label)).toEqual(['11-26', '11-28', '11-30']);
    const quarter = timeTicks(T0 - 90 * 24 * H, T0, 'Asia/Shanghai');
    expect(quarter.map((t) => t.label)).toEqual(['09-16', '10-01', '10-16', '11-01', '11-16', '12-01']);
  });

  it('chooses round value ticks', () => {
    expect(niceTicks(10, 50).ticks).toEqual([10, 20, 30, 40, 50]);
    expect(niceTicks(1.9, 7.1).ticks).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(3, 3).ticks.length).toBeGreaterThan(1);
    expect(formatValue(7.1)).toBe('7.1');
    expect(formatValue(123.456)).toBe('123');
    expect(formatValue(0.12345)).toBe('0.123');
  });
});
