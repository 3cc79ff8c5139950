import { describe, expect, it } from 'vitest';
import { alarmLine, escapeKey, escapeMeasurement, escapeStringField, eventLine, telemetryLine } from './line-protocol.ts';

describe('line protocol', () => {
  it('writes a reading with sorted tags, floats, booleans and a millisecond time', () => {
    expect(
      telemetryLine({ measurement: 'pump', site: 'riverside', asset: 'p1', ts: 1764000000000, fields: { flow_m3h: 31, running: true, vibration_mms: 2.35 } }),
    ).toBe('pump,asset=p1,site=riverside flow_m3h=31,running=true,vibration_mms=2.35 1764000000000');
  });

  it('escapes what each position needs', () => {
    expect(escapeMeasurement('a b,c')).toBe('a\\ b\\,c');
    expect(escapeKey('a b,c=d')).toBe('a\\ b\\,c\\=d');
    expect(escapeKey('back\\slash')).toBe('back\\slash');
    expect(escapeKey('ends with\\')).toBe('ends\\ with_');
    expect(escapeStringField('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
    expect(escapeStringField('two\nlines')).toBe('"two\\nlines"');
    expect(escapeKey('楼层-3')).toBe('楼层-3');
  });

  it('writes events with their details and a count, and alarm changes', () => {
    expect(eventLine({ site: 's', asset: 'e1', type: 'door_fault', ts: 1, details: { code: 'E21', floor: 3 } })).toBe(
      'events,asset=e1,site=s,type=door_fault count=1,code="E21",floor=3 1',
    );
    expect(eventLine({ site: 's', asset: 'e1', type: 'entrapment', ts: 1, details: {} })).toBe('events,asset=e1,site=s,type=entrapment count=1 1');
    expect(alarmLine({ site: 's', asset: 'p1', rule: 'pump.vibration-critical', severity: 'critical', ts: 5, state: 'active', value: 7.4 })).toBe(
      'alarms,asset=p1,rule=pump.vibration-critical,severity=critical,site=s state="active",value=7.4 5',
    );
    expect(alarmLine({ site: 's', asset: 'g1', rule: 'gate.forced-open', severity: 'critical', ts: 5, state: 'active', value: null })).toBe(
      'alarms,asset=g1,rule=gate.forced-open,severity=critical,site=s state="active" 5',
    );
  });
});
