import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterWithin, topicMatches } from '../shared/topics.ts';
import { devicePublishAllowed, deviceSubscribeAllowed, serviceReadable, serviceSubscribeAllowed } from './mqtt-acl.ts';

// Levels from FMS's own topics and a few strangers, so that generated filters and topics overlap.
const words = ['fms', 'riverside', 'lakeview', 'alarms', 'work-orders', 'pump', 'gate', 'p1', 'p2', 'telemetry', 'event', 'status', 'cmd', '$SYS', ''];
/** Two devices as the broker knows them: their site and type. */
const assets = [
  { id: 'p1', site: 'riverside', type: 'pump' },
  { id: 'p2', site: 'lakeview', type: 'gate' },
];
const topic = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 7 }).map((l) => l.join('/'));
// A valid filter: `+` anywhere as a whole level, `#` only as the last level.
const filter = fc
  .tuple(fc.array(fc.constantFrom(...words, '+'), { minLength: 0, maxLength: 6 }), fc.boolean())
  .filter(([levels, hash]) => levels.length > 0 || hash)
  .map(([levels, hash]) => [...levels, ...(hash ? ['#'] : [])].join('/'));

describe('who may read and write what on the embedded broker', () => {
  it('never lets a service client subscribe to a filter that matches a topic outside what it may read', () => {
    fc.assert(
      fc.property(filter, topic, (f, t) => {
        if (serviceSubscribeAllowed(f) && topicMatches(f, t))
          expect(
            serviceReadable.some((p) => topicMatches(p, t)),
            `${f} matched ${t}`,
          ).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('lets a device subscribe to nothing but its own command topic', () => {
    fc.assert(
      fc.property(filter, topic, fc.constantFrom(...assets), (f, t, asset) => {
        if (deviceSubscribeAllowed(asset, f) && topicMatches(f, t)) expect(t).toBe(`fms/${asset.site}/${asset.type}/${asset.id}/cmd`);
      }),
      { numRuns: 20_000 },
    );
  });

  it('lets a device publish only its own readings, events and status', () => {
    fc.assert(
      fc.property(topic, fc.constantFrom(...assets), (t, asset) => {
        if (devicePublishAllowed(asset, t)) expect(t).toMatch(new RegExp(`^fms/${asset.site}/${asset.type}/${asset.id}/(telemetry|event|status)$`));
      }),
      { numRuns: 20_000 },
    );
  });

  it('knows a filter is within itself and within a wider one', () => {
    fc.assert(fc.property(filter, (f) => filterWithin(f, f)));
    expect(filterWithin('fms/riverside/alarms/rs-pump-01', 'fms/+/alarms/#')).toBe(true);
    expect(filterWithin('fms/riverside/alarms', 'fms/+/alarms/#')).toBe(true);
    expect(filterWithin('fms/#', 'fms/+/alarms/#')).toBe(false);
    expect(filterWithin('fms/+/+/+/cmd', 'fms/+/+/+/telemetry')).toBe(false);
  });
});
