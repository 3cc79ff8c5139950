import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Select } from '../influxql.ts';
import { statPanel, steps, tablePanel, timeseriesPanel } from '../panels.ts';
import { deviceBoard } from './common.ts';

const where = { site: '$site', asset: '$asset' };
const mean = (field: string): Select => ({ fields: [{ field, fn: 'mean' }], from: 'pump', where, by: ['asset'] });

/** Pumps: flow, pressures, vibration against the ISO 10816 limits, temperatures, run-hours, starts per hour. */
export function pumpsBoard() {
  return deviceBoard(
    'fms-pumps',
    'FMS · Pumps',
    'Water pumps: flow, pressures, vibration against 4.5 / 7.1 mm/s (ISO 10816), motor temperature, current, run-hours and starts.',
    'pump',
    'Pump',
  )
    .withRow(new RowBuilder('Hydraulics'))
    .withPanel(timeseriesPanel('Flow', mean('flow_m3h'), { unit: 'm3/h', min: 0, alias: '$tag_asset' }))
    .withPanel(
      timeseriesPanel(
        'Pressures',
        [
          { ...mean('pressure_out_bar'), fields: [{ field: 'pressure_out_bar', fn: 'mean', as: 'discharge' }] },
          { ...mean('pressure_in_bar'), fields: [{ field: 'pressure_in_bar', fn: 'mean', as: 'suction' }] },
        ],
        {
          unit: 'pressurebar',
          min: 0,
          thresholds: steps('red', [0.3, 'green']),
          alias: '$tag_asset $col',
          description: 'Suction below 0.3 bar while running means cavitation.',
        },
      ),
    )
    .withRow(new RowBuilder('Condition'))
    .withPanel(
      timeseriesPanel('Vibration (RMS velocity)', mean('vibration_mms'), {
        unit: 'velocitymms',
        min: 0,
        thresholds: steps('green', [4.5, 'yellow'], [7.1, 'red']),
        alias: '$tag_asset',
        description: 'ISO 10816: above 4.5 mm/s needs attention, above 7.1 mm/s damage is likely.',
      }),
    )
    .withPanel(
      timeseriesPanel('Motor / bearing temperature', mean('motor_temp_c'), {
        unit: 'celsius',
        thresholds: steps('green', [70, 'yellow'], [80, 'red']),
        alias: '$tag_asset',
      }),
    )
    .withPanel(timeseriesPanel('Current', mean('current_a'), { unit: 'amp', min: 0, alias: '$tag_asset' }))
    .withPanel(
      timeseriesPanel(
        'Starts per hour',
        { fields: [{ field: 'starts', fn: 'spread' }], from: 'pump', where, every: '1h', by: ['asset'] },
        {
          unit: 'short',
          min: 0,
          decimals: 0,
          thresholds: steps('green', [12, 'red']),
          alias: '$tag_asset',
          description: 'More than 12 starts an hour wears the motor.',
        },
      ),
    )
    .withRow(new RowBuilder('Usage'))
    .withPanel(
      statPanel(
        'Run-hours',
        { fields: [{ field: 'run_hours', fn: 'last' }], from: 'pump', where, every: false, by: ['asset'] },
        { unit: 'h', decimals: 0, thresholds: steps('blue'), width: 12 },
      ),
    )
    .withPanel(
      tablePanel(
        'Trips and dry runs',
        { fields: [{ field: 'count' }], from: 'events', where: { ...where }, and: [`"type" =~ /^(trip|dry_run)$/`], every: false, by: ['asset', 'type'] },
        { width: 12 },
      ),
    );
}
