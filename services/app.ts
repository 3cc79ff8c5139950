import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { Fms } from './runtime/fms.ts';
import { announceAlarms } from './alarms/alarm-announcer.ts';
import { createAccounts } from './accounts/accounts.ts';
import { createKyselyAccountStore } from './accounts/account-store.kysely.ts';
import { createKyselySessionStore } from './accounts/session-store.kysely.ts';
import { createAlarmService } from './alarms/alarm-service.ts';
import { createKyselyAlarmStore } from './alarms/alarm-store.kysely.ts';
import { feedBackToRules } from './alarms/rule-feedback.ts';
import { createKyselyApiKeyStore } from './api/api-key-store.kysely.ts';
import { createApiKeys } from './api/api-keys.ts';
import { buildApi } from './api/server.ts';
import { createAssetRegistry } from './assets/asset-registry.ts';
import { createKyselyAssetStore } from './assets/asset-store.kysely.ts';
import { createKyselyDeviceCredentialStore } from './assets/device-credential-store.kysely.ts';
import { createDeviceCredentials } from './assets/device-credentials.ts';
import { createAuditLog } from './audit/audit-log.ts';
import { createKyselyAuditStore } from './audit/audit-store.kysely.ts';
import { createPartitionedIngest } from './cluster/partitioned-ingest.ts';
import { createAssetHealth } from './condition/asset-health.ts';
import { createConditionService, resolvedRepairs } from './condition/condition-service.ts';
import { conditionPoint, createConditionWatch } from './condition/condition-watch.ts';
import { createFleetLearning } from './condition/fleet-learning.ts';
import type { Config } from './config/config.ts';
import { openDatabase } from './db/database.ts';
import { createIngest } from './ingest/ingest.ts';
import { createRejectedLog } from './ingest/rejected-log.ts';
import { createPmPlanService, loadPlanTemplates } from './pm/pm-plan-service.ts';
import { createPmScheduler } from './pm/pm-scheduler.ts';
import { createKyselyPmStore } from './pm/pm-store.kysely.ts';
import { reportFonts } from './reports/font-runs.ts';
import { findFonts } from './reports/report-font.ts';
import { createReportScheduler } from './reports/report-scheduler.ts';
import { createReportService } from './reports/report-service.ts';
import { createKyselyReportStore } from './reports/report-store.kysely.ts';
import { createRuleEngine } from './rules/rule-engine.ts';
import { loadDefaultRules } from './rules/rule-loader.ts';
import { createRuleService } from './rules/rule-service.ts';
import { createKyselyRuleStateStore } from './rules/rule-state-store.kysely.ts';
import { createKyselyRuleStore } from './rules/rule-store.kysely.ts';
import { createClosers } from './runtime/closers.ts';
import { createEstate } from './runtime/estate.ts';
import { issueFirstAdminKey } from './runtime/first-admin-key.ts';
import { keptFolder } from './runtime/folders.ts';
import { registerGauges } from './runtime/gauges.ts';
import { createHealthReport } from './runtime/health-report.ts';
import { createJobs } from './runtime/jobs.ts';
import { scheduleEstateJobs } from './runtime/leader-jobs.ts';
import { openCoordinator } from './runtime/open-coordinator.ts';
import { keepRuleState } from './runtime/rule-state.ts';
import { listening, urlsOf } from './runtime/listening.ts';
import { openBroker } from './runtime/open-broker.ts';
import { openTelemetryStore } from './runtime/open-telemetry-store.ts';
import { handOverPartitions } from './runtime/partitions.ts';
import { createSystemAlarms } from './runtime/system-alarms.ts';
import { startTicker } from './runtime/ticker.ts';
import { watchCertificates } from './runtime/tls-reload.ts';
import { createMetrics } from './shared/metrics.ts';
import { createWebhookNotifier } from './shared/webhooks.ts';
import { linkAlarmsToOrders } from './work-orders/alarm-link.ts';
import { createAttachmentFiles } from './work-orders/attachment-files.ts';
import { createDirectory } from './work-orders/people.ts';
import { createSlaPolicy } from './work-orders/sla.ts';
import { announceWorkOrders } from './work-orders/work-order-announcer.ts';
import { createWorkOrderService } from './work-orders/work-order-service.ts';
import { createKyselyWorkOrderStore } from './work-orders/work-order-store.kysely.ts';

export const VERSION = '0.1.0';
export type { Fms } from './runtime/fms.ts';

/**
 * The composition root's wiring: opens the adapters, creates the services, connects their events,
 * starts the jobs and the listeners. main.ts and the end-to-end tests start FMS through here. What
 * runs FMS beyond wiring lives in runtime/ (jobs, system alarms, health, gauges, certificates).
 */
export async function startFms(config: Config, log: Logger, now: () => number = Date.now): Promise<Fms> {
  const closers = createClosers(log);
  const jobs = createJobs(closers, log);
  const svc = (name: string) => log.child({ svc: name });
  try {
    if (config.dataDir !== ':memory:') mkdirSync(config.dataDir, { recursive: true });
    const metrics = createMetrics();
    const database = await openDatabase(config.dataDir, config.databaseUrl);
    closers.add('database', () => database.close());
    const rejected = createRejectedLog();
    const telemetry = await openTelemetryStore(config, svc('telemetry'), (line, reason) =>
      rejected.add(now(), '(telemetry store)', 'store_refused', `the telemetry store refused this reading: ${reason}`, Buffer.from(line)),
    );
    closers.add('telemetry store', () => telemetry.close());

    const assets = await createAssetRegistry(createKyselyAssetStore(database.db), now);
    const synced = await assets.syncFromConfig(config.estate.assets);
    if (synced.added || synced.updated) log.info(synced, 'assets registered from the config file');
    const estate = createEstate(config, assets);
    // Who did what, from where: sign-ins, keys and credentials, rule changes, acceptance, refusals.
    const audit = createAuditLog({ store: createKyselyAuditStore(database.db), now, log: svc('audit') });
    closers.add('audit log', () => audit.flush());
    const apiKeys = createApiKeys(createKyselyApiKeyStore(database.db), now, config.adminKey);
    const credentials = createDeviceCredentials(createKyselyDeviceCredentialStore(database.db), now);
    // People's console accounts and sessions (a session passes the same access checks as a key).
    const accounts = createAccounts({
      store: createKyselyAccountStore(database.db),
      sessions: createKyselySessionStore(database.db),
      audit,
      now,
      sessionIdleMs: config.sessions.idleMs,
      sessionMaxAgeMs: config.sessions.maxAgeMs,
      lockMaxMs: config.sessions.lockMaxMs,
    });
    const broker = openBroker({ config, log, metrics, rejected, audit, apiKeys, credentials, assets, now });

    const rules = createRuleEngine([]);
    const ruleService = await createRuleService({
      store: createKyselyRuleStore(database.db),
      engine: rules,
      fileRules: [
        ...loadDefaultRules().map((rule) => ({ rule, origin: 'default' as const })),
        ...config.estate.rules.map((rule) => ({ rule, origin: 'config' as const })),
      ],
      log: svc('rules'),
      now,
    });
    const ruleById = (id: string) => rules.rules().find((r) => r.id === id);
    const webhooks = createWebhookNotifier({ hooks: config.estate.webhooks, log: svc('webhooks'), metrics });
    closers.add('webhooks', () => webhooks.close());

    const alarmStore = createKyselyAlarmStore(database.db);
    const workOrderStore = createKyselyWorkOrderStore(database.db);
    const workOrders = createWorkOrderService({
      store: workOrderStore,
      log: svc('work-orders'),
      metrics,
      now,
      timeZone: config.timeZone,
      siteTimeZone: estate.timeZoneOf,
      directory: createDirectory(config.estate.people, config.estate.teams, config.estate.dispatch),
      sla: createSlaPolicy(config.estate.sla, estate.timeZoneOf),
      process: config.estate.workOrders,
      assets,
      faultAlarms: (assetId, fault, since) => alarmStore.ofFault(assetId, fault, since),
      ruleById,
      files: createAttachmentFiles(keptFolder(config.attachments.dir, 'attachments', closers)),
      attachmentMaxBytes: config.attachments.maxBytes,
    });
    const alarms = createAlarmService({ store: alarmStore, log: svc('alarms'), metrics, now, maintenance: assets });
    // Events, not callbacks: who listens to alarms and work orders.
    announceAlarms(alarms, { telemetry, bus: broker, notify: webhooks.notify, log: svc('alarms') });
    announceWorkOrders(workOrders, { bus: broker, notify: webhooks.notify, log: svc('work-orders') });
    linkAlarmsToOrders({ alarms, workOrders, ruleById, metrics, now, log: svc('work-orders') });
    feedBackToRules(alarms, rules);

    const pmStore = createKyselyPmStore(database.db);
    const templates = config.estate.pmTemplates ? loadPlanTemplates() : [];
    const pmPlans = await createPmPlanService({ store: pmStore, templates, filePlans: config.estate.pmPlans, now });
    const pm = createPmScheduler({
      store: pmStore,
      plans: pmPlans,
      assets,
      workOrders,
      telemetry,
      siteTimeZone: estate.timeZoneOf,
      log: svc('pm'),
      metrics,
      now,
    });
    // Looked for at the first PDF; glyphs no font has (Chinese without a CJK font) are logged once, with the package to install.
    const fonts = reportFonts(() => findFonts(config.reports.font), svc('reports'));
    // Each asset's condition, assessed the same way for reports, the API, predictive orders and Grafana.
    const conditions = createConditionService({
      telemetry,
      repairs: resolvedRepairs(workOrderStore),
      // What the estate's own failures teach, relearnt daily (fleet-learning.ts); the default prior until then.
      prior: (type, metric) => learning.priorFor(type, metric),
      fleetRul: (type, series) => learning.fleetRul(type, series),
    });
    const learning = createFleetLearning({
      workOrders: workOrderStore,
      hours: conditions.hours,
      assetType: (id) => assets.get(id)?.type,
      now,
      log: svc('condition'),
    });
    const assetHealth = createAssetHealth({ conditions, alarms: alarmStore, workOrders: workOrderStore, pm: pmStore, now });
    const reports = createReportService({
      store: createKyselyReportStore(database.db),
      assets,
      workOrders: workOrderStore,
      alarms: alarmStore,
      pm: pmStore,
      conditions,
      folder: keptFolder(config.dataDir === ':memory:' ? undefined : path.join(config.dataDir, 'reports'), 'reports', closers),
      siteTimeZone: estate.timeZoneOf,
      fonts,
      knownSite: estate.knows,
      log: svc('reports'),
      now,
    });

    const coordinator = openCoordinator(config, log);
    const cluster = coordinator.health().mode === 'cluster';
    const leader = () => coordinator.isLeader();
    const reportScheduler = createReportScheduler({
      reports,
      config: config.estate.reports,
      targets: estate.reportTargets,
      log: svc('reports'),
      now,
      isLeader: leader,
    });

    const ruleStates = createKyselyRuleStateStore(database.db);
    await keepRuleState({ rules, ruleStates, alarms, coordinator, now, log }, jobs, closers);
    closers.add('alarm queue', () => alarms.drain());

    const systemAlarms = createSystemAlarms(alarms, { downAlarmAfterMs: config.spool.downAlarmAfterMs, now });
    const onTickError = (err: unknown) => log.error({ err }, 'flapping alarms not cleared');
    startTicker(jobs, { rules, alarms, assets, coordinator, broker, telemetry, systemAlarms, now, onError: onTickError });
    const auditRetentionMs = config.audit.retentionMs;
    const conditionWatch = createConditionWatch({
      health: assetHealth,
      // The Grafana asset board's condition panels read what each check found.
      record: (h) => {
        for (const x of h.indicators) telemetry.writeCondition(conditionPoint(h, x));
      },
      assets,
      workOrders,
      windowMs: config.prediction.windowMs,
      siteTimeZone: estate.timeZoneOf,
      now,
      log: svc('condition'),
    });
    scheduleEstateJobs(jobs, {
      leader,
      cluster,
      workOrders,
      assets,
      alarmStore,
      telemetry,
      audit,
      auditRetentionMs,
      accounts,
      pm,
      pmPlans,
      ruleService,
      conditionWatch,
      learning,
      now,
      log,
    });
    reportScheduler.start();
    closers.add('report scheduler', () => reportScheduler.stop());

    const ingest = createIngest({ assets, telemetry, rules, alarms, rejected, metrics, log: svc('ingest') });
    const register = { isKnown: (id: string) => assets.get(id) !== undefined, reload: () => assets.refresh() };
    const partitioned = createPartitionedIngest({ coordinator, handle: ingest.handle, now, ...(cluster ? { register } : {}) });
    handOverPartitions({ coordinator, partitioned, rules, ruleStates, alarms, now, log });
    await coordinator.start();
    registerGauges(metrics, { telemetry, broker, workOrders, rejected, coordinator });

    const alarmQueue = () => alarms.pending;
    const health = createHealthReport({ broker, telemetry, database, coordinator, alarmQueue, instanceId: config.instanceId, version: VERSION, now });
    const api = await buildApi({
      ...{
        assets,
        telemetry,
        rejected,
        rules: ruleService,
        alarms,
        workOrders,
        metrics,
        health,
        now,
        pmPlans,
        pm,
        reports,
        assetHealth,
        credentials,
        apiKeys,
        accounts,
        audit,
      },
      log: svc('api'),
      version: VERSION,
      attachmentMaxBytes: config.attachments.maxBytes,
      rateLimitPerMinute: config.http.rateLimitPerMinute,
      apiAuth: config.http.auth,
      tls: config.http.tls,
      trustProxy: config.http.trustProxy,
      sites: estate.sites,
    });
    await listening(api.listen({ host: config.http.host, port: config.http.port }), config);
    closers.add('http api', () => api.close());
    // The broker opens last and closes first: no message arrives before ingest can take it, and none
    // after the stores have begun closing; the partitions are handed over with their state after it.
    closers.add('cluster coordination', () => coordinator.stop());
    // One instance owns every partition: messages go straight to ingest, with nothing added per message.
    await listening(broker.start(cluster ? partitioned.handle : ingest.handle), config);
    closers.add('mqtt broker', () => broker.close());

    const urls = urlsOf(config, api, broker);
    const mqttAuth = config.mqtt.url ? 'the broker’s' : config.mqtt.auth;
    const where = { http: urls.httpUrl, mqtt: urls.mqttUrl, ...(urls.mqttsUrl ? { mqtts: urls.mqttsUrl } : {}) };
    log.info({ ...where, apiAuth: config.http.auth, mqttAuth, dataDir: config.dataDir, assets: assets.list().length }, 'fms started');
    // Only now that FMS listens: a start that failed does not spend the one-time key.
    if (config.http.auth === 'keys' && !config.adminKey) await issueFirstAdminKey({ apiKeys, audit, log, print: (text) => process.stdout.write(text) });

    const https = config.http.tls ? (api.server as unknown as TlsServer) : undefined;
    const certificates = watchCertificates(config.tlsFiles, { mqtt: 'setTlsContext' in broker ? broker : undefined, https }, log);
    closers.add('certificate watch', () => certificates.close());
    let stopping: Promise<void> | undefined;
    return {
      ...urls,
      api,
      credentials,
      apiKeys,
      accounts,
      audit,
      assets,
      reports,
      reportScheduler,
      conditionWatch,
      reloadCertificates: certificates.reload,
      stop: () => (stopping ??= closers.closeAll()),
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}
