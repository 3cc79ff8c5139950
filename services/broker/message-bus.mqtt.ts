import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { InboundMessage, MessageBus } from './message-bus.ts';

export interface ExternalBrokerOptions {
  /** mqtt:// or mqtts:// URL, with user:password when the broker wants them. */
  url: string;
  /** This instance's MQTT client id (unique per instance). */
  clientId: string;
  log: Logger;
  /** Device topics to take; every instance takes all of them (docs/scaling.md says why). */
  topic?: string;
  /**
   * Keep the session on the broker while FMS is away (restart, upgrade): the broker queues the QoS 1
   * messages meanwhile and hands them over on reconnection. Only with a stable client id.
   */
  persistentSession?: boolean;
  /** The CA (PEM) the broker's certificate is checked against with mqtts:// (otherwise the system's). */
  ca?: string | undefined;
  /** How long start() waits for the first connection before going on degraded (it keeps trying). */
  firstConnectTimeoutMs?: number;
}

export interface ExternalBroker extends MessageBus {
  address(): { host: string; port: number };
  /** Reconnection attempts since the last successful connection. */
  attempts(): number;
}

const BACKOFF_MIN_MS = 500;
/** A persistent session outlives an absence of this long (seconds). */
const SESSION_EXPIRY_S = 3600;
const BACKOFF_MAX_MS = 30_000;

/**
 * An external MQTT broker (Mosquitto, EMQX, HiveMQ) through mqtt.js, MQTT 5: FMS subscribes to the
 * device topics at QoS 1 with "no local" (it never hears its own alarm and work-order messages),
 * reconnects with exponential backoff and resubscribes. Device authentication and ACLs are the
 * broker's job in this mode (docs/scaling.md).
 */
export function createExternalBroker(opts: ExternalBrokerOptions): ExternalBroker {
  const log = opts.log;
  const topic = opts.topic ?? 'fms/+/+/+/+';
  const u = new URL(opts.url);
  const address = { host: u.hostname, port: Number(u.port) || (u.protocol === 'mqtts:' ? 8883 : 1883) };
  let client: MqttClient | undefined;
  let closing = false;
  let failures = 0;
  let lastError: string | undefined;
  let downSince: number | undefined = Date.now();

  return {
    async start(onMessage) {
      const c = mqtt.connect(opts.url, {
        protocolVersion: 5,
        clientId: opts.clientId,
        clean: !opts.persistentSession,
        ...(opts.persistentSession ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}),
        keepalive: 15,
        connectTimeout: 5_000,
        reconnectPeriod: BACKOFF_MIN_MS,
        ...(opts.ca ? { ca: opts.ca } : {}),
      });
      client = c;
      c.on('connect', () => {
        failures = 0;
        lastError = undefined;
        downSince = undefined;
        c.options.reconnectPeriod = BACKOFF_MIN_MS;
        c.subscribe(topic, { qos: 1, nl: true }, (err, granted) => {
          if (err || granted?.some((g) => g.qos > 2)) log.error({ err, granted, topic }, 'the broker refused the device subscription');
          else log.info({ broker: `${address.host}:${address.port}`, topic }, 'subscribed to the external broker');
        });
      });
      c.on('close', () => {
        if (closing) return;
        downSince ??= Date.now();
        failures++;
        // Exponential backoff, so a broker that comes back is not stormed by every instance at once.
        c.options.reconnectPeriod = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(failures, 10));
        if (failures === 1) log.warn({ broker: `${address.host}:${address.port}`, err: lastError }, 'lost the external broker; reconnecting');
      });
      c.on('error', (err) => {
        lastError = err.message;
        log.debug({ err: err.message }, 'external broker error');
      });
      c.on('message', (t, payload) => {
        const message: InboundMessage = { topic: t, payload, receivedAt: Date.now() };
        try {
          onMessage(message);
        } catch (err) {
          log.error({ err, topic: t }, 'message handler failed');
        }
      });
      // Wait for the first connection a while; if the broker is not there, go on degraded and keep trying.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn(
            { broker: `${address.host}:${address.port}`, err: lastError },
            'the external broker is not reachable yet; FMS runs degraded and keeps trying',
          );
          resolve();
        }, opts.firstConnectTimeoutMs ?? 10_000);
        c.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },

    async publish(t, payload, options) {
      const c = client;
      if (!c || closing) return;
      // While disconnected mqtt.js keeps QoS 1 messages and sends them on reconnection.
      await c.publishAsync(t, payload, { qos: options.qos, retain: options.retain ?? false });
    },

    health() {
      if (client?.connected) return { state: 'up' };
      return {
        state: 'down',
        detail: closing ? 'closing' : `external broker ${address.host}:${address.port} unreachable${lastError ? `: ${lastError}` : ''}`,
        ...(downSince !== undefined ? { downSince } : {}),
      };
    },

    address: () => address,
    attempts: () => failures,

    async close() {
      if (closing) return;
      closing = true;
      await client?.endAsync();
      log.info('disconnected from the external broker');
    },
  };
}
