import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { statPanel, steps, tablePanel, timeseriesPanel } from '../panels.ts';
import { deviceBoard } from './common.ts';

const where = { site: '$site', asset: '$asset' };

/** Elevators: trips, door cycles, door faults, levelling error, temperatures, in service. */
export function elevatorsBoard() {
  return deviceBoard(
    'fms-elevators',
    'FMS · Elevators',
    'Elevators: trips and door cycles, door faults, levelling error against ±10 mm, motor temperature, and whether each car is in service.',
    'elevator',
    'Elevator',
  )
    .withRow(new RowBuilder('Traffic'))
    .withPanel(
      timeseriesPanel(
        'Trips',
        { fields: [{ field: 'trips', fn: 'spread' }], from: 'elevator', where, by: ['asset'] },
        { unit: 'short', min: 0, decimals: 0, alias: '$tag_asset', width: 8 },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Door cycles',
        { fields: [{ field: 'door_cycles', fn: 'spread' }], from: 'elevator', where, by: ['asset'] },
        { unit: 'short', min: 0, decimals: 0, alias: '$tag_asset', width: 8 },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Load',
        { fields: [{ field: 'load_pct', fn: 'mean' }], from: 'elevator', where, by: ['asset'] },
        { unit: 'percent', min: 0, max: 100, alias: '$tag_asset', width: 8 },
      ),
    )
    .withRow(new RowBuilder('Condition'))
    .withPanel(
      timeseriesPanel(
        'Levelling error',
        { fields: [{ field: 'leveling_error_mm', fn: 'max' }], from: 'elevator', where, by: ['asset'] },
        {
          unit: 'lengthmm',
          thresholds: steps('red', [-10, 'green'], [10, 'red']),
          alias: '$tag_asset',
          description: 'A stop more than 10 mm from the landing is a trip hazard.',
        },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Motor temperature',
        { fields: [{ field: 'motor_temp_c', fn: 'mean' }], from: 'elevator', where, by: ['asset'] },
        { unit: 'celsius', thresholds: steps('green', [70, 'yellow'], [85, 'red']), alias: '$tag_asset' },
      ),
    )
    .withPanel(
      statPanel(
        'In service',
        { fields: [{ field: 'load_pct', fn: 'count', as: 'readings' }], from: 'elevator', where, every: false, and: ['"in_service" = true'], by: ['asset'] },
        {
          thresholds: steps('red', [1, 'green']),
          description: 'Readings with the car in service in the range, per elevator: 0 means out of service all along.',
          width: 12,
        },
      ),
    )
    .withPanel(
      tablePanel(
        'Door faults and entrapments',
        {
          fields: [{ field: 'count', fn: 'count' }],
          from: 'events',
          where,
          and: [`"type" =~ /^(door_fault|entrapment|alarm_button|safety_circuit_open)$/`],
          every: false,
          by: ['asset', 'type'],
        },
        { width: 12 },
      ),
    );
}
