import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarm-service.ts';
import type { Asset } from '../assets/asset.ts';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { InboundMessage } from '../broker/message-bus.ts';
import type { RuleEngine } from '../rules/rule-engine.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import { MAX_PAYLOAD_BYTES, parseEvent, parseStatus, parseTelemetry } from './payload.ts';
import type { RejectKind, RejectedLog } from './rejected-log.ts';
import { isServiceTopic, parseDeviceTopic } from '../shared/topics.ts';

/** Topics whose reading ingest keeps (a device has 3: telemetry, event, status). */
const TOPICS_REMEMBERED = 50_000;

export interface IngestDeps {
  assets: AssetRegistry;
  telemetry: TelemetryStore;
  rules: RuleEngine;
  alarms: Pick<AlarmService, 'handle'>;
  rejected: RejectedLog;
  metrics: Metrics;
  log: Logger;
}

/**
 * Ingest: every device message is checked (topic, registered asset, payload against the asset type's
 * schema) and then stored and evaluated, or rejected with a reason an operator can read. It never
 * throws: whatever a device sends, the broker and the other devices carry on.
 */
export function createIngest(deps: IngestDeps) {
  const { assets, telemetry, rules, alarms, rejected, metrics, log } = deps;
  const inTelemetry = metrics.messagesIn.tally({ channel: 'telemetry' });
  const inEvent = metrics.messagesIn.tally({ channel: 'event' });
  const inStatus = metrics.messagesIn.tally({ channel: 'status' });
  const inOther = metrics.messagesIn.tally({ channel: 'other' });
  const pointsAccepted = metrics.pointsAccepted.tally();

  function reject(m: InboundMessage, kind: RejectKind, reason: string): void {
    rejected.add(m.receivedAt, m.topic, kind, reason, m.payload);
    metrics.rejected.labels(kind).inc();
    log.debug({ topic: m.topic, kind, reason }, 'message rejected');
  }

  /** A sign of life from a device: last seen, and the end of any silence alarm. */
  function heard(asset: Asset, receivedAt: number): void {
    assets.touch(asset.id, receivedAt);
    const signals = rules.onActivity(asset, receivedAt);
    if (signals.length > 0) alarms.handle(signals, receivedAt);
  }

  /**
   * Topics read before, and what they said: a device publishes on the same few topics all its life,
   * so each is split and checked once, not once a message. Bounded: forgotten wholesale past
   * TOPICS_REMEMBERED (a flood of made-up topics costs what it did without the memo).
   */
  const topics = new Map<string, ReturnType<typeof parseDeviceTopic> | 'service'>();
  function topicOf(name: string): ReturnType<typeof parseDeviceTopic> | 'service' {
    let t = topics.get(name);
    if (t === undefined) {
      if (topics.size >= TOPICS_REMEMBERED) topics.clear();
      topics.set(name, (t = isServiceTopic(name) ? 'service' : parseDeviceTopic(name)));
    }
    return t;
  }

  function handle(m: InboundMessage): void {
    const topic = topicOf(m.topic);
    if (topic === 'service') return;
    if (!topic.ok) {
      inOther.add();
      return reject(m, 'topic', topic.reason);
    }
    const { site, type, assetId, channel } = topic.value;
    (channel === 'telemetry' ? inTelemetry : channel === 'event' ? inEvent : inStatus).add();

    const asset = assets.get(assetId);
    if (!asset) return reject(m, 'unknown_asset', `asset "${assetId}" is not registered: add it to the FMS_CONFIG file or POST /api/assets`);
    if (asset.type !== type || asset.site !== site) {
      return reject(m, 'asset_mismatch', `asset "${assetId}" is registered as a ${asset.type} at site "${asset.site}", not a ${type} at "${site}"`);
    }
    if (m.payload.length > MAX_PAYLOAD_BYTES)
      return reject(m, 'too_large', `payload too large: ${m.payload.length} bytes, at most ${MAX_PAYLOAD_BYTES} accepted`);

    if (channel === 'telemetry') {
      const reading = parseTelemetry(type, m.payload, m.receivedAt);
      if (!reading.ok) return reject(m, 'payload', reading.reason);
      const { ts, fields } = reading.value;
      telemetry.write([{ measurement: type, site, asset: assetId, ts, fields }]);
      let n = 0;
      for (const _ in fields) n++;
      pointsAccepted.add(n);
      heard(asset, m.receivedAt);
      const signals = rules.onReading(asset, ts, fields);
      if (signals.length > 0) alarms.handle(signals, m.receivedAt);
    } else if (channel === 'event') {
      const event = parseEvent(type, m.payload, m.receivedAt);
      if (!event.ok) return reject(m, 'payload', event.reason);
      const { ts, type: eventType, details } = event.value;
      telemetry.writeEvent({ site, asset: assetId, type: eventType, ts, details });
      metrics.eventsAccepted.labels(eventType).inc();
      heard(asset, m.receivedAt);
      const signals = rules.onEvent(asset, ts, eventType);
      if (signals.length > 0) alarms.handle(signals, m.receivedAt);
    } else {
      const status = parseStatus(m.payload);
      if (!status.ok) return reject(m, 'payload', status.reason);
      assets.touch(assetId, m.receivedAt, status.value);
      // An `offline` status is usually the broker speaking for a dead device (its last will): not a sign of life.
      if (status.value === 'online') heard(asset, m.receivedAt);
    }
  }

  return {
    handle(m: InboundMessage): void {
      try {
        handle(m);
      } catch (err) {
        // A defect, not the device's fault: count it, keep the message visible, carry on.
        metrics.errors.labels('ingest').inc();
        log.error({ err, topic: m.topic }, 'message handling failed');
        rejected.add(m.receivedAt, m.topic, 'payload', `internal error while handling this message: ${(err as Error).message}`, m.payload);
      }
    },
  };
}
export type Ingest = ReturnType<typeof createIngest>;
