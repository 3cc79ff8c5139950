import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import pino from 'pino';
import { openTelemetryStore } from '../runtime/open-telemetry-store.ts';
import { createAssetRegistry } from '../assets/asset-registry.ts';
import { createKyselyAssetStore } from '../assets/asset-store.kysely.ts';
import { createKyselyAlarmStore } from '../alarms/alarm-store.kysely.ts';
import { openDatabase } from '../db/database.ts';
import { createKyselyPmStore } from '../pm/pm-store.kysely.ts';
import { loadConfig } from '../config/config.ts';
import { createKyselyWorkOrderStore } from '../work-orders/work-order-store.kysely.ts';
import { languages, type Language } from '../reports/report-document.ts';
import { reportFonts } from '../reports/font-runs.ts';
import { findFonts } from '../reports/report-font.ts';
import { createConditionService, resolvedRepairs } from '../condition/condition-service.ts';
import { createFleetLearning } from '../condition/fleet-learning.ts';
import { createReportService } from '../reports/report-service.ts';
import { createKyselyReportStore } from '../reports/report-store.kysely.ts';

export const reportUsage = `Usage: npm run fms -- report [--site ID] [--from DATE] [--to DATE] [--language en|zh] [--out DIR]

  Computes a maintenance report from FMS's data (FMS_DATA_DIR, FMS_INFLUX_URL, FMS_CONFIG as for the
  service), archives it (GET /api/reports lists it) and prints where its files are.

  --site      one site (default: every site)
  --from      first day, YYYY-MM-DD (local midnight in the site's time zone) or an ISO date-time
              (default: 7 days before --to)
  --to        the day after the last, same format (default: now)
  --language  en (default) or zh
  --out       also copy the files (HTML, PDF, JSON, CSV) into this folder`;

class UsageError extends Error {}

/** A date (local midnight in `zone`) or an ISO date-time with its offset. */
function parseTime(value: string, option: string, zone: string): number {
  const t = /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone }) : DateTime.fromISO(value, { setZone: true });
  if (!t.isValid || (!/^\d{4}-\d{2}-\d{2}$/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/.test(value))) {
    throw new UsageError(`--${option}: expected a date as YYYY-MM-DD or a date-time with its offset (2026-11-01T00:00:00+08:00), got "${value}"`);
  }
  return t.toMillis();
}

/** A progress bar on a terminal; on a pipe, a line every 10 %. */
function progressBar(out: NodeJS.WriteStream) {
  const started = Date.now();
  let lastTenth = -1;
  return {
    update(done: number, total: number) {
      const share = total ? done / total : 1;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (out.isTTY) {
        const width = 30;
        const filled = Math.round(share * width);
        out.write(`\rreading telemetry [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} assets · ${seconds} s`);
        if (done === total) out.write('\n');
      } else if (Math.floor(share * 10) > lastTenth) {
        lastTenth = Math.floor(share * 10);
        out.write(`reading telemetry: ${done}/${total} assets (${Math.round(share * 100)} %) · ${seconds} s\n`);
      }
    },
  };
}

export async function runReportCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args: argv,
      options: {
        site: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        language: { type: 'string', default: 'en' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${reportUsage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${reportUsage}\n`);
    return 0;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const zone = config.estate.sites.find((s) => s.id === options.site)?.timeZone ?? config.timeZone;
  let from: number;
  let to: number;
  try {
    if (!languages.includes(options.language as Language)) throw new UsageError(`--language: expected en or zh, got "${options.language}"`);
    to = options.to ? parseTime(options.to, 'to', zone) : Date.now();
    from = options.from ? parseTime(options.from, 'from', zone) : to - 7 * 86_400_000;
    if (!(to > from)) throw new UsageError('--to must be after --from');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${reportUsage}\n`);
    return 2;
  }
  if (!config.databaseUrl && (config.dataDir === ':memory:' || !existsSync(path.join(config.dataDir, 'fms.db')))) {
    process.stderr.write(
      `no FMS data in ${config.dataDir === ':memory:' ? 'memory' : path.resolve(config.dataDir)}: point FMS_DATA_DIR at the folder the service keeps its data in\n`,
    );
    return 2;
  }

  const log = pino({ level: env.FMS_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const database = await openDatabase(config.dataDir, config.databaseUrl);
  const telemetry = await openTelemetryStore(config, log, () => undefined);
  try {
    const assets = await createAssetRegistry(createKyselyAssetStore(database.db), Date.now);
    const workOrders = createKyselyWorkOrderStore(database.db);
    // As the service would: the predictions use what the estate's past failures teach.
    const conditions = createConditionService({
      telemetry,
      repairs: resolvedRepairs(workOrders),
      prior: (type, metric) => learning.priorFor(type, metric),
      fleetRul: (type, series) => learning.fleetRul(type, series),
    });
    const learning = createFleetLearning({ workOrders, hours: conditions.hours, assetType: (id) => assets.get(id)?.type, now: Date.now, log });
    await learning.learn();
    const reports = createReportService({
      store: createKyselyReportStore(database.db),
      assets,
      workOrders,
      alarms: createKyselyAlarmStore(database.db),
      pm: createKyselyPmStore(database.db),
      conditions,
      folder: path.join(config.dataDir, 'reports'),
      siteTimeZone: (site) => config.estate.sites.find((s) => s.id === site)?.timeZone ?? config.timeZone,
      fonts: reportFonts(() => findFonts(config.reports.font), log),
      knownSite: (site) => config.estate.sites.some((s) => s.id === site),
      log,
      now: Date.now,
    });
    const bar = progressBar(process.stderr);
    const { id, summary } = await reports.generate({ site: options.site, from, to, language: options.language as Language, onProgress: bar.update });
    const folder = path.join(config.dataDir, 'reports', id);
    process.stdout.write(`report ${id}: ${summary.assets} assets in ${(summary.tookMs / 1000).toFixed(1)} s\n`);
    for (const f of summary.files) process.stdout.write(`  ${path.join(folder, f)}\n`);
    if (summary.pdfError) process.stdout.write(`  (no PDF: ${summary.pdfError})\n`);
    if (options.out) {
      mkdirSync(options.out, { recursive: true });
      for (const f of summary.files) copyFileSync(path.join(folder, f), path.join(options.out, f));
      process.stdout.write(`copied to ${path.resolve(options.out)}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`report failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await telemetry.close();
    await database.close();
  }
}
