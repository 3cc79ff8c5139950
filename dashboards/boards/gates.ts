import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { steps, tablePanel, timeseriesPanel } from '../panels.ts';
import { deviceBoard } from './common.ts';

const where = { site: '$site', asset: '$asset' };

/** Gates: passages, forced and held-open events, supply voltage, battery, offline devices. */
export function gatesBoard() {
  return deviceBoard(
    'fms-gates',
    'FMS · Access gates',
    'Access gates: passages, forced-open and held-open events, supply voltage within ±5 % of 24 V, backup battery, and when each gate last reported.',
    'gate',
    'Gate',
  )
    .withRow(new RowBuilder('Traffic and security'))
    .withPanel(
      timeseriesPanel(
        'Passages per hour',
        { fields: [{ field: 'passages', fn: 'spread' }], from: 'gate', where, every: '1h', by: ['asset'] },
        { unit: 'short', min: 0, decimals: 0, alias: '$tag_asset' },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Forced and held open',
        { fields: [{ field: 'count', fn: 'count' }], from: 'events', where, and: [`"type" =~ /^(forced_open|held_open|tamper)$/`], by: ['type'], fill: '0' },
        { unit: 'short', min: 0, decimals: 0, alias: '$tag_type' },
      ),
    )
    .withRow(new RowBuilder('Power'))
    .withPanel(
      timeseriesPanel(
        'Supply voltage',
        { fields: [{ field: 'supply_v', fn: 'mean' }], from: 'gate', where, by: ['asset'] },
        { unit: 'volt', thresholds: steps('red', [22.8, 'green'], [25.2, 'red']), alias: '$tag_asset', description: '24 V ±5 %.' },
      ),
    )
    .withPanel(
      timeseriesPanel(
        'Backup battery',
        { fields: [{ field: 'battery_pct', fn: 'min' }], from: 'gate', where, by: ['asset'] },
        { unit: 'percent', min: 0, max: 100, thresholds: steps('red', [20, 'yellow'], [30, 'green']), alias: '$tag_asset' },
      ),
    )
    .withPanel(
      tablePanel(
        'Last report per gate',
        { fields: [{ field: 'supply_v', fn: 'last', as: 'supply_v' }], from: 'gate', where, every: false, by: ['asset'] },
        { description: 'The time column is when each gate last reported: an old one is offline (FMS raises gate.offline after 5 minutes).' },
      ),
    );
}
