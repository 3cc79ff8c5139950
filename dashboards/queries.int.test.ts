import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultRules } from '../services/rules/rule-loader.ts';
import { createInfluxClient } from '../services/telemetry/influx-client.ts';
import { conditionPoint } from '../services/condition/condition-watch.ts';
import { indicatorsByType } from '../services/condition/indicators.ts';
import { assessIndicator } from '../services/prediction/assess.ts';
import { hourly } from '../services/reports/testing/fixture.ts';
import { alarmLine, conditionLine, eventLine, statusLine, telemetryLine } from '../services/telemetry/line-protocol.ts';
import { requireProgram } from '../services/testing/harness.ts';
import { startInfluxd, type Influxd } from '../services/testing/influxd.ts';
import { checkScenario } from '../simulators/scenario-check.ts';
import { devicesOf, generateMessages, scenarioSchema } from '../simulators/scenario.ts';
import { buildBoards } from './index.ts';

const influxd = requireProgram('influxd', 'influxdb');

/** Grafana's macros and template variables, as Grafana would fill them in for the last 6 hours. */
function substitute(query: string, vars: Record<string, string>): string {
  let q = query.replace(/\$timeFilter/g, 'time > now() - 6h').replace(/\$__interval/g, '1m');
  for (const [name, value] of Object.entries(vars)) q = q.replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  return q;
}

/** Two hours of a simulated estate, ending now, with faults that give events and alarms. */
const scenario = scenarioSchema.parse({
  name: 'boards',
  seed: 9,
  start: new Date(Date.now() - 2 * 3_600_000).toISOString(),
  interval: '30s',
  duration: '2h',
  devices: [
    { type: 'pump', site: 'riverside', count: 2, prefix: 'rs-pump' },
    { type: 'elevator', site: 'riverside', count: 2, prefix: 'rs-elevator' },
    { type: 'gate', site: 'riverside', count: 2, prefix: 'rs-gate' },
  ],
  faults: [
    { at: '10m', device: 'rs-pump-01', fault: 'bearing_wear', ramp: '20m' },
    { at: '20m', device: 'rs-pump-02', fault: 'trip' },
    { at: '15m', device: 'rs-elevator-01', fault: 'door_obstruction', until: '40m' },
    { at: '30m', device: 'rs-elevator-02', fault: 'entrapment' },
    { at: '25m', device: 'rs-gate-01', fault: 'forced_open' },
    { at: '26m', device: 'rs-gate-02', fault: 'held_open' },
  ],
});

describe.skipIf(!influxd.available)(`every board query returns rows from a real influxd ${influxd.reason}`, () => {
  let server: Influxd;
  let client: ReturnType<typeof createInfluxClient>;
  const results: string[] = [];

  beforeAll(async () => {
    server = await startInfluxd();
    client = createInfluxClient({ url: server.url, db: 'fms', rp: undefined, token: undefined, username: undefined, password: undefined });
    await client.query('CREATE DATABASE fms', 'POST');
    // What FMS writes: readings, events, alarm changes and the estate status, in its line protocol.
    const lines: string[] = [];
    const types = new Map(devicesOf(scenario).map((d) => [d.id, d.type]));
    for (const m of generateMessages(scenario)) {
      const [, site, type, asset, channel] = m.topic.split('/');
      if (channel === 'telemetry') {
        const { ts, ...fields } = JSON.parse(m.payload) as { ts: number } & Record<string, number | boolean>;
        lines.push(telemetryLine({ measurement: type as never, site: site!, asset: asset!, ts, fields }));
      } else if (channel === 'event') {
        const { ts, type: eventType, ...details } = JSON.parse(m.payload) as { ts: number; type: string } & Record<string, string | number | boolean>;
        lines.push(eventLine({ site: site!, asset: asset!, type: eventType, ts, details }));
      }
    }
    for (const s of checkScenario(scenario, loadDefaultRules()).signals) {
      const [offset, kind, rule, asset] = s.split(' ');
      lines.push(
        alarmLine({
          site: 'riverside',
          asset: asset!,
          rule: rule!,
          severity: 'critical',
          ts: scenario.start + parseInt(offset!, 10) * 1000,
          state: kind === 'raise' ? 'active' : 'cleared',
          value: null,
        }),
      );
    }
    for (let t = scenario.start; t <= scenario.start + scenario.duration; t += 60_000) {
      lines.push(
        statusLine({
          site: 'riverside',
          ts: t,
          fields: {
            assets: types.size,
            assets_online: 6,
            assets_offline: 0,
            alarms_active: 2,
            alarms_critical: 1,
            work_orders_open: 3,
            work_orders_p1: 1,
            work_orders_p2: 1,
            work_orders_p3: 1,
            work_orders_p4: 0,
            work_orders_breached: 1,
          },
        }),
      );
    }
    // The hourly condition check's findings for the wearing pump, as FMS writes them (fms_condition).
    const wearing = hourly(Date.now() - 20 * 86_400_000, 20 * 24, (h) => 2.2 + (h < 400 ? 0 : 0.1 * (Math.exp((h - 400) / 40) - 1)));
    const spec = indicatorsByType.pump!.find((x) => x.metric === 'vibration_mms')!;
    for (let t = scenario.start; t <= scenario.start + scenario.duration; t += 3_600_000) {
      const assessment = assessIndicator(wearing, { at: t, limit: spec.limit, warning: spec.warning, normal: spec.normal });
      expect(assessment.rulHours).not.toBeNull();
      const health = { at: t, assetId: 'rs-pump-01', site: 'riverside', type: 'pump', score: 62, risk: 152, action: 'schedule_repair' } as never;
      lines.push(conditionLine(conditionPoint(health, { ...spec, assessment })));
    }
    for (let i = 0; i < lines.length; i += 5000) expect(await client.write(lines.slice(i, i + 5000).join('\n'))).toEqual({ kind: 'ok' });
  }, 120_000);

  afterAll(async () => {
    await server?.destroy();
    if (results.length) process.stdout.write(`board queries:\n${results.join('\n')}\n`);
  });

  const boards = buildBoards();
  const vars = { site: 'riverside', asset: '.*', type: 'pump' };
  for (const [file, board] of Object.entries(boards)) {
    it(`${file}: every panel, variable and annotation query returns rows`, async () => {
      const queries: [string, string][] = [];
      for (const p of (board.panels ?? []) as unknown as { type: string; title: string; targets?: { query: string }[] }[]) {
        for (const t of p.targets ?? []) queries.push([`panel "${p.title}"`, t.query]);
      }
      for (const v of board.templating?.list ?? []) if (v.type === 'query') queries.push([`variable $${v.name}`, String(v.query)]);
      for (const a of board.annotations?.list ?? []) queries.push([`annotation ${a.name}`, (a.target as unknown as { query: string }).query]);
      expect(queries.length).toBeGreaterThan(2);
      for (const [what, raw] of queries) {
        const q = substitute(raw, file === 'asset.json' ? { ...vars, asset: 'rs-pump-01' } : vars);
        const series = await client.query<unknown[]>(q);
        const rows = series.reduce((n, s) => n + (s.values?.length ?? 0), 0);
        results.push(`  ${file} ${what}: ${series.length} series, ${rows} rows`);
        expect(rows, `${file} ${what}: ${q}`).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});
