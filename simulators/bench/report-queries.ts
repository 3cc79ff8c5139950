import { catalog } from '../../devices/catalog.ts';
import { rollupMeasurement } from '../../services/telemetry/influx-rollups.ts';
import { startInfluxd } from '../../services/testing/influxd.ts';

const HOUR = 3_600_000;
/** 90 days of hours: what the report's condition assessment reads per indicator. */
const HOURS = 90 * 24;
const ASSETS = 200;
/** Queries in flight, as the report assesses assets (report-service.ts). */
const IN_FLIGHT = 4;
/** The report at 1,000 assets reads this many series (indicators) of 2,160 hours. */
const REPORT_SERIES = 1600;

/**
 * What reading hourly rollups costs InfluxDB, by the shape of the query: the report on InfluxDB spends
 * nearly all its time there (BENCHMARKS.md, Reports). 200 pumps × 90 days of the rollups FMS writes
 * (`pump_1h`, `<metric>_min|_max|_sum|_count`), then each shape of query over every pump, 4 in flight,
 * twice (the faster run counts): values returned per second, and what 1,600 series would take.
 */
export async function reportQueriesBench(): Promise<string[]> {
  const influx = await startInfluxd();
  try {
    const q = async (query: string, accept = 'application/json') => {
      const res = await fetch(`${influx.url}/query?db=fms&epoch=ms&q=${encodeURIComponent(query)}`, { headers: { accept } });
      const text = await res.text();
      if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 200)}`);
      return text;
    };
    await q('CREATE DATABASE fms');
    const metrics = catalog.pump.metrics.filter((m) => m.kind !== 'state').map((m) => m.name);
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    const start = end - HOURS * HOUR;
    for (let a = 0; a < ASSETS; a++) {
      const lines: string[] = [];
      for (let h = 0; h < HOURS; h++) {
        const f = metrics.map(
          (m) =>
            `${m}_min=${(1 + Math.random()).toFixed(3)},${m}_max=${(3 + Math.random()).toFixed(3)},${m}_sum=${(120 + Math.random() * 60).toFixed(3)},${m}_count=60`,
        );
        lines.push(`${rollupMeasurement('pump')},asset=p${a},site=bench ${f.join(',')} ${start + h * HOUR}`);
      }
      const res = await fetch(`${influx.url}/write?db=fms&precision=ms`, { method: 'POST', body: lines.join('\n') });
      if (res.status !== 204) throw new Error(await res.text());
    }
    // Let InfluxDB write its cache out, as it would have long since for 90-day-old hours.
    await new Promise((r) => setTimeout(r, 15_000));

    const m = 'vibration_mms';
    const range = `time >= ${start}ms AND time < ${end}ms`;
    const one = (fields: string[], a: number) => `SELECT ${fields.map((f) => `"${f}"`).join(',')} FROM "pump_1h" WHERE "asset" = 'p${a}' AND ${range}`;
    const shapes: { name: string; values: number; queries: (() => Promise<unknown>)[] }[] = [
      { name: 'min, max, sum, count of one indicator (what the report reads), JSON', values: 4, queries: [] },
      { name: 'the same, CSV', values: 4, queries: [] },
      { name: 'max, sum, count (no min)', values: 3, queries: [] },
      { name: 'max only', values: 1, queries: [] },
      { name: 'min, max, sum, count of 10 pumps a query (OR, GROUP BY asset)', values: 4, queries: [] },
    ];
    const all = [`${m}_min`, `${m}_max`, `${m}_sum`, `${m}_count`];
    for (let a = 0; a < ASSETS; a++) {
      shapes[0]!.queries.push(async () => JSON.parse(await q(one(all, a))));
      shapes[1]!.queries.push(() => q(one(all, a), 'application/csv'));
      shapes[2]!.queries.push(async () => JSON.parse(await q(one(all.slice(1), a))));
      shapes[3]!.queries.push(async () => JSON.parse(await q(one([`${m}_max`], a))));
    }
    for (let a = 0; a < ASSETS; a += 10) {
      const assets = Array.from({ length: 10 }, (_, i) => `"asset" = 'p${a + i}'`).join(' OR ');
      shapes[4]!.queries.push(async () =>
        JSON.parse(await q(`SELECT ${all.map((f) => `"${f}"`).join(',')} FROM "pump_1h" WHERE (${assets}) AND ${range} GROUP BY "asset"`)),
      );
    }
    const rows: string[] = [];
    for (const shape of shapes) {
      let best = Infinity;
      for (let round = 0; round < 2; round++) {
        let next = 0;
        const started = Date.now();
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async () => {
            while (next < shape.queries.length) await shape.queries[next++]!();
          }),
        );
        best = Math.min(best, (Date.now() - started) / 1000);
      }
      const values = ASSETS * HOURS * shape.values;
      const perSeries = best / ASSETS;
      rows.push(
        `| ${shape.name} | ${best.toFixed(2)} s | ${Math.round(values / best / 1000).toLocaleString('en')} k | ${(perSeries * 1000).toFixed(1)} ms | **${(perSeries * REPORT_SERIES).toFixed(1)} s** |`,
      );
      process.stdout.write(`bench: report queries: ${shape.name}: ${best.toFixed(2)} s\n`);
    }
    return [
      `InfluxDB 1.6 (Debian) holding ${ASSETS} pumps × 90 days of FMS's hourly rollups (\`pump_1h\`, ${metrics.length} metrics × min, max, sum, count);`,
      `each shape of query over every pump's vibration, ${IN_FLIGHT} in flight as the report reads, the faster of two runs:`,
      '',
      '| query | 200 series | values a second | a series | 1,600 series (the report at 1,000 assets) |',
      '|---|---:|---:|---:|---:|',
      ...rows,
    ];
  } finally {
    await influx.destroy();
  }
}
