import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { Asset } from '../../services/assets/asset.ts';
import { createKyselyAlarmStore } from '../../services/alarms/alarm-store.kysely.ts';
import { openDatabase } from '../../services/db/database.ts';
import { createConditionService } from '../../services/condition/condition-service.ts';
import { createKyselyPmStore } from '../../services/pm/pm-store.kysely.ts';
import { reportFonts } from '../../services/reports/font-runs.ts';
import { findFonts } from '../../services/reports/report-font.ts';
import { createReportService } from '../../services/reports/report-service.ts';
import { createKyselyReportStore } from '../../services/reports/report-store.kysely.ts';
import { openTelemetrySchema } from '../../services/telemetry/sqlite-schema.ts';
import { createSqliteTelemetryStore } from '../../services/telemetry/telemetry-store.sqlite.ts';
import { createInfluxTelemetryStore } from '../../services/telemetry/telemetry-store.influx.ts';
import type { TelemetryStore } from '../../services/telemetry/telemetry-store.ts';
import { startInfluxd } from '../../services/testing/influxd.ts';
import { createKyselyWorkOrderStore } from '../../services/work-orders/work-order-store.kysely.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAYS = 90;
const log = pino({ level: 'silent' });
/** BENCH_REPORTS_SCALE (0 < s ≤ 1, default 1): a fraction of the 1,000 assets, for a shorter run on a busy machine. */
const SCALE = Math.min(1, Math.max(0.01, Number(process.env.BENCH_REPORTS_SCALE ?? 1)));

/**
 * A report over 1,000 assets (500 pumps, 300 elevators, 200 gates) and 90 days of telemetry at one
 * reading a minute, on the embedded store and on a real InfluxDB. Only the condition indicators the
 * report reads (two per pump and elevator; gates have none) are generated: 800 assets × 129,600
 * readings of two metrics each.
 */
export async function reportBench(): Promise<string[]> {
  const now = Math.floor(Date.now() / HOUR) * HOUR + 20 * MINUTE;
  const start = Math.floor((now - DAYS * DAY) / HOUR) * HOUR;
  const mk = (type: Asset['type'], n: number) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${type}-${String(i + 1).padStart(4, '0')}`,
      type,
      site: i % 2 ? 'riverside' : 'lakeview',
      name: `${type} ${i + 1}`,
      criticality: 1 + (i % 5),
      installedAt: '2018-06-01',
    }));
  const assets = [...mk('pump', Math.round(500 * SCALE)), ...mk('elevator', Math.round(300 * SCALE)), ...mk('gate', Math.round(200 * SCALE))];
  const counts = (type: string) => assets.filter((a) => a.type === type).length;
  const metricsOf = (type: string) => (type === 'pump' ? ['vibration_mms', 'motor_temp_c'] : type === 'elevator' ? ['leveling_error_mm', 'motor_temp_c'] : []);
  // One pump in fifty wears: vibration rising from 2 to 6.5 mm/s over the 90 days. Values have 3
  // decimals, as written to InfluxDB, so both stores hold the same readings.
  const value = (assetIndex: number, metric: string, t: number) => {
    const day = (t - start) / DAY;
    const wobble = 0.15 * Math.sin(t / 420_000 + assetIndex);
    const v =
      metric === 'vibration_mms' ? 2 + (assetIndex % 50 === 0 ? 0.05 * day : 0) + wobble : metric === 'leveling_error_mm' ? 3 + wobble * 4 : 55 + 10 * wobble;
    return Math.round(v * 1000) / 1000;
  };
  const readings = assets.reduce((n, a) => n + metricsOf(a.type).length, 0) * ((now - start) / MINUTE);
  const lines: string[] = [
    '',
    `Reports: ${assets.length.toLocaleString('en')} assets (${counts('pump')} pumps, ${counts('elevator')} elevators, ${counts('gate')} gates${SCALE < 1 ? `: BENCH_REPORTS_SCALE=${SCALE}` : ''}), ${DAYS} days at one reading a minute of the indicators the report reads (${(readings / 1e6).toFixed(1)} million values), every figure, HTML and PDF:`,
    '',
    '| store | data loaded in | rollups made in | report | of which reading telemetry | figures and rendering (HTML, PDF, CSV) |',
    '|---|---|---|---|---|---|',
  ];

  const summaryLines: string[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-reports-'));
  const database = await openDatabase(dir);
  const reportOn = async (telemetry: Pick<TelemetryStore, 'summarize'>, label: string, loadedMs: number, rollupsMs: number | undefined) => {
    let readMs = 0;
    const t0 = performance.now();
    const reports = createReportService({
      store: createKyselyReportStore(database.db),
      assets: { list: () => assets as never },
      workOrders: createKyselyWorkOrderStore(database.db),
      alarms: createKyselyAlarmStore(database.db),
      pm: createKyselyPmStore(database.db),
      conditions: createConditionService({ telemetry, repairs: async () => [] }),
      folder: path.join(dir, 'reports'),
      siteTimeZone: () => 'Asia/Shanghai',
      fonts: reportFonts(findFonts(), log),
      log,
      now: () => now,
    });
    const { summary, report } = await reports.generate({
      from: now - 30 * DAY,
      to: now,
      language: 'en',
      onProgress: (done, total) => done === total && (readMs = performance.now() - t0),
    });
    const total = performance.now() - t0;
    const worn = report.risks.filter((r) => r.assetId.startsWith('pump-') && r.indicators.some((x) => x.assessment.onset !== null)).length;
    process.stdout.write(
      `bench: ${label}: report in ${(total / 1000).toFixed(1)} s (telemetry ${(readMs / 1000).toFixed(1)} s), ${summary.assets} assets, ${worn} worn pumps found\n`,
    );
    lines.push(
      `| ${label} | ${(loadedMs / 1000).toFixed(0)} s | ${rollupsMs === undefined ? '—' : `${(rollupsMs / 1000).toFixed(0)} s`} | **${(total / 1000).toFixed(1)} s** | ${(readMs / 1000).toFixed(1)} s | ${((total - readMs) / 1000).toFixed(1)} s |`,
    );
    // What each asset's figures came to, to compare the stores (to 6 significant digits: they add up in different orders).
    const figures = JSON.stringify(report.risks, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));
    return { worn, figures };
  };

  try {
    let embeddedFigures = '';
    // Embedded store: what its maintenance leaves after 90 days — hourly rollups for the whole range
    // and the raw readings of the last 7 days — written straight into its tables.
    let t = performance.now();
    const file = path.join(dir, 'telemetry.db');
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    openTelemetrySchema(sqlite);
    const addSeries = sqlite.prepare('INSERT INTO series (id, measurement, site, asset) VALUES (?, ?, ?, ?)');
    const addHour = sqlite.prepare('INSERT INTO rollups_hourly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)');
    const addRaw = {
      pump: sqlite.prepare('INSERT INTO telemetry_pump (series, ts, vibration_mms, motor_temp_c) VALUES (?, ?, ?, ?)'),
      elevator: sqlite.prepare('INSERT INTO telemetry_elevator (series, ts, leveling_error_mm, motor_temp_c) VALUES (?, ?, ?, ?)'),
    };
    const rawFrom = now - 7 * DAY;
    sqlite.transaction(() => {
      assets.forEach((a, i) => {
        const metrics = metricsOf(a.type);
        if (!metrics.length) return;
        addSeries.run(i + 1, a.type, a.site, a.id);
        for (const m of metrics) {
          for (let h = start; h + HOUR <= now - HOUR; h += HOUR) {
            let min = Infinity;
            let max = -Infinity;
            let sum = 0;
            let first = 0;
            let last = 0;
            for (let k = 0; k < 60; k++) {
              const v = value(i, m, h + k * MINUTE);
              if (k === 0) first = v;
              last = v;
              sum += v;
              if (v < min) min = v;
              if (v > max) max = v;
            }
            addHour.run(i + 1, m, h, min, max, sum, 60, first, last);
          }
        }
        for (let ts = rawFrom; ts < now; ts += MINUTE)
          addRaw[a.type as 'pump' | 'elevator'].run(i + 1, ts, value(i, metrics[0]!, ts), value(i, metrics[1]!, ts));
      });
      const meta = sqlite.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      meta.run('hourly_until', Math.floor((now - HOUR) / HOUR) * HOUR);
      meta.run('rollup_until', now - 2 * MINUTE);
      meta.run('pruned_before', rawFrom);
    })();
    sqlite.close();
    const embeddedLoad = performance.now() - t;
    const embedded = createSqliteTelemetryStore({ file, log, maintenanceIntervalMs: 0 });
    try {
      embeddedFigures = (await reportOn(embedded, 'embedded (SQLite): hourly rollups + 7 days of readings', embeddedLoad, undefined)).figures;
    } finally {
      await embedded.close();
    }

    // InfluxDB 1.x: every reading, written as line protocol, 10,000 lines a request, two at a time.
    const influxd = await startInfluxd();
    try {
      await fetch(`${influxd.url}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE "fms"' }) });
      t = performance.now();
      const batches = (function* () {
        let batch: string[] = [];
        for (const [i, a] of assets.entries()) {
          const metrics = metricsOf(a.type);
          if (!metrics.length) continue;
          for (let ts = start; ts < now; ts += MINUTE) {
            batch.push(
              `${a.type},asset=${a.id},site=${a.site} ${metrics[0]}=${value(i, metrics[0]!, ts).toFixed(3)},${metrics[1]}=${value(i, metrics[1]!, ts).toFixed(3)} ${ts}`,
            );
            if (batch.length === 10_000) {
              yield batch.join('\n');
              batch = [];
            }
          }
        }
        if (batch.length) yield batch.join('\n');
      })();
      let sent = 0;
      const worker = async () => {
        for (let next = batches.next(); !next.done; next = batches.next()) {
          const res = await fetch(`${influxd.url}/write?db=fms&precision=ms`, { method: 'POST', body: next.value });
          if (res.status !== 204) throw new Error(`influxd refused a batch: ${res.status} ${await res.text()}`);
          if (++sent % 1000 === 0)
            process.stdout.write(
              `bench: influxd: ${sent * 10_000} lines written (${Math.round((sent * 10_000) / ((performance.now() - t) / 1000))} lines/s)\n`,
            );
        }
      };
      await Promise.all([worker(), worker()]);
      const influxLoad = performance.now() - t;
      const store = await createInfluxTelemetryStore({
        connection: { url: influxd.url, db: 'fms', rp: undefined, token: undefined, username: undefined, password: undefined },
        dataDir: dir,
        spoolMaxBytes: 10 * 1024 * 1024,
        log,
        onDeadLetter: () => undefined,
        rollupIntervalMs: 0,
      });
      try {
        // Before its first rollup run FMS reads every reading, as it did without rollups.
        const raw = await reportOn(store, 'InfluxDB 1.6 (Debian), every reading', influxLoad, undefined);
        // The rollups, made as production makes them: the runs FMS starts every minute, here one after
        // the other until the 90 days written before FMS first ran are rolled up.
        t = performance.now();
        let runs = 0;
        for (let run = await store.maintain(now); !run.backfillDone; run = await store.maintain(now)) runs++;
        const rollupsMs = performance.now() - t;
        process.stdout.write(`bench: influxd: 90 days rolled up in ${(rollupsMs / 1000).toFixed(1)} s (${runs + 1} runs)\n`);
        const rolled = await reportOn(store, 'InfluxDB 1.6 (Debian), hourly rollups + the readings of the current hour', influxLoad, rollupsMs);
        // Every reading again, now that InfluxDB has had the rollup runs' time to compact what was just
        // written: a store whose rollup retention policy does not exist reads only readings.
        const again = await createInfluxTelemetryStore({
          connection: { url: influxd.url, db: 'fms', rp: undefined, rollupRp: 'none', token: undefined, username: undefined, password: undefined },
          dataDir: path.join(dir, 'without-rollups'),
          spoolMaxBytes: 10 * 1024 * 1024,
          log,
          onDeadLetter: () => undefined,
          rollupIntervalMs: 0,
        });
        try {
          await reportOn(again, 'InfluxDB 1.6 (Debian), every reading, again after the rollups were made', influxLoad, undefined);
        } finally {
          await again.close();
        }
        const same = (a: string) => (a === embeddedFigures ? 'the same as' : 'NOT the same as');
        summaryLines.push(
          `Figures (every asset's health, risk and indicator assessments, to 6 significant digits): InfluxDB with rollups ${same(rolled.figures)} the embedded store's; InfluxDB reading every reading ${same(raw.figures)} them. Worn pumps found: ${rolled.worn} with rollups, ${raw.worn} from every reading.`,
        );
      } finally {
        await store.close();
      }
    } finally {
      await influxd.destroy();
    }
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
  lines.push(
    '',
    ...summaryLines,
    '',
    "The report assesses each asset's condition indicators over 90 days of hourly figures (2,160 a series: 3.5 million hourly figures for the 1,600 series of 1,000 assets); the embedded store reads them from its hourly rollups (instead of 129,600 readings a series). Its tables are written directly in the state its maintenance leaves them in (writing its 103.7 million readings through ingest would take hours on this machine); the 1-minute rollups it would also hold are left out, as the report does not read them. InfluxDB gets every reading over its HTTP API (and may still be compacting when the reports run); the report is made three times on it: before FMS has rolled anything up (every reading is read, grouped by hour inside InfluxDB); after FMS has made its hourly rollups the way it does in production (services/telemetry/influx-rollups.ts: the rollup runs, one after the other, fill in the history written before FMS first ran, a day of a device type per query), when it reads the rollups and only the current hour raw; and from every reading again, once InfluxDB has had the time of the rollup runs to compact what was written. Telemetry is read 4 queries at a time.",
  );
  return lines;
}
