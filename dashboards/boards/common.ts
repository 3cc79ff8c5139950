import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { alarmAnnotations, tagVariable } from '../panels.ts';

/** Every FMS board: the same defaults for time range, refresh and tags, and links to the others. */
export function board(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['fms', 'generated'])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .editable()
    .link(
      new dashboard.DashboardLinkBuilder('FMS boards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['fms'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

export const siteVariable = (measurement: string) => `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "site"`;
export const assetVariable = (measurement: string) => `SHOW TAG VALUES FROM "${measurement}" WITH KEY = "asset" WHERE "site" =~ /^$site$/`;

/** A board for one device type: site and asset variables over its measurement, its alarms as annotations. */
export function deviceBoard(
  uid: string,
  title: string,
  description: string,
  measurement: 'pump' | 'elevator' | 'gate',
  assetLabel: string,
): dashboard.DashboardBuilder {
  return board(uid, title, description)
    .withVariable(tagVariable('site', 'Site', siteVariable(measurement)))
    .withVariable(tagVariable('asset', assetLabel, assetVariable(measurement)))
    .annotation(alarmAnnotations({ site: '$site', asset: '$asset' }));
}
