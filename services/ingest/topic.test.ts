import { describe, expect, it } from 'vitest';
import { isServiceTopic, parseTopic } from './topic.ts';

describe('parseTopic', () => {
  it('reads site, type, asset and channel', () => {
    expect(parseTopic('fms/riverside/pump/rs-pump_1/telemetry')).toEqual({
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
    const r = parseTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("recognises the service's own alarm and work-order topics", () => {
    expect(isServiceTopic('fms/riverside/alarms/p1')).toBe(true);
    expect(isServiceTopic('fms/riverside/work-orders/WO-2026-000001')).toBe(true);
    expect(isServiceTopic('fms/riverside/pump/p1/telemetry')).toBe(false);
  });
});
