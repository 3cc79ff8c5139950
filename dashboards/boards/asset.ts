import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { alarmAnnotations, statPanel, steps, tablePanel, tagVariable, timeseriesPanel } from '../panels.ts';
import { board } from './common.ts';

/** The asset's condition as FMS's hourly check found it (measurement `fms_condition`, docs/prediction.md). */
const condition = (field: string, fn: 'last' | 'mean' = 'last') => ({
  fields: [{ field, fn, as: field }],
  from: 'fms_condition',
  where: { asset: '$asset' },
  every: '1h',
  by: ['metric'],
  fill: 'none' as const,
});

/** One asset: its condition and predicted remaining life, every metric it reports, its events and its alarms. */
export function assetBoard() {
  return board(
    'fms-asset',
    'FMS · Asset',
    'One asset in detail: its health and condition as FMS assesses them every hour, when each indicator will likely reach its limit, every metric it reports, its events and its alarms. Pick the site, type and asset.',
  )
    .withVariable(tagVariable('site', 'Site', 'SHOW TAG VALUES FROM /^(pump|elevator|gate)$/ WITH KEY = "site"').multi(false).includeAll(false))
    .withVariable(new dashboard.CustomVariableBuilder('type').label('Type').values('pump,elevator,gate').current({ text: 'pump', value: 'pump' }))
    .withVariable(tagVariable('asset', 'Asset', 'SHOW TAG VALUES FROM /^$type$/ WITH KEY = "asset" WHERE "site" =~ /^$site$/').multi(false).includeAll(false))
    .annotation(alarmAnnotations({ asset: '$asset' }))
    .withPanel(
      statPanel(
        'Health',
        { ...condition('health'), by: [] },
        { thresholds: steps('red', [50, 'orange'], [70, 'green']), description: '0–100, 100 as new (docs/reports.md).' },
      ),
    )
    .withPanel(
      statPanel(
        'Risk (of 500)',
        { ...condition('risk'), by: [] },
        { thresholds: steps('green', [100, 'orange'], [200, 'red']), description: 'Health points lost × criticality.' },
      ),
    )
    .withPanel(
      statPanel(
        'Limit likely reached in (h)',
        { ...condition('rul_likely_h'), by: [] },
        {
          unit: 'h',
          thresholds: steps('red', [24, 'orange'], [336, 'green']),
          description: 'The soonest likely crossing of a limit by any indicator, in hours; the range is on the chart below. Empty: no crossing predicted.',
        },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Condition: level against its healthy level, warning and limit',
        [condition('level'), condition('baseline'), condition('warning'), condition('limit')],
        {
          height: 9,
          unit: 'short',
          alias: '$tag_metric $col',
          description:
            'Each condition indicator as the hourly check assessed it, in its own unit (vibration mm/s, temperature °C, levelling mm): its recent level, the asset’s own healthy level, and the levels of the rule that fires at the limit.',
        },
      ),
    )
    .withPanel(
      timeseriesPanel('Remaining life to the limit (h): likely and 80 % range', [condition('rul_low_h'), condition('rul_likely_h'), condition('rul_high_h')], {
        height: 9,
        unit: 'h',
        alias: '$tag_metric $col',
        description:
          'When each indicator will likely reach its limit, in hours from each check, with the range that holds it 8 times out of 10. A predictive work order opens when the likely time enters FMS_PREDICTIVE_WINDOW.',
      }),
    )
    .withPanel(
      timeseriesPanel(
        'All metrics',
        { fields: [{ field: '*', fn: 'mean' }], from: '/^$type$/', where: { site: '$site', asset: '$asset' } },
        {
          height: 12,
          unit: 'short',
          description: 'The mean of every numeric metric per interval (each in its own unit: see the device board for units and limits).',
        },
      ),
    )
    .withPanel(tablePanel('Events', { fields: [{ field: '*' }], from: 'events', where: { asset: '$asset' }, every: false, by: ['type'] }, { width: 12 }))
    .withPanel(
      tablePanel(
        'Alarms',
        { fields: [{ field: 'state' }, { field: 'value' }], from: 'alarms', where: { asset: '$asset' }, every: false, by: ['rule', 'severity'] },
        { width: 12 },
      ),
    );
}
