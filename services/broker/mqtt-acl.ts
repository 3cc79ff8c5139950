/**
 * Who may publish and subscribe to what on the embedded broker (FMS_MQTT_AUTH=devices). Two kinds of
 * clients sign in: devices (user name = asset id, or a device certificate) and service clients
 * (integrations, dashboards: an API key as the password). The topics themselves are shared/topics.ts's.
 */
import { COMMAND_CHANNEL, deviceChannels, deviceLevels, filters, filterWithin, hasWildcard, siteOf } from '../shared/topics.ts';

/** What a device may publish: `fms/{site}/{type}/{its id}/{telemetry|event|status}`. */
export function devicePublishAllowed(assetId: string, topic: string): boolean {
  const t = deviceLevels(topic);
  return t !== undefined && t.assetId === assetId && (deviceChannels as readonly string[]).includes(t.channel);
}

/** What a device may subscribe to: its own command topic, `fms/{site}/{type}/{its id}/cmd`, and nothing wider. */
export function deviceSubscribeAllowed(assetId: string, filter: string): boolean {
  const t = deviceLevels(filter);
  return t !== undefined && t.assetId === assetId && t.channel === COMMAND_CHANNEL && !hasWildcard(filter);
}

/**
 * What a service client may read: the service's own publications (alarm and work-order changes) and
 * the devices' telemetry, events and status. Never the devices' command topics, never `$SYS`.
 */
export const serviceReadable = [filters.service('alarms'), filters.service('work-orders'), ...deviceChannels.map((c) => filters.deviceChannel(c))] as const;

/**
 * Whether a subscription filter stays inside what service clients may read (e.g.
 * `fms/riverside/alarms/+`, not `fms/#`); with `sites` (a key limited to them), inside those sites:
 * the site level must name one of them.
 */
export function serviceSubscribeAllowed(filter: string, sites: readonly string[] | null = null): boolean {
  if (sites && !sites.includes(siteOf(filter) ?? '')) return false;
  return serviceReadable.some((pattern) => filterWithin(filter, pattern));
}
