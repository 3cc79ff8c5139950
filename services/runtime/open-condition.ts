import path from 'node:path';
import type { Logger } from 'pino';
import type { AlarmStore } from '../alarms/alarm-store.ts';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import { createAssetHealth } from '../condition/asset-health.ts';
import { createConditionService, resolvedRepairs } from '../condition/condition-service.ts';
import { conditionPoint, createConditionWatch } from '../condition/condition-watch.ts';
import { createFleetLearning } from '../condition/fleet-learning.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { PmStore } from '../pm/pm-store.ts';
import { reportFonts } from '../reports/font-runs.ts';
import { findFonts } from '../reports/report-font.ts';
import { createReportScheduler } from '../reports/report-scheduler.ts';
import { createReportService } from '../reports/report-service.ts';
import { createKyselyReportStore } from '../reports/report-store.kysely.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import type { WorkOrderStore } from '../work-orders/work-order-store.ts';
import type { Closers } from './closers.ts';
import type { Estate } from './estate.ts';
import { keptFolder } from './folders.ts';

export interface ConditionDeps {
  config: Config;
  db: Db;
  telemetry: TelemetryStore;
  assets: AssetRegistry;
  alarmStore: AlarmStore;
  workOrderStore: WorkOrderStore;
  workOrders: WorkOrderService;
  pmStore: PmStore;
  estate: Estate;
  closers: Closers;
  isLeader: () => boolean;
  now: () => number;
  svc: (name: string) => Logger;
}

/**
 * Condition monitoring and what reads it: each asset's condition, assessed the same way for reports,
 * the API, predictive work orders and Grafana (services/condition); what the estate's own failures
 * teach (relearnt daily, the default prior until then); the hourly watch that opens predictive orders;
 * and the reports with their fonts and schedule.
 */
export function openCondition(d: ConditionDeps) {
  const { config, telemetry, assets, estate, now, svc } = d;
  const conditions = createConditionService({
    telemetry,
    repairs: resolvedRepairs(d.workOrderStore),
    prior: (type, metric) => learning.priorFor(type, metric),
    fleetRul: (type, series) => learning.fleetRul(type, series),
  });
  const learning = createFleetLearning({
    workOrders: d.workOrderStore,
    hours: conditions.hours,
    assetType: (id) => assets.get(id)?.type,
    now,
    log: svc('condition'),
  });
  const assetHealth = createAssetHealth({ conditions, alarms: d.alarmStore, workOrders: d.workOrderStore, pm: d.pmStore, now });
  const conditionWatch = createConditionWatch({
    health: assetHealth,
    // The Grafana asset board's condition panels read what each check found.
    record: (h) => {
      for (const x of h.indicators) telemetry.writeCondition(conditionPoint(h, x));
    },
    assets,
    workOrders: d.workOrders,
    windowMs: config.prediction.windowMs,
    siteTimeZone: estate.timeZoneOf,
    now,
    log: svc('condition'),
  });
  const reports = createReportService({
    store: createKyselyReportStore(d.db),
    assets,
    workOrders: d.workOrderStore,
    alarms: d.alarmStore,
    pm: d.pmStore,
    conditions,
    folder: keptFolder(config.dataDir === ':memory:' ? undefined : path.join(config.dataDir, 'reports'), 'reports', d.closers),
    siteTimeZone: estate.timeZoneOf,
    // Looked for at the first PDF; glyphs no font has (Chinese without a CJK font) are logged once, with the package to install.
    fonts: reportFonts(() => findFonts(config.reports.font), svc('reports')),
    knownSite: estate.knows,
    log: svc('reports'),
    now,
  });
  const reportScheduler = createReportScheduler({
    reports,
    config: config.estate.reports,
    targets: estate.reportTargets,
    log: svc('reports'),
    now,
    isLeader: d.isLeader,
  });
  return { conditions, learning, assetHealth, conditionWatch, reports, reportScheduler };
}
