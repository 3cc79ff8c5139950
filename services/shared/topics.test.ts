import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  alarmTopic,
  assetIdOf,
  deviceChannels,
  deviceLevels,
  deviceTopic,
  filters,
  isServiceTopic,
  parseDeviceTopic,
  siteOf,
  topicMatches,
  workOrderTopic,
} from './topics.ts';

describe('parseDeviceTopic', () => {
  it('reads site, type, asset and channel', () => {
    expect(parseDeviceTopic('fms/riverside/pump/rs-pump_1/telemetry')).toEqual({
      ok: true,
      value: { site: 'riverside', type: 'pump', assetId: 'rs-pump_1', channel: 'telemetry' },
    });
  });

  it.each([
    ['fms/riverside/pump/p1', /wrong shape/],
    ['fms/riverside/pump/p1/telemetry/extra', /wrong shape/],
    ['other/riverside/pump/p1/telemetry', /wrong shape/],
    ['fms/river side/pump/p1/telemetry', /site "river side" is not 1-64/],
    ['fms/riverside/boiler/p1/telemetry', /type "boiler" is not one of pump, elevator, gate/],
    ['fms/riverside/pump/p1+/telemetry', /asset id "p1\+" is not/],
    [`fms/riverside/pump/${'x'.repeat(65)}/telemetry`, /asset id .* is not 1-64/],
    ['fms/riverside/pump/p1/metrics', /channel "metrics" is not one of telemetry, event, status/],
    ['fms//pump/p1/telemetry', /site "" is not/],
  ])('refuses %s with a reason', (topic, reason) => {
    const r = parseDeviceTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("recognises the service's own alarm and work-order topics", () => {
    expect(isServiceTopic('fms/riverside/alarms/p1')).toBe(true);
    expect(isServiceTopic('fms/riverside/work-orders/WO-2026-000001')).toBe(true);
    expect(isServiceTopic('fms/riverside/pump/p1/telemetry')).toBe(false);
  });
});

describe('the topic grammar', () => {
  it('formats what it parses', () => {
    const topic = deviceTopic('riverside', 'pump', 'rs-pump-01', 'telemetry');
    expect(topic).toBe('fms/riverside/pump/rs-pump-01/telemetry');
    expect(parseDeviceTopic(topic)).toEqual({ ok: true, value: { site: 'riverside', type: 'pump', assetId: 'rs-pump-01', channel: 'telemetry' } });
    expect(assetIdOf(topic)).toBe('rs-pump-01');
    expect(siteOf(topic)).toBe('riverside');
  });

  it('names the service topics integrations subscribe to, which ingest leaves alone', () => {
    expect(alarmTopic('lakeview', 'lv-gate-02')).toBe('fms/lakeview/alarms/lv-gate-02');
    expect(workOrderTopic('lakeview', 'WO-2026-000001')).toBe('fms/lakeview/work-orders/WO-2026-000001');
    expect(isServiceTopic(alarmTopic('lakeview', 'lv-gate-02'))).toBe(true);
    expect(topicMatches(filters.service('work-orders'), workOrderTopic('lakeview', 'WO-2026-000001'))).toBe(true);
    expect(topicMatches(filters.deviceMessages, alarmTopic('lakeview', 'lv-gate-02'))).toBe(false);
  });

  it('has no site or asset for what is not an fms topic', () => {
    expect(siteOf('other/riverside/pump')).toBeUndefined();
    expect(siteOf('#')).toBeUndefined();
    expect(assetIdOf('fms/riverside')).toBeUndefined();
    expect(deviceLevels('fms/riverside/pump/p1')).toBeUndefined();
  });

  it('is the grammar of the shipped Mosquitto ACL (config/mosquitto/acl)', () => {
    const acl = readFileSync(fileURLToPath(new URL('../../config/mosquitto/acl', import.meta.url)), 'utf8');
    const sections = new Map<string, string[]>();
    let who = 'pattern';
    for (const line of acl.split('\n').map((l) => l.trim())) {
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('user ')) {
        who = line.slice(5);
        continue;
      }
      const key = line.startsWith('pattern ') ? 'pattern' : who;
      sections.set(key, [...(sections.get(key) ?? []), line.replace(/^(topic|pattern) /, '')]);
    }
    expect(sections.get('fms')).toEqual([
      `read ${filters.deviceMessages}`,
      `write ${filters.serviceItems('alarms')}`,
      `write ${filters.serviceItems('work-orders')}`,
    ]);
    expect(sections.get('integration')).toEqual([`read ${filters.serviceItems('alarms')}`, `read ${filters.serviceItems('work-orders')}`]);
    // Mosquitto's %u is the user name: a device's own asset id.
    expect(sections.get('pattern')).toEqual(deviceChannels.map((c) => `write ${filters.assetChannel('%u', c)}`));
  });
});
