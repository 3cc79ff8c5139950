import { deviceTypes, type DeviceType } from '../../devices/catalog.ts';

export const channels = ['telemetry', 'event', 'status'] as const;
export type Channel = (typeof channels)[number];

export interface DeviceTopic {
  site: string;
  type: DeviceType;
  assetId: string;
  channel: Channel;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Topics the service publishes itself (CONTRACT.md); ingest leaves them alone. */
export function isServiceTopic(topic: string): boolean {
  const parts = topic.split('/', 4);
  return parts.length >= 3 && parts[0] === 'fms' && (parts[2] === 'alarms' || parts[2] === 'work-orders');
}

/** Parses `fms/{site}/{type}/{assetId}/{channel}`; the error says which level is wrong and what is expected. */
export function parseTopic(topic: string): { ok: true; value: DeviceTopic } | { ok: false; reason: string } {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'fms') {
    return { ok: false, reason: `topic has the wrong shape: expected fms/{site}/{type}/{assetId}/{channel}` };
  }
  const [, site, type, assetId, channel] = parts as [string, string, string, string, string];
  if (!ID.test(site)) return { ok: false, reason: `site "${clip(site)}" is not 1-64 of A-Z a-z 0-9 _ -` };
  if (!(deviceTypes as readonly string[]).includes(type)) return { ok: false, reason: `type "${clip(type)}" is not one of ${deviceTypes.join(', ')}` };
  if (!ID.test(assetId)) return { ok: false, reason: `asset id "${clip(assetId)}" is not 1-64 of A-Z a-z 0-9 _ -` };
  if (!(channels as readonly string[]).includes(channel)) return { ok: false, reason: `channel "${clip(channel)}" is not one of ${channels.join(', ')}` };
  return { ok: true, value: { site, type: type as DeviceType, assetId, channel: channel as Channel } };
}

function clip(s: string): string {
  return s.length > 70 ? s.slice(0, 67) + '...' : s;
}
