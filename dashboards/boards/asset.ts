import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { alarmAnnotations, tablePanel, tagVariable, timeseriesPanel } from '../panels.ts';
import { board } from './common.ts';

/** One asset: every metric it reports, its events and its alarms. */
export function assetBoard() {
  return board('fms-asset', 'FMS · Asset', 'One asset in detail: every metric it reports, its events and its alarms. Pick the site, type and asset.')
    .withVariable(tagVariable('site', 'Site', 'SHOW TAG VALUES FROM /^(pump|elevator|gate)$/ WITH KEY = "site"').multi(false).includeAll(false))
    .withVariable(new dashboard.CustomVariableBuilder('type').label('Type').values('pump,elevator,gate').current({ text: 'pump', value: 'pump' }))
    .withVariable(tagVariable('asset', 'Asset', 'SHOW TAG VALUES FROM /^$type$/ WITH KEY = "asset" WHERE "site" =~ /^$site$/').multi(false).includeAll(false))
    .annotation(alarmAnnotations({ asset: '$asset' }))
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
