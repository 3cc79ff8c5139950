import { deviceTypes, type DeviceType } from '../../devices/catalog.ts';

/**
 * FMS's MQTT topic grammar (CONTRACT.md), in one place: every topic FMS or a simulator writes is
 * formatted here, every topic FMS reads is parsed here, and the filters of the access rules are built
 * here. Nothing else splits a topic on `/`.
 *
 *   fms/{site}/{type}/{assetId}/{channel}    a device's telemetry, events and status (device → FMS)
 *   fms/{site}/{type}/{assetId}/cmd          commands to a device (FMS → device)
 *   fms/{site}/alarms/{assetId}              alarm changes (FMS → integrations)
 *   fms/{site}/work-orders/{workOrderId}     work-order events (FMS → integrations)
 */

export const TOPIC_ROOT = 'fms';

/** What a device publishes. */
export const deviceChannels = ['telemetry', 'event', 'status'] as const;
export type Channel = (typeof deviceChannels)[number];
/** What a device may listen to. */
export const COMMAND_CHANNEL = 'cmd';

/** The service's own publications, by the level after the site. */
export const serviceKinds = ['alarms', 'work-orders'] as const;
export type ServiceKind = (typeof serviceKinds)[number];

export interface DeviceTopic {
  site: string;
  type: DeviceType;
  assetId: string;
  channel: Channel;
}

/** A site or asset id: 1–64 of `[A-Za-z0-9_-]` (no `/`, `+`, `#`: it is always one level). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `fms/{site}/{type}/{assetId}/{channel}`. */
export function deviceTopic(site: string, type: string, assetId: string, channel: Channel | typeof COMMAND_CHANNEL): string {
  return `${TOPIC_ROOT}/${site}/${type}/${assetId}/${channel}`;
}

/** The topics a device publishes, written for people: `fms/{site}/{type}/{assetId}/{telemetry|event|status}`. */
export function deviceTopicsText(site: string, type: string, assetId: string): string {
  return `${TOPIC_ROOT}/${site}/${type}/${assetId}/{${deviceChannels.join('|')}}`;
}

/** `fms/{site}/alarms/{assetId}`: where alarm changes of an asset are published. */
export function alarmTopic(site: string, assetId: string): string {
  return `${TOPIC_ROOT}/${site}/alarms/${assetId}`;
}

/** `fms/{site}/work-orders/{id}`: where a work order's events are published. */
export function workOrderTopic(site: string, workOrderId: string): string {
  return `${TOPIC_ROOT}/${site}/work-orders/${workOrderId}`;
}

/** Topics the service publishes itself; ingest leaves them alone. */
export function isServiceTopic(topic: string): boolean {
  const parts = topic.split('/', 4);
  return parts.length >= 3 && parts[0] === TOPIC_ROOT && (serviceKinds as readonly string[]).includes(parts[2]!);
}

/** Parses a device topic; the error says which level is wrong and what is expected. */
export function parseDeviceTopic(topic: string): { ok: true; value: DeviceTopic } | { ok: false; reason: string } {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT) {
    return { ok: false, reason: `topic has the wrong shape: expected fms/{site}/{type}/{assetId}/{channel}` };
  }
  const [, site, type, assetId, channel] = parts as [string, string, string, string, string];
  if (!ID_PATTERN.test(site)) return { ok: false, reason: `site "${clip(site)}" is not 1-64 of A-Z a-z 0-9 _ -` };
  if (!(deviceTypes as readonly string[]).includes(type)) return { ok: false, reason: `type "${clip(type)}" is not one of ${deviceTypes.join(', ')}` };
  if (!ID_PATTERN.test(assetId)) return { ok: false, reason: `asset id "${clip(assetId)}" is not 1-64 of A-Z a-z 0-9 _ -` };
  if (!(deviceChannels as readonly string[]).includes(channel)) {
    return { ok: false, reason: `channel "${clip(channel)}" is not one of ${deviceChannels.join(', ')}` };
  }
  return { ok: true, value: { site, type: type as DeviceType, assetId, channel: channel as Channel } };
}

/**
 * The levels of a five-level `fms/…` topic or filter (a device's), unchecked beyond the shape, or
 * undefined: for access rules and routing, which then compare the levels they care about.
 */
export function deviceLevels(topic: string): { site: string; type: string; assetId: string; channel: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT) return undefined;
  return { site: parts[1]!, type: parts[2]!, assetId: parts[3]!, channel: parts[4]! };
}

/** The site level of an `fms/…` topic or filter (the second level), or undefined. */
export function siteOf(topic: string): string | undefined {
  const parts = topic.split('/', 3);
  return parts[0] === TOPIC_ROOT && parts.length >= 2 ? parts[1] : undefined;
}

/**
 * The asset of a device topic without checking the rest (the partition router runs this per message
 * before ingest judges the topic): the fourth level, or undefined.
 */
export function assetIdOf(topic: string): string | undefined {
  return topic.split('/', 5)[3] || undefined;
}

/** Filters, with MQTT's `+` (one level) and `#` (the rest). */
export const filters = {
  /** Every device message (what FMS consumes from an external broker). */
  deviceMessages: deviceTopic('+', '+', '+', '+' as Channel),
  /** A device channel of every device. */
  deviceChannel: (channel: Channel | typeof COMMAND_CHANNEL) => deviceTopic('+', '+', '+', channel),
  /** One asset's channel, whatever its site and type. */
  assetChannel: (assetId: string, channel: Channel | typeof COMMAND_CHANNEL) => deviceTopic('+', '+', assetId, channel),
  /** Everything the service publishes of one kind, at every site. */
  service: (kind: ServiceKind) => `${TOPIC_ROOT}/+/${kind}/#`,
  /** The service's publications of one kind, one level deep (as the Mosquitto ACL writes them). */
  serviceItems: (kind: ServiceKind) => `${TOPIC_ROOT}/+/${kind}/+`,
} as const;

/** Whether an MQTT filter matches a topic (the broker's own rule, [MQTT-4.7.1], [MQTT-4.7.2-1]). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return !(i === 0 && t[0]!.startsWith('$'));
    if (i >= t.length) return false;
    if (f[i] === '+') {
      if (i === 0 && t[0]!.startsWith('$')) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether every topic that `filter` matches is also matched by `pattern` (both MQTT filters with `+`
 * and `#`). A `#` in the filter is within only a `#` of the pattern; a `+` only within `+` or `#`.
 */
export function filterWithin(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < f.length; i++) {
    const pl = p[i];
    if (pl === undefined) return false;
    if (pl === '#') return true;
    const fl = f[i]!;
    if (fl === '#') return false;
    if (pl === '+') continue;
    if (fl === '+' || fl !== pl) return false;
  }
  // The filter ended: within only if the pattern ends here too (a trailing `#` also matches its parent).
  return f.length === p.length || (p.length === f.length + 1 && p[f.length] === '#');
}

/** Whether a topic or filter has a wildcard level. */
export function hasWildcard(filter: string): boolean {
  return filter.split('/').some((l) => l === '+' || l === '#');
}

function clip(s: string): string {
  return s.length > 70 ? s.slice(0, 67) + '...' : s;
}
