import { mkdirSync } from 'node:fs';
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
import { registerConsole } from './console/routes.ts';
import { createAssetRegistry } from './assets/asset-registry.ts';
import { createKyselyAssetStore } from './assets/asset-store.kysely.ts';
import { createKyselyDeviceCredentialStore } from './assets/device-credential-store.kysely.ts';
import { createDeviceCredentials } from './assets/device-credentials.ts';
import { createAuditLog } from './audit/audit-log.ts';
import { createKyselyAuditStore } from './audit/audit-store.kysely.ts';
import { createPartitionedIngest } from './cluster/partitioned-ingest.ts';
import type { Config } from './config/config.ts';
import { openDatabase } from './db/database.ts';
import { createIngest } from './ingest/ingest.ts';
import { createRejectedLog } from './ingest/rejected-log.ts';
import { createPmPlanService, loadPlanTemplates } from './pm/pm-plan-service.ts';
import { createPmScheduler } from './pm/pm-scheduler.ts';
import { createKyselyPmStore } from './pm/pm-store.kysely.ts';
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
import { openCondition } from './runtime/open-condition.ts';
import { openResidents, type Wiring } from './runtime/open-residents.ts';
import { openDirectory } from './runtime/open-directory.ts';
import { openNotifications } from './runtime/open-notifications.ts';
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
import { linkAlarmsToOrders } from './work-orders/alarm-link.ts';
import { createAttachmentFiles } from './work-orders/attachment-files.ts';
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
export async function startFms(config: Config, log: Logger, now: () => number = Date.now, wiring: Wiring = {}): Promise<Fms> {
  const closers = createClosers(log);
  const metrics = createMetrics();
  const jobs = createJobs(closers, log, metrics);
  const svc = (name: string) => log.child({ svc: name });
  try {
    if (config.dataDir !== ':memory:') mkdirSync(config.dataDir, { recursive: true });
    const database = await openDatabase(config.dataDir, config.databaseUrl);
    closers.add('database', () => database.close());
    jobs.every('database statistics', { every: 3_600_000 }, () => database.optimize());
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
    assets.onRemoved((id) => credentials.revoke(id)); // a removed asset's secret ends, and its device goes
    // People's console accounts and sessions (a session passes the same access checks as a key).
    const accounts = createAccounts({
      ...{ store: createKyselyAccountStore(database.db), sessions: createKyselySessionStore(database.db), audit, now },
      ...{ sessionIdleMs: config.sessions.idleMs, sessionMaxAgeMs: config.sessions.maxAgeMs, lockMaxMs: config.sessions.lockMaxMs },
      passwordScrypt: config.sessions.passwordScrypt,
    });
    const broker = openBroker({ config, log, metrics, rejected, audit, apiKeys, credentials, assets, now });

    const rules = createRuleEngine([]);
    const fileRules = [
      ...loadDefaultRules().map((rule) => ({ rule, origin: 'default' as const })),
      ...config.estate.rules.map((rule) => ({ rule, origin: 'config' as const })),
    ];
    const ruleService = await createRuleService({ store: createKyselyRuleStore(database.db), engine: rules, fileRules, log: svc('rules'), now });
    const ruleById = (id: string) => rules.rules().find((r) => r.id === id);

    const alarmStore = createKyselyAlarmStore(database.db);
    const workOrderStore = createKyselyWorkOrderStore(database.db);
    const directory = await openDirectory({ db: database.db, config, sites: estate.sites, audit, log: svc('directory'), now });
    const workOrders = createWorkOrderService({
      store: workOrderStore,
      log: svc('work-orders'),
      metrics,
      now,
      timeZone: config.timeZone,
      siteTimeZone: estate.timeZoneOf,
      directory: directory.current,
      sla: createSlaPolicy(config.estate.sla, estate.timeZoneOf),
      process: config.estate.workOrders,
      assets,
      faultAlarms: (assetId, fault, since) => alarmStore.ofFault(assetId, fault, since),
      ruleById,
      files: createAttachmentFiles(keptFolder(config.attachments.dir, 'attachments', closers)),
      attachmentMaxBytes: config.attachments.maxBytes,
      attachmentQuota: config.attachments.perOrder,
    });
    const alarms = createAlarmService({ store: alarmStore, log: svc('alarms'), metrics, now, maintenance: assets });
    const listeningAt: { http?: string } = {}; // links in messages, unless FMS_PUBLIC_URL says otherwise
    const { timeZoneOf, languageOf: siteLanguage } = estate;
    const notifications = openNotifications({
      ...{ config, db: database.db, directory: directory.current, workOrders, alarms, accounts, siteLanguage, timeZoneOf, httpUrl: () => listeningAt.http },
      ...{ metrics, audit, closers, log: svc('notifications'), now },
    });
    // Events, not callbacks: who listens to alarms and work orders.
    announceAlarms(alarms, { telemetry, bus: broker, notify: notifications.webhook, log: svc('alarms') });
    announceWorkOrders(workOrders, { bus: broker, notify: notifications.webhook, log: svc('work-orders') });
    linkAlarmsToOrders({ alarms, workOrders, ruleById, metrics, now, log: svc('work-orders') });
    feedBackToRules(alarms, rules);

    const pmStore = createKyselyPmStore(database.db);
    const templates = config.estate.pmTemplates ? loadPlanTemplates() : [];
    const pmPlans = await createPmPlanService({ store: pmStore, templates, filePlans: config.estate.pmPlans, now });
    const pmDeps = { store: pmStore, plans: pmPlans, assets, workOrders, telemetry, siteTimeZone: estate.timeZoneOf };
    const pm = createPmScheduler({ ...pmDeps, log: svc('pm'), metrics, now });
    const coordinator = openCoordinator(config, log);
    const cluster = coordinator.health().mode === 'cluster';
    const leader = () => coordinator.isLeader();
    const { assetHealth, conditionWatch, learning, reports, reportScheduler } = openCondition({
      ...{ config, db: database.db, telemetry, assets, alarmStore, workOrderStore, workOrders, pmStore, estate, closers },
      ...{ isLeader: leader, now, svc },
    });

    const ruleStates = createKyselyRuleStateStore(database.db);
    await keepRuleState({ rules, ruleStates, alarms, coordinator, now, log }, jobs, closers);
    closers.add('alarm queue', () => alarms.drain());

    const systemAlarms = createSystemAlarms(alarms, { downAlarmAfterMs: config.spool.downAlarmAfterMs, now });
    const onTickError = (err: unknown) => log.error({ err }, 'flapping alarms not cleared');
    startTicker(jobs, { rules, alarms, assets, coordinator, broker, telemetry, systemAlarms, now, onError: onTickError });
    const auditRetentionMs = config.audit.retentionMs;
    scheduleEstateJobs(jobs, {
      ...{ leader, cluster, workOrders, assets, alarmStore, telemetry, audit, auditRetentionMs, accounts, pm, pmPlans, ruleService, directory },
      ...{ conditionWatch, learning, now, log },
    });
    notifications.deliverReports(reports, reportScheduler);
    reportScheduler.start();
    closers.add('report scheduler', () => reportScheduler.stop());

    const ingest = createIngest({ assets, telemetry, rules, alarms, rejected, metrics, log: svc('ingest') });
    const register = { isKnown: (id: string) => assets.get(id) !== undefined, reload: () => assets.refresh() };
    const partitioned = createPartitionedIngest({ coordinator, handle: ingest.handle, now, ...(cluster ? { register } : {}) });
    handOverPartitions({ coordinator, partitioned, rules, ruleStates, alarms, now, log });
    await coordinator.start();
    registerGauges(metrics, { telemetry, broker, workOrders, rejected, coordinator });

    const alarmQueue = () => alarms.pending;
    const health = createHealthReport({
      ...{ broker, telemetry, database, coordinator, alarmQueue, notifications: notifications.health, instanceId: config.instanceId, version: VERSION, now },
    });
    const api = await buildApi({
      ...{ assets, telemetry, rejected, rules: ruleService, alarms, workOrders, directory, metrics, health, now, pmPlans, pm, reports },
      ...{ assetHealth, credentials, apiKeys, accounts, audit, outbox: notifications.store },
      ...{ log: svc('api'), version: VERSION, attachmentMaxBytes: config.attachments.maxBytes, rateLimitPerMinute: config.http.rateLimitPerMinute },
      ...{ apiAuth: config.http.auth, tls: config.http.tls, trustProxy: config.http.trustProxy, requestTimeoutMs: config.http.requestTimeoutMs },
      sites: estate.sites,
    });
    await registerConsole(api, {
      ...{ workOrders, alarms, audit, log: svc('console'), now, sites: estate.sites, timeZoneOf: estate.timeZoneOf },
      ...{ attachmentMaxBytes: config.attachments.maxBytes, notices: { unseen: notifications.store.unread, on: notifications.notifier.on } },
    });
    await openResidents(api, {
      config,
      db: database.db,
      workOrders,
      assets,
      estate,
      metrics,
      log: svc('residents'),
      now,
      tell: wiring.tell ?? notifications.tellResident,
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
    listeningAt.http = urls.httpUrl;
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
