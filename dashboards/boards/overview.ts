import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { alarmAnnotations, statPanel, steps, tablePanel, tagVariable, timeseriesPanel } from '../panels.ts';
import { board, siteVariable } from './common.ts';

const status = (field: string, as?: string) => ({
  fields: [{ field, fn: 'last' as const, ...(as ? { as } : {}) }],
  from: 'fms_status',
  where: { site: '$site' },
  every: false as const,
});

/** Estate overview: assets by state, active alarms, open work orders by priority, SLA breaches. */
export function overviewBoard() {
  return board(
    'fms-overview',
    'FMS · Estate overview',
    'Assets online and offline, active alarms, open work orders by priority and SLA breaches, per site (from the fms_status measurement FMS writes every minute).',
  )
    .withVariable(tagVariable('site', 'Site', siteVariable('fms_status')))
    .annotation(alarmAnnotations({ site: '$site' }))
    .withRow(new RowBuilder('Now'))
    .withPanel(statPanel('Assets online', status('assets_online'), { thresholds: steps('blue') }))
    .withPanel(statPanel('Assets offline', status('assets_offline'), { thresholds: steps('green', [1, 'red']) }))
    .withPanel(statPanel('Active alarms', status('alarms_active'), { thresholds: steps('green', [1, 'orange']) }))
    .withPanel(statPanel('Critical alarms', status('alarms_critical'), { thresholds: steps('green', [1, 'red']) }))
    .withPanel(statPanel('Open P1 work orders', status('work_orders_p1'), { thresholds: steps('green', [1, 'red']) }))
    .withPanel(
      statPanel('SLA breaches (open orders)', status('work_orders_breached'), {
        thresholds: steps('green', [1, 'red']),
        description: 'Open work orders that missed an acknowledge, on-site or resolve deadline.',
      }),
    )
    .withRow(new RowBuilder('Over time'))
    .withPanel(
      timeseriesPanel(
        'Open work orders by priority',
        {
          fields: ['p1', 'p2', 'p3', 'p4'].map((p) => ({ field: `work_orders_${p}`, fn: 'last' as const, as: p.toUpperCase() })),
          from: 'fms_status',
          where: { site: '$site' },
          fill: 'previous',
        },
        { unit: 'short', min: 0, decimals: 0 },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Alarms and breaches',
        {
          fields: [
            { field: 'alarms_active', fn: 'last', as: 'active alarms' },
            { field: 'alarms_critical', fn: 'last', as: 'critical' },
            { field: 'work_orders_breached', fn: 'last', as: 'SLA breaches' },
          ],
          from: 'fms_status',
          where: { site: '$site' },
          fill: 'previous',
        },
        { unit: 'short', min: 0, decimals: 0 },
      ),
    )
    .withPanel(
      tablePanel(
        'Alarm changes',
        { fields: [{ field: 'state' }, { field: 'value' }], from: 'alarms', where: { site: '$site' }, every: false, by: ['asset', 'rule', 'severity'] },
        { description: 'Every alarm raised, acknowledged and cleared in the time range.' },
      ),
    );
}
