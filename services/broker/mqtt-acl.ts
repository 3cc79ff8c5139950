/**
 * Who may do what on the embedded broker (FMS_MQTT_AUTH=devices). Two kinds of clients sign in:
 * devices (user name = asset id, or a device certificate) and service clients (integrations,
 * dashboards: an API key as the password). The topics themselves are shared/topics.ts's.
 *
 * - A device publishes only its own telemetry, events and status, on its own site and type, and
 *   retains nothing but a short status; it subscribes only to its own command topic.
 * - A service client only reads: the service's alarm and work-order topics and the devices'
 *   telemetry, events and status (of its sites, for a key limited to some); it publishes nothing.
 * - Only FMS publishes the service topics. A will message obeys the same rules as a publish.
 * - A client id belongs to one identity (a session with it): a device's is its asset id, or the asset
 *   id, a dot and anything; a service client's starts with `key:` and its key's id. A client that
 *   connects with another's id is refused, so it can neither push the other off nor take its session.
 */
import type { MqttIdentity } from './hooks/client.ts';
import { COMMAND_CHANNEL, deviceChannels, deviceLevels, filters, filterWithin, hasWildcard, siteOf } from '../shared/topics.ts';

/** What the broker knows of a device's asset: where it is and what it is. */
export interface DeviceAsset {
  id: string;
  site: string;
  type: string;
}

/** A retained status is `online` or `offline`: nothing longer is kept for a device. */
export const MAX_RETAINED_STATUS_BYTES = 16;

/** What a device may publish: `fms/{its site}/{its type}/{its id}/{telemetry|event|status}`. */
export function devicePublishAllowed(asset: DeviceAsset | undefined, topic: string): boolean {
  const t = deviceLevels(topic);
  return (
    asset !== undefined &&
    t !== undefined &&
    t.assetId === asset.id &&
    t.site === asset.site &&
    t.type === asset.type &&
    (deviceChannels as readonly string[]).includes(t.channel)
  );
}

/** Whether a device's publish may be retained: only its status, and only a short one. */
export function deviceRetainAllowed(topic: string, payloadBytes: number): boolean {
  return deviceLevels(topic)?.channel === 'status' && payloadBytes <= MAX_RETAINED_STATUS_BYTES;
}

/** What a device may subscribe to: its own command topic, `fms/{its site}/{its type}/{its id}/cmd`, and nothing wider. */
export function deviceSubscribeAllowed(asset: DeviceAsset | undefined, filter: string): boolean {
  const t = deviceLevels(filter);
  return (
    asset !== undefined &&
    t !== undefined &&
    t.assetId === asset.id &&
    t.site === asset.site &&
    t.type === asset.type &&
    t.channel === COMMAND_CHANNEL &&
    !hasWildcard(filter)
  );
}

/**
 * What a service client may read: the service's own publications (alarm and work-order changes) and
 * the devices' telemetry, events and status. Never the devices' command topics, never `$SYS`.
 */
export const serviceReadable = [filters.service('alarms'), filters.service('work-orders'), ...deviceChannels.map((c) => filters.deviceChannel(c))] as const;

/**
 * Whether a subscription filter (or a topic) stays inside what service clients may read (e.g.
 * `fms/riverside/alarms/+`, not `fms/#`); with `sites` (a key limited to them), inside those sites:
 * the site level must name one of them.
 */
export function serviceSubscribeAllowed(filter: string, sites: readonly string[] | null = null): boolean {
  if (sites && !sites.includes(siteOf(filter) ?? '')) return false;
  return serviceReadable.some((pattern) => filterWithin(filter, pattern));
}

/**
 * Whether a message on `topic` may be delivered to this client: also a message queued for a
 * persistent session while it was away, whoever resumes the session.
 */
export function mayReceive(who: MqttIdentity | undefined, asset: DeviceAsset | undefined, topic: string): boolean {
  if (!who) return false;
  return who.kind === 'device' ? deviceSubscribeAllowed(asset, topic) : serviceSubscribeAllowed(topic, who.sites);
}

/** The client ids an identity may use (and so the sessions it may hold): see the module's comment. */
export function clientIdAllowed(who: MqttIdentity, clientId: string): boolean {
  if (who.kind === 'device') return clientId === who.assetId || clientId.startsWith(`${who.assetId}.`);
  return clientId.startsWith(serviceClientPrefix(who.keyId));
}

/** A service client's client ids start with this: `key:` and its key's id. */
export function serviceClientPrefix(keyId: string): string {
  return `key:${keyId}`;
}
