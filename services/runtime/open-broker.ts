import type { Logger } from 'pino';
import type { ApiKeys } from '../api/api-keys.ts';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { DeviceCredentials } from '../assets/device-credentials.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { BrokerAuth } from '../broker/hooks/authenticate.ts';
import type { MqttIdentity, RefusalReason } from '../broker/hooks/client.ts';
import { createEmbeddedBroker, type EmbeddedBroker } from '../broker/message-bus.aedes.ts';
import { createExternalBroker, type ExternalBroker } from '../broker/message-bus.mqtt.ts';
import { createRateLimitedLog } from '../broker/mqtt-guard.ts';
import type { Config } from '../config/config.ts';
import { MAX_PAYLOAD_BYTES } from '../ingest/payload.ts';
import type { RejectKind, RejectedLog } from '../ingest/rejected-log.ts';
import type { Metrics } from '../shared/metrics.ts';

export interface BrokerDeps {
  config: Config;
  log: Logger;
  metrics: Metrics;
  rejected: RejectedLog;
  audit: AuditLog;
  apiKeys: ApiKeys;
  credentials: DeviceCredentials;
  assets: Pick<AssetRegistry, 'get'>;
  now: () => number;
}

const API_KEY = /^fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/;

/**
 * The largest payload a client may publish elsewhere than on a device topic — possible only without
 * sign-in (FMS_MQTT_AUTH=off: a local integration): FMS's own alarm and work-order messages are a few KiB.
 */
const SERVICE_MAX_PAYLOAD_BYTES = 256 * 1024;

/** Where each refusal shows at /api/ingest/rejected. */
const kindOf: Record<RefusalReason, RejectKind> = {
  connections_per_ip: 'connection',
  packet_too_large: 'too_large',
  malformed_packet: 'connection',
  packet_stalled: 'connection',
  auth_failed: 'connection',
  sign_in_rate: 'connection',
  client_id: 'connection',
  not_allowed: 'not_allowed',
  topic_too_long: 'topic',
  backlog_full: 'not_allowed',
  subscriptions: 'not_allowed',
  session_queue_full: 'not_allowed',
  payload_too_large: 'too_large',
  inflight_full: 'not_allowed',
  sessions_per_identity: 'connection',
};

/** How the audit log names an MQTT client. */
function actorOf(who: MqttIdentity | undefined) {
  if (!who) return { actor: 'anonymous' };
  return who.kind === 'device'
    ? { actor: `device:${who.assetId}`, actorName: who.assetId, actorRole: 'device' }
    : { actor: `key:${who.keyId}`, actorName: who.name, actorRole: who.role };
}

/**
 * The embedded aedes broker by default, an external one (Mosquitto, EMQX, HiveMQ) with FMS_MQTT_URL.
 * The embedded one signs clients in with device credentials and API keys, and what it refuses is
 * counted, recorded at /api/ingest/rejected and in the audit log, and logged once a minute per
 * address. A rotated or revoked secret ends the connections that used it, at once; so does a revoked key.
 */
export function openBroker(d: BrokerDeps): EmbeddedBroker | ExternalBroker {
  const { config, log, metrics, rejected, audit, apiKeys, credentials, now } = d;
  const brokerLog = log.child({ svc: 'broker' });
  if (config.mqtt.url) {
    return createExternalBroker({
      url: config.mqtt.url,
      clientId: `fms-${config.instanceId}`,
      persistentSession: config.instanceIdGiven,
      ca: config.mqtt.ca,
      log: brokerLog,
    });
  }
  const auth: BrokerAuth = {
    verifyDevice: (assetId, secret) => credentials.verify(assetId, secret),
    knownGood: (username, secret) => (API_KEY.test(secret) ? apiKeys.knownGood(secret) : credentials.knownGood(username, secret)),
    certificateDevice: async (assetId) => d.assets.get(assetId) !== undefined && !(await credentials.revoked(assetId)),
    async verifyKey(token) {
      const r = await apiKeys.verify(token);
      return 'refused' in r ? r : { id: r.key.id, name: r.key.name, role: r.key.role, expiresAt: r.key.expiresAt, sites: r.key.sites };
    },
  };
  const refusalLog = createRateLimitedLog(60_000);
  const throttleLog = createRateLimitedLog(60_000);
  const broker = createEmbeddedBroker({
    host: config.mqtt.host,
    port: config.mqtt.port,
    ...(config.mqtt.tls ? { tls: { ...config.mqtt.tls, ...(config.mqtt.ca ? { ca: config.mqtt.ca } : {}) } } : {}),
    log: brokerLog,
    maxPacketBytes: config.mqtt.maxPacketBytes,
    maxConnectionsPerIp: config.mqtt.maxConnectionsPerIp,
    maxMessagesPerSecond: config.mqtt.maxMessagesPerSecond,
    sessions: config.mqtt.sessions,
    // A device's payload is bounded by what ingest takes: a larger one is never relayed or queued.
    maxPayloadBytes: { device: MAX_PAYLOAD_BYTES, other: SERVICE_MAX_PAYLOAD_BYTES },
    packetTimeoutMs: config.mqtt.packetTimeoutMs,
    ...(config.mqtt.auth === 'devices' ? { auth, assetOf: (id: string) => d.assets.get(id) } : {}),
    onRefused: (reason, address, detail, who) => {
      metrics.mqttRefused.labels(reason).inc();
      const kind = kindOf[reason];
      const why = kind === 'connection' ? `connection refused: ${detail}` : `refused: ${detail}`;
      rejected.add(now(), `(client at ${address})`, kind, why, Buffer.alloc(0));
      if (reason === 'auth_failed' || reason === 'sign_in_rate' || reason === 'client_id' || reason === 'sessions_per_identity') {
        audit.record({ ...actorOf(who), action: 'mqtt.login', outcome: 'failed', address, target: null, detail });
      }
      if (reason === 'not_allowed' || reason === 'subscriptions' || reason === 'backlog_full') {
        audit.record({
          ...actorOf(who),
          action: 'access.denied',
          outcome: 'denied',
          address,
          target: detail.replace(/^.* may not /, '').slice(0, 200),
          detail,
        });
      }
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
      const detail = who.kind === 'device' ? `device, by ${who.by}` : 'service client';
      audit.record({ ...actorOf(who), action: 'mqtt.login', outcome: 'ok', address, target: null, detail });
      if (who.kind === 'service') apiKeys.touch(who.keyId, now()).catch((err) => log.warn({ err: (err as Error).message }, 'key use not noted'));
    },
  });
  credentials.onChanged((assetId) => {
    const n = broker.disconnectAsset(assetId);
    if (n > 0) log.info({ assetId, clients: n }, 'device credentials changed: its connections closed');
  });
  apiKeys.onRevoked((keyId) => {
    const n = broker.disconnectKey(keyId);
    if (n > 0) log.info({ keyId, clients: n }, 'API key revoked: its MQTT connections closed');
  });
  return broker;
}
