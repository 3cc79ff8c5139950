import type { AlarmPoint, ConditionPoint, EventPoint, StatusPoint, TelemetryPoint } from './telemetry-store.ts';

// InfluxDB line protocol (1.x, 2.x and 3.x agree on it):
//   measurement,tag=value field=1,other="text" 1764000000000
// Measurements escape commas and spaces; tag keys, tag values and field keys escape commas, equals
// signs and spaces. A backslash there is kept as it is (the server does not unescape `\\`), except
// where the server would read it as escaping what follows — before a comma, an equals sign, a space
// or the end: such a run of backslashes becomes `_` (found by the property test of this file). String
// field values are double-quoted with `"` and `\` escaped. A newline ends a line wherever it stands,
// so it cannot be escaped: it is written as the two characters `\n`. (Checked against influxd in
// telemetry-store.influx.int.test.ts.)

const MEASUREMENT_SPECIAL = /[, \n\r]|\\$/;
const KEY_SPECIAL = /[,= \n\r]|\\$/;

export function escapeMeasurement(s: string): string {
  return MEASUREMENT_SPECIAL.test(s)
    ? s
        .replace(/\\+(?=[, ]|$)/g, '_')
        .replace(/([, ])/g, '\\$1')
        .replace(/\r?\n|\r/g, '\\n')
    : s;
}

/** Tag keys, tag values and field keys. */
export function escapeKey(s: string): string {
  return KEY_SPECIAL.test(s)
    ? s
        .replace(/\\+(?=[,= ]|$)/g, '_')
        .replace(/([,= ])/g, '\\$1')
        .replace(/\r?\n|\r/g, '\\n')
    : s;
}

export function escapeStringField(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&').replace(/\r?\n|\r/g, '\\n')}"`;
}

function fieldValue(v: number | boolean | string): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return escapeStringField(v);
  // Numbers are floats (CONTRACT.md): no `i` suffix, so a counter never clashes with a fractional reading.
  return Number.isFinite(v) ? String(v) : 'null';
}

function fields(f: Record<string, number | boolean | string | null>): string {
  let out = '';
  for (const key in f) {
    const v = f[key];
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
    out += (out ? ',' : '') + escapeKey(key) + '=' + fieldValue(v);
  }
  return out;
}

/** `pump,asset=p1,site=riverside flow_m3h=31.2,running=true 1764000000000` (tags sorted, as InfluxDB prefers). */
export function telemetryLine(p: TelemetryPoint): string {
  return `${escapeMeasurement(p.measurement)},asset=${escapeKey(p.asset)},site=${escapeKey(p.site)} ${fields(p.fields)} ${Math.trunc(p.ts)}`;
}

/** Measurement `events`: tags asset, site, type; fields `count` = 1 (so boards can count events) and the details. */
export function eventLine(e: EventPoint): string {
  const { count: _reserved, ...details } = e.details;
  const f = fields(details);
  return `events,asset=${escapeKey(e.asset)},site=${escapeKey(e.site)},type=${escapeKey(e.type)} count=1${f ? ',' + f : ''} ${Math.trunc(e.ts)}`;
}

/** Measurement `alarms`: tags asset, rule, severity, site; fields state and value (Grafana annotations). */
export function alarmLine(a: AlarmPoint): string {
  const f = fields({ state: a.state, value: a.value });
  return `alarms,asset=${escapeKey(a.asset)},rule=${escapeKey(a.rule)},severity=${escapeKey(a.severity)},site=${escapeKey(a.site)} ${f} ${Math.trunc(a.ts)}`;
}

/** Measurement `fms_status`: tag site; fields the counts of the estate's state (Grafana's overview board). */
export function statusLine(st: StatusPoint): string {
  return `fms_status,site=${escapeKey(st.site)} ${fields(st.fields)} ${Math.trunc(st.ts)}`;
}

/** Measurement `fms_condition`: tags asset, metric, site, type; fields the assessment's figures (the asset board's condition panels). */
export function conditionLine(c: ConditionPoint): string {
  return `fms_condition,asset=${escapeKey(c.asset)},metric=${escapeKey(c.metric)},site=${escapeKey(c.site)},type=${escapeKey(c.type)} ${fields(c.fields)} ${Math.trunc(c.ts)}`;
}
