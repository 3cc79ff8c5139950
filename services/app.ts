import { mkdirSync, mkdtempSync, readFileSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import { Gauge } from 'prom-client';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { createAlarmService } from './alarms/alarm-service.ts';
import { createKyselyAlarmStore } from './alarms/alarm-store.kysely.ts';
import { buildApi, type Api } from './api/server.ts';
import type { HealthReport } from './api/routes/health.ts';
import { createAssetRegistry } from './assets/asset-registry.ts';
import { createEmbeddedBroker, type EmbeddedBroker } from './broker/message-bus.aedes.ts';
import { openDatabase } from './db/database.ts';
import { createIngest } from './ingest/ingest.ts';
import { createRejectedLog } from './ingest/rejected-log.ts';
import { createRuleEngine } from './rules/rule-engine.ts';
import { loadDefaultRules } from './rules/rule-loader.ts';
import { createRuleService } from './rules/rule-service.ts';
import { createKyselyRuleStore } from './rules/rule-store.kysely.ts';
import { createKyselyRuleStateStore } from './rules/rule-state-store.kysely.ts';
import type { Config } from './shared/config.ts';
import { createMetrics } from './shared/metrics.ts';
import { createWebhookNotifier } from './shared/webhooks.ts';
import { createInfluxTelemetryStore } from './telemetry/telemetry-store.influx.ts';
import { createSqliteTelemetryStore } from './telemetry/telemetry-store.sqlite.ts';
import type { TelemetryStore } from './telemetry/telemetry-store.ts';
import { estateStatus } from './estate-status.ts';
import { createPmPlanService, loadPlanTemplates } from './pm/pm-plan-service.ts';
import { createExternalBroker, type ExternalBroker } from './broker/message-bus.mqtt.ts';
import { createRateLimitedLog } from './broker/mqtt-guard.ts';
import { createDeviceCredentials } from './assets/device-credentials.ts';
import { createKyselyDeviceCredentialStore } from './assets/device-credential-store.kysely.ts';
import { createApiKeys, type ApiKeys } from './api/api-keys.ts';
import { createKyselyApiKeyStore } from './api/api-key-store.kysely.ts';
import { createAuditLog, type AuditLog } from './audit/audit-log.ts';
import { createKyselyAuditStore } from './audit/audit-store.kysely.ts';
import type { BrokerAuth, MqttIdentity } from './broker/message-bus.aedes.ts';
import type { DeviceCredentials } from './assets/device-credentials.ts';
import { createPostgresCoordinator, partitionOf, singleInstance, type Coordinator } from './cluster/coordinator.ts';
import { createPartitionedIngest } from './cluster/partitioned-ingest.ts';
import { createReportService, type ReportService } from './reports/report-service.ts';
import { createKyselyReportStore } from './reports/report-store.kysely.ts';
import { createReportScheduler, type ReportScheduler } from './reports/report-scheduler.ts';
import { findFont } from './reports/report-font.ts';
import { createPmScheduler } from './pm/pm-scheduler.ts';
import { createKyselyPmStore } from './pm/pm-store.kysely.ts';
import { createAttachmentFiles } from './work-orders/attachment-files.ts';
import { createDirectory } from './work-orders/people.ts';
import { createSlaPolicy } from './work-orders/sla.ts';
import { createWorkOrderService } from './work-orders/work-order-service.ts';
import { createKyselyWorkOrderStore } from './work-orders/work-order-store.kysely.ts';

export const VERSION = '0.1.0';

export interface Fms {
  /** Where the HTTP API listens, e.g. http://127.0.0.1:3000. */
  httpUrl: string;
  /** Where the embedded broker listens, e.g. mqtt://127.0.0.1:1883 (mqtts:// when it listens on TLS only). */
  mqttUrl: string;
  /** Where the embedded broker listens on TLS, e.g. mqtts://127.0.0.1:8883, when configured. */
  mqttsUrl: string | undefined;
  api: Api;
  /** Device MQTT credentials (the demo issues its devices' own). */
  credentials: DeviceCredentials;
  /** API keys (the demo issues its crew's own). */
  apiKeys: ApiKeys;
  audit: AuditLog;
  assets: Awaited<ReturnType<typeof createAssetRegistry>>;
  reports: ReportService;
  reportScheduler: ReportScheduler;
  /**
   * Reads the TLS certificates again (renewed in place) and gives them to new connections; open ones
   * keep theirs. Also done by itself when the files change, and on SIGHUP. Resolves to what was reloaded.
   */
  reloadCertificates(): Promise<string[]>;
  /** Stops accepting, flushes buffers and closes stores, in reverse order of opening. */
  stop(): Promise<void>;
}

/**
 * Opens the adapters, creates the services and starts them. The composition root (main.ts) and the
 * end-to-end tests both start FMS through here.
 */
export async function startFms(config: Config, log: Logger, now: () => number = Date.now): Promise<Fms> {
  const closers: { name: string; close: () => Promise<void> }[] = [];
  try {
    if (config.dataDir !== ':memory:') mkdirSync(config.dataDir, { recursive: true });
    const metrics = createMetrics();

    const database = await openDatabase(config.dataDir, config.databaseUrl);
    closers.push({ name: 'database', close: () => database.close() });

    const rejected = createRejectedLog();
    const refusalLog = createRateLimitedLog(60_000);
    const telemetry = await openTelemetryStore(config, log.child({ svc: 'telemetry' }), (line, reason) =>
      rejected.add(now(), '(telemetry store)', 'store_refused', `the telemetry store refused this reading: ${reason}`, Buffer.from(line)),
    );
    closers.push({ name: 'telemetry store', close: () => telemetry.close() });

    const assets = await createAssetRegistry(database.db, now);
    const synced = await assets.syncFromConfig(config.estate.assets);
    if (synced.added || synced.updated) log.info(synced, 'assets registered from the config file');

    // Who did what, from where: sign-ins, keys and credentials, rule changes, acceptance, refusals.
    const audit = createAuditLog({ store: createKyselyAuditStore(database.db), now, log: log.child({ svc: 'audit' }) });
    closers.push({ name: 'audit log', close: () => audit.flush() });
    const apiKeys = createApiKeys(createKyselyApiKeyStore(database.db), now, config.adminKey);

    // The embedded aedes broker by default; an external one (Mosquitto, EMQX, HiveMQ) with FMS_MQTT_URL.
    const credentials = createDeviceCredentials(createKyselyDeviceCredentialStore(database.db), now);
    const mqttAuth: BrokerAuth = {
      verifyDevice: (assetId, secret) => credentials.verify(assetId, secret),
      certificateDevice: async (assetId) => assets.get(assetId) !== undefined && !(await credentials.revoked(assetId)),
      async verifyKey(token) {
        const r = await apiKeys.verify(token);
        return 'refused' in r ? r : { id: r.key.id, name: r.key.name, role: r.key.role, expiresAt: r.key.expiresAt, sites: r.key.sites };
      },
    };
    const actorOf = (who: MqttIdentity | undefined) =>
      !who
        ? { actor: 'anonymous' }
        : who.kind === 'device'
          ? { actor: `device:${who.assetId}`, actorName: who.assetId, actorRole: 'device' }
          : { actor: `key:${who.keyId}`, actorName: who.name, actorRole: who.role };
    const throttleLog = createRateLimitedLog(60_000);
    const broker: EmbeddedBroker | ExternalBroker = config.mqtt.url
      ? createExternalBroker({
          url: config.mqtt.url,
          clientId: `fms-${config.instanceId}`,
          persistentSession: config.instanceIdGiven,
          ca: config.mqtt.ca,
          log: log.child({ svc: 'broker' }),
        })
      : createEmbeddedBroker({
          host: config.mqtt.host,
          port: config.mqtt.port,
          ...(config.mqtt.tls ? { tls: { ...config.mqtt.tls, ...(config.mqtt.ca ? { ca: config.mqtt.ca } : {}) } } : {}),
          log: log.child({ svc: 'broker' }),
          maxPacketBytes: config.mqtt.maxPacketBytes,
          maxConnectionsPerIp: config.mqtt.maxConnectionsPerIp,
          maxMessagesPerSecond: config.mqtt.maxMessagesPerSecond,
          ...(config.mqtt.auth === 'devices' ? { auth: mqttAuth } : {}),
          onRefused: (reason, address, detail, who) => {
            metrics.mqttRefused.labels(reason).inc();
            const kind =
              reason === 'packet_too_large' ? 'too_large' : reason === 'not_allowed' ? 'not_allowed' : reason === 'topic_too_long' ? 'topic' : 'connection';
            rejected.add(
              now(),
              `(client at ${address})`,
              kind,
              reason === 'not_allowed' || reason === 'topic_too_long' ? `refused: ${detail}` : `connection refused: ${detail}`,
              Buffer.alloc(0),
            );
            if (reason === 'auth_failed') audit.record({ ...actorOf(who), action: 'mqtt.login', outcome: 'failed', address, target: null, detail });
            if (reason === 'not_allowed')
              audit.record({ ...actorOf(who), action: 'access.denied', outcome: 'denied', address, target: detail.replace(/^.* may not /, ''), detail });
            // One line per address and reason a minute at most: a flood must not flood the log.
            refusalLog(`${reason} ${address}`, (suppressed) => log.warn({ reason, address, suppressed }, `MQTT connection refused: ${detail}`));
          },
          onThrottled: (sender, address) => {
            metrics.mqttThrottled.inc();
            throttleLog(sender, (suppressed) =>
              log.warn(
                { sender, address, suppressed },
                `${sender} sends more than ${config.mqtt.maxMessagesPerSecond} messages a second: its messages are slowed down (FMS_MQTT_MAX_MSGS_PER_SEC)`,
              ),
            );
          },
          onSignedIn: (who, address) => {
            audit.record({
              ...actorOf(who),
              action: 'mqtt.login',
              outcome: 'ok',
              address,
              target: null,
              detail: who.kind === 'device' ? `device, by ${who.by}` : 'service client',
            });
            if (who.kind === 'service') apiKeys.touch(who.keyId, now()).catch((err) => log.warn({ err: (err as Error).message }, 'key use not noted'));
          },
        });

    // A rotated or revoked secret ends the connections that used it, at once; so does a revoked API key.
    credentials.onChanged((assetId) => {
      if ('disconnectAsset' in broker) {
        const n = broker.disconnectAsset(assetId);
        if (n > 0) log.info({ assetId, clients: n }, 'device credentials changed: its connections closed');
      }
    });
    apiKeys.onRevoked((keyId) => {
      if ('disconnectKey' in broker) {
        const n = broker.disconnectKey(keyId);
        if (n > 0) log.info({ keyId, clients: n }, 'API key revoked: its MQTT connections closed');
      }
    });
    const rules = createRuleEngine([]);
    const ruleService = await createRuleService({
      store: createKyselyRuleStore(database.db),
      engine: rules,
      fileRules: [
        ...loadDefaultRules().map((rule) => ({ rule, origin: 'default' as const })),
        ...config.estate.rules.map((rule) => ({ rule, origin: 'config' as const })),
      ],
      log: log.child({ svc: 'rules' }),
      now,
    });
    const webhooks = createWebhookNotifier({ hooks: config.estate.webhooks, log: log.child({ svc: 'webhooks' }), metrics });
    closers.push({ name: 'webhooks', close: () => webhooks.close() });
    const alarmStore = createKyselyAlarmStore(database.db);
    const workOrderStore = createKyselyWorkOrderStore(database.db);
    // FMS_DATA_DIR=:memory: keeps nothing: attachments then go to a temporary folder, removed at stop.
    let attachmentsDir = config.attachments.dir;
    if (!attachmentsDir) {
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'fms-attachments-'));
      closers.push({ name: 'temporary attachments', close: async () => rmSync(tmp, { recursive: true, force: true }) });
      attachmentsDir = tmp;
    }
    // The estate's sites: those of the estate file, and any a registered asset names.
    const estateSites = () => [...new Set([...config.estate.sites.map((s) => s.id), ...assets.list().map((a) => a.site)])];
    const siteTimeZone = (site: string | null) => config.estate.sites.find((s) => s.id === site)?.timeZone ?? config.timeZone;
    const workOrders = createWorkOrderService({
      store: workOrderStore,
      bus: broker,
      log: log.child({ svc: 'work-orders' }),
      metrics,
      now,
      timeZone: config.timeZone,
      siteTimeZone,
      directory: createDirectory(config.estate.people, config.estate.teams, config.estate.dispatch),
      sla: createSlaPolicy(config.estate.sla, siteTimeZone),
      process: config.estate.workOrders,
      assets,
      faultAlarms: (assetId, fault, since) => alarmStore.ofFault(assetId, fault, since),
      ruleById: (id) => rules.rules().find((r) => r.id === id),
      files: createAttachmentFiles(attachmentsDir),
      attachmentMaxBytes: config.attachments.maxBytes,
      notify: webhooks.notify,
    });
    const pmStore = createKyselyPmStore(database.db);
    const pmPlans = await createPmPlanService({
      store: pmStore,
      templates: config.estate.pmTemplates ? loadPlanTemplates() : [],
      filePlans: config.estate.pmPlans,
      now,
    });
    const pm = createPmScheduler({ store: pmStore, plans: pmPlans, assets, workOrders, telemetry, siteTimeZone, log: log.child({ svc: 'pm' }), metrics, now });
    const reportsFolder = config.dataDir === ':memory:' ? mkdtempSync(path.join(os.tmpdir(), 'fms-reports-')) : path.join(config.dataDir, 'reports');
    if (config.dataDir === ':memory:') closers.push({ name: 'temporary reports', close: async () => rmSync(reportsFolder, { recursive: true, force: true }) });
    const font = findFont(config.reports.font);
    const reports = createReportService({
      store: createKyselyReportStore(database.db),
      assets,
      workOrders: workOrderStore,
      alarms: alarmStore,
      pm: pmStore,
      telemetry,
      folder: reportsFolder,
      siteTimeZone,
      font,
      knownSite: (site) => config.estate.sites.some((s) => s.id === site),
      log: log.child({ svc: 'reports' }),
      now,
    });
    if (!font) log.info('no font with Chinese glyphs found: English report PDFs use Helvetica, Chinese ones are not made (set FMS_REPORT_FONT)');
    const reportSettings = config.estate.reports;
    const reportScheduler = createReportScheduler({
      reports,
      config: reportSettings,
      targets: () => {
        const sites = estateSites();
        const perSite = sites.map((id) => ({
          site: id,
          timeZone: siteTimeZone(id),
          language: config.estate.sites.find((s) => s.id === id)?.language ?? reportSettings.language,
        }));
        return reportSettings.estate && sites.length > 1 ? [{ site: null, timeZone: config.timeZone, language: reportSettings.language }, ...perSite] : perSite;
      },
      log: log.child({ svc: 'reports' }),
      now,
      isLeader: () => coordinator.isLeader(),
    });
    const alarms = createAlarmService({
      store: alarmStore,
      workOrders,
      telemetry,
      bus: broker,
      log: log.child({ svc: 'alarms' }),
      metrics,
      now,
      maintenance: assets,
      forget: (assetId, ruleId) => rules.forget(assetId, ruleId),
      notify: webhooks.notify,
      onAcknowledged: (alarm) => rules.resetUsage(alarm.assetId, alarm.ruleId),
    });
    // Pending `for` timers and counts first, then the open alarms: a restart resumes both.
    const ruleStates = createKyselyRuleStateStore(database.db);
    // Several instances (an external broker and PostgreSQL) split the assets into partitions and elect
    // a leader for the scheduled jobs (docs/scaling.md); one instance owns everything.
    const coordinator: Coordinator =
      config.mqtt.url && config.databaseUrl
        ? createPostgresCoordinator({ url: config.databaseUrl, instanceId: config.instanceId, log: log.child({ svc: 'cluster' }) })
        : singleInstance(config.instanceId);
    const mine = (assetId: string) => coordinator.ownsAsset(assetId);
    if (coordinator.health().mode === 'cluster' && !config.influx) {
      log.warn(
        'several instances need a shared telemetry store: set FMS_INFLUX_URL, or each instance keeps only the readings of its own partitions (docs/scaling.md)',
      );
    }
    if (coordinator.health().mode === 'single') {
      rules.importStates(await ruleStates.load());
      const restored = await alarms.restore(rules);
      if (restored > 0) log.info({ alarms: restored }, 'open alarms restored');
    }
    const saveRuleStates = () => ruleStates.save(rules.exportStates(), now(), mine);
    const stateSaver = setInterval(() => void saveRuleStates().catch((err) => log.error({ err }, 'rule state not saved')), 10_000);
    stateSaver.unref();
    closers.push({
      name: 'rule state',
      close: async () => {
        clearInterval(stateSaver);
        await saveRuleStates();
      },
    });
    closers.push({ name: 'alarm queue', close: () => alarms.drain() });

    // Every second: event alarms clear themselves once their event has stopped coming for a while,
    // and the telemetry store's state becomes a system alarm when it stays down or its spool fills.
    let brokerUpSince: number | null = null;
    // Silence rules ("no data for 10 minutes") watch only the assets this instance evaluates.
    function* ownedAssets() {
      for (const a of assets.all()) if (coordinator.ownsAsset(a.id)) yield a;
    }
    const ticker = setInterval(() => {
      const t = now();
      const brokerUp = broker.health().state === 'up';
      if (!brokerUp) brokerUpSince = null;
      else if (brokerUpSince === null) brokerUpSince = t;
      const signals = rules.tick(t, { targets: { [Symbol.iterator]: () => ownedAssets() }, brokerUpSince });
      if (signals.length > 0) alarms.handle(signals, now());
      alarms.tick(t, rules.rules()).catch((err) => log.error({ err }, 'flapping alarms not cleared'));
      watchTelemetryStore(telemetry.health());
      watchBroker(broker.health());
    }, 1000);
    ticker.unref();
    closers.push({ name: 'rule ticker', close: async () => clearInterval(ticker) });

    // Escalations, sensor checks and closing fall due by the orders' wake times in the database.
    let sweeping: Promise<unknown> = Promise.resolve();
    const sweeper = setInterval(() => {
      if (!coordinator.isLeader()) return;
      sweeping = sweeping.then(() => workOrders.sweep()).catch((err) => log.error({ err }, 'work-order sweep failed'));
    }, 5000);
    sweeper.unref();
    // The estate's state per site, every minute, for the Grafana overview board (InfluxDB keeps it).
    const statusTimer = setInterval(() => {
      if (!coordinator.isLeader()) return;
      void estateStatus(now(), assets, alarmStore, workOrders)
        .then((points) => points.forEach((p) => telemetry.writeStatus(p)))
        .catch((err) => log.warn({ err }, 'estate status not written'));
    }, 60_000);
    statusTimer.unref();
    closers.push({ name: 'estate status', close: async () => clearInterval(statusTimer) });
    // The audit log keeps FMS_AUDIT_RETENTION; the leader prunes it every hour.
    const auditPruner = setInterval(() => {
      if (!coordinator.isLeader()) return;
      audit.prune(now() - config.audit.retentionMs).catch((err) => log.warn({ err: (err as Error).message }, 'audit log not pruned'));
    }, 3_600_000);
    auditPruner.unref();
    closers.push({ name: 'audit pruning', close: async () => clearInterval(auditPruner) });

    // Preventive maintenance: what is due is read from the plans and the database every minute.
    let generating: Promise<unknown> = Promise.resolve();
    const generate = () => {
      if (!coordinator.isLeader()) return;
      generating = generating.then(() => pm.tick()).catch((err) => log.error({ err }, 'PM generation failed'));
    };
    const pmStart = setTimeout(generate, 1000);
    const pmTimer = setInterval(generate, 60_000);
    pmStart.unref();
    pmTimer.unref();
    closers.push({
      name: 'PM scheduler',
      close: async () => {
        clearTimeout(pmStart);
        clearInterval(pmTimer);
        await generating;
      },
    });
    reportScheduler.start();
    closers.push({ name: 'report scheduler', close: () => reportScheduler.stop() });
    closers.push({
      name: 'work-order sweep',
      close: async () => {
        clearInterval(sweeper);
        await sweeping;
      },
    });

    const ingest = createIngest({ assets, telemetry, rules, alarms, rejected, metrics, log: log.child({ svc: 'ingest' }) });
    const partitioned = createPartitionedIngest({
      coordinator,
      handle: ingest.handle,
      now,
      ...(coordinator.health().mode === 'cluster'
        ? { register: { isKnown: (id: string) => assets.get(id) !== undefined, reload: () => assets.refresh() } }
        : {}),
    });
    const inPartitions = (parts: readonly number[]) => {
      const set = new Set(parts);
      return (assetId: string) => set.has(partitionOf(assetId));
    };
    coordinator.setHandlers({
      async acquired(parts) {
        partitioned.warm(parts);
        const which = inPartitions(parts);
        rules.importStates(await ruleStates.load(which));
        const restored = await alarms.restore(rules, which);
        const replayed = partitioned.replay(parts);
        log.info({ partitions: parts.length, alarms: restored, replayed }, 'partitions taken over: rule state loaded, kept messages replayed');
      },
      async releasing(parts) {
        const which = inPartitions(parts);
        await ruleStates.save(rules.exportStates(), now(), which);
        rules.dropAssets(which);
        alarms.forgetAssets(which);
      },
      lost(parts) {
        const which = inPartitions(parts);
        rules.dropAssets(which);
        alarms.forgetAssets(which);
      },
    });
    await coordinator.start();
    // Several instances: what another instance changed over the API (assets, rules, PM plans) reaches
    // this one within a few seconds.
    if (coordinator.health().mode === 'cluster') {
      let refreshing: Promise<unknown> = Promise.resolve();
      const refresher = setInterval(() => {
        refreshing = refreshing
          .then(async () => {
            const a = await assets.refresh();
            if (a.added || a.changed || a.removed) log.info(a, 'assets changed by another instance');
            await ruleService.refresh();
            await pmPlans.refresh();
          })
          .catch((err) => log.warn({ err: (err as Error).message }, 'could not take other instances’ changes; trying again'));
      }, 3000);
      refresher.unref();
      closers.push({
        name: 'cluster refresh',
        close: async () => {
          clearInterval(refresher);
          await refreshing;
        },
      });
    }
    metrics.gauge('fms_cluster_partitions_owned', 'Asset partitions this instance evaluates the rules of (of 64)', () => coordinator.owned().length);
    metrics.gauge('fms_cluster_leader', '1 when this instance runs the scheduled jobs', () => (coordinator.isLeader() ? 1 : 0));

    // An external broker that stays unreachable is a system alarm of its own (the embedded one is FMS itself).
    let brokerDownAlarm = false;
    function watchBroker(h: ReturnType<typeof broker.health>): void {
      const down = h.state === 'down' && h.downSince != null && now() - h.downSince >= config.spool.downAlarmAfterMs;
      if (down === brokerDownAlarm) return;
      brokerDownAlarm = down;
      alarms.setSystemAlarm(
        'system.broker-down',
        'critical',
        down,
        down ? `MQTT broker unreachable since ${new Date(h.downSince!).toISOString()}: ${h.detail ?? ''}; no device message arrives` : 'MQTT broker back',
      );
    }

    let storeDownAlarm = false;
    let spoolAlarm = false;
    function watchTelemetryStore(h: ReturnType<typeof telemetry.health>): void {
      const down = h.state === 'down' && h.downSince != null && now() - h.downSince >= config.spool.downAlarmAfterMs;
      if (down !== storeDownAlarm) {
        storeDownAlarm = down;
        alarms.setSystemAlarm(
          'system.telemetry-store-down',
          'critical',
          down,
          down ? `telemetry store down since ${new Date(h.downSince!).toISOString()}: ${h.detail ?? ''}; readings are spooled` : 'telemetry store back',
        );
      }
      const high = !!h.spool && h.spool.bytes >= 0.8 * h.spool.maxBytes;
      if (high !== spoolAlarm) {
        spoolAlarm = high;
        alarms.setSystemAlarm(
          'system.telemetry-spool-high',
          'major',
          high,
          high ? `telemetry spool at ${Math.round((100 * h.spool!.bytes) / h.spool!.maxBytes)} % of ${h.spool!.maxBytes} bytes` : 'telemetry spool below 80 %',
        );
      }
    }

    const started = now();
    async function health(): Promise<HealthReport> {
      const b = broker.health();
      const t = telemetry.health();
      const dbUp = await database.ping();
      const cluster = coordinator.health();
      const ok = b.state === 'up' && t.state === 'up' && dbUp && cluster.state === 'up';
      return {
        status: ok ? 'ok' : 'degraded',
        broker: b,
        telemetryStore: t,
        database: { state: dbUp ? 'up' : 'down' },
        cluster: { ...cluster, instance: config.instanceId },
        spoolDepth: t.spool?.points ?? 0,
        alarmQueue: alarms.pending,
        uptimeSeconds: Math.round((now() - started) / 1000),
        version: VERSION,
      };
    }
    metrics.gauge('fms_telemetry_pending_points', 'Telemetry points, events and alarm changes accepted and not yet written', () => telemetry.health().pending);
    metrics.gauge('fms_telemetry_written_points', 'Telemetry points (readings) written to the store since start', () => telemetry.health().written);
    metrics.gauge('fms_telemetry_store_up', '1 when the telemetry store accepts writes', () => (telemetry.health().state === 'up' ? 1 : 0));
    metrics.gauge('fms_telemetry_spool_points', 'Telemetry readings in the on-disk spool', () => telemetry.health().spool?.points ?? 0);
    metrics.gauge('fms_telemetry_spool_bytes', 'Size of the on-disk telemetry spool', () => telemetry.health().spool?.bytes ?? 0);
    metrics.gauge('fms_telemetry_dead_lettered_points', 'Readings the telemetry store refused as bad data', () => telemetry.health().deadLettered ?? 0);
    metrics.gauge('fms_telemetry_lost_points', 'Readings dropped because the spool was full', () => telemetry.health().lost ?? 0);
    new Gauge({
      name: 'fms_work_orders_open',
      help: 'Open work orders by priority, and whether they missed an SLA deadline',
      labelNames: ['priority', 'breached'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const r of await workOrders.countOpen()) this.labels(r.priority, String(r.breached)).inc(r.n);
      },
    });
    metrics.gauge('fms_mqtt_clients_connected', 'MQTT clients connected to the embedded broker', () => broker.health().clients ?? 0);
    metrics.gauge('fms_ingest_rejected_recent', 'Rejected messages kept for GET /api/ingest/rejected', () => rejected.recent().length);

    if (config.http.auth === 'keys' && !config.adminKey && !(await apiKeys.hasAdmin())) {
      // First start with keys required and no FMS_ADMIN_KEY: one admin key, shown here once.
      const { key, token } = await apiKeys.issue({ name: 'first admin (generated at first start)', role: 'admin' });
      audit.record({
        action: 'key.issued',
        outcome: 'ok',
        actor: 'system',
        target: `key ${key.id}`,
        detail: 'the first admin key, generated at first start and printed once',
      });
      process.stdout.write(
        `\nFMS generated an admin API key; it is shown only now, FMS keeps only its hash:\n  ${token}\nUse it as Authorization: Bearer <key>; issue people's keys with POST /api/keys.\n\n`,
      );
      log.warn('generated the first admin API key and printed it once (set FMS_ADMIN_KEY to choose your own)');
    }
    const api = await buildApi({
      assets,
      telemetry,
      rejected,
      rules: ruleService,
      alarms,
      workOrders,
      metrics,
      health,
      log: log.child({ svc: 'api' }),
      now,
      version: VERSION,
      attachmentMaxBytes: config.attachments.maxBytes,
      pmPlans,
      pm,
      reports,
      rateLimitPerMinute: config.http.rateLimitPerMinute,
      credentials,
      apiKeys,
      apiAuth: config.http.auth,
      audit,
      tls: config.http.tls,
      trustProxy: config.http.trustProxy,
      sites: estateSites,
    });
    await api.listen({ host: config.http.host, port: config.http.port });
    closers.push({ name: 'http api', close: () => api.close() });
    const httpAddress = api.server.address();
    const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.http.port;

    // The broker opens last and closes first: no message arrives before ingest can take it, and
    // none arrives after the stores have begun closing.
    // Stopping: the broker goes first (no more messages), then the partitions are handed over with their state.
    closers.push({ name: 'cluster coordination', close: () => coordinator.stop() });
    // One instance owns every partition: messages go straight to ingest, with nothing added per message.
    await broker.start(coordinator.health().mode === 'cluster' ? partitioned.handle : ingest.handle);
    closers.push({ name: 'mqtt broker', close: () => broker.close() });

    const httpUrl = `${config.http.tls ? 'https' : 'http'}://${hostForUrl(config.http.host)}:${httpPort}`;
    const tlsAddress = 'tlsAddress' in broker ? broker.tlsAddress() : undefined;
    const mqttsUrl = tlsAddress ? `mqtts://${hostForUrl(config.mqtt.host)}:${tlsAddress.port}` : undefined;
    const mqttUrl = config.mqtt.url
      ? redactUrl(config.mqtt.url)
      : config.mqtt.port === null && mqttsUrl
        ? mqttsUrl
        : `mqtt://${hostForUrl(config.mqtt.host)}:${broker.address().port}`;
    log.info(
      {
        http: httpUrl,
        mqtt: mqttUrl,
        ...(mqttsUrl ? { mqtts: mqttsUrl } : {}),
        apiAuth: config.http.auth,
        mqttAuth: config.mqtt.url ? 'the broker’s' : config.mqtt.auth,
        dataDir: config.dataDir,
        assets: assets.list().length,
        rules: rules.rules().length,
      },
      'fms started',
    );

    // Renewed certificates (certbot, cert-manager, the site CA script) are taken without a restart.
    async function reloadCertificates(): Promise<string[]> {
      const f = config.tlsFiles;
      const read = (file: string) => readFileSync(file, 'utf8');
      const done: string[] = [];
      if (f.mqttCert && f.mqttKey && 'setTlsContext' in broker) {
        const t = { cert: read(f.mqttCert), key: read(f.mqttKey), ...(f.mqttCa ? { ca: read(f.mqttCa) } : {}) };
        createSecureContext(t); // throws on a broken pair: the running context stays
        broker.setTlsContext(t);
        done.push('mqtt');
      }
      if (f.httpCert && f.httpKey) {
        const t = { cert: read(f.httpCert), key: read(f.httpKey) };
        createSecureContext(t);
        (api.server as unknown as TlsServer).setSecureContext({ ...t, minVersion: 'TLSv1.2' });
        done.push('https');
      }
      if (done.length > 0) log.info({ reloaded: done }, 'TLS certificates reloaded');
      return done;
    }
    const certificateFiles = Object.values(config.tlsFiles);
    let reloadTimer: NodeJS.Timeout | undefined;
    const onCertificateChange = () => {
      // Both halves of a pair are usually replaced one after the other: wait for the second.
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(
        () =>
          void reloadCertificates().catch((err) =>
            log.error({ err: (err as Error).message }, 'renewed TLS certificates not loaded: the previous ones stay in use'),
          ),
        2000,
      );
      reloadTimer.unref();
    };
    for (const file of certificateFiles) watchFile(file, { interval: 10_000, persistent: false }, onCertificateChange);
    closers.push({
      name: 'certificate watch',
      close: async () => {
        clearTimeout(reloadTimer);
        for (const file of certificateFiles) unwatchFile(file, onCertificateChange);
      },
    });

    let stopping: Promise<void> | undefined;
    return {
      reloadCertificates,
      httpUrl,
      mqttUrl,
      mqttsUrl,
      api,
      credentials,
      apiKeys,
      audit,
      assets,
      reports,
      reportScheduler,
      stop: () => (stopping ??= closeAll(closers, log)),
    };
  } catch (err) {
    await closeAll(closers, log);
    throw err;
  }
}

/** InfluxDB when FMS_INFLUX_URL is set, the embedded SQLite store otherwise. */
export async function openTelemetryStore(config: Config, log: Logger, onDeadLetter: (line: string, reason: string) => void): Promise<TelemetryStore> {
  if (config.influx) {
    if (config.dataDir === ':memory:') throw new Error('FMS_DATA_DIR=:memory: cannot hold the InfluxDB spool: give a folder');
    log.info({ url: config.influx.url, db: config.influx.db }, 'telemetry goes to InfluxDB');
    return createInfluxTelemetryStore({ connection: config.influx, dataDir: config.dataDir, spoolMaxBytes: config.spool.maxBytes, log, onDeadLetter });
  }
  return createSqliteTelemetryStore({
    file: config.dataDir === ':memory:' ? ':memory:' : path.join(config.dataDir, 'telemetry.db'),
    log,
    rawRetentionMs: config.retention.rawMs,
    rollupRetentionMs: config.retention.rollupMs,
  });
}

async function closeAll(closers: { name: string; close: () => Promise<void> }[], log: Logger): Promise<void> {
  for (const c of [...closers].reverse()) {
    try {
      await c.close();
    } catch (err) {
      log.error({ err }, `closing ${c.name} failed`);
    }
  }
  closers.length = 0;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** A URL without its password, for logs. */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString().replace(/\/$/, '');
}
