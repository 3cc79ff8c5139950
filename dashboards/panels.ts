import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { influx, target, type Select } from './influxql.ts';

/** Threshold steps: the base colour, then a colour from each value up. */
export function steps(base: string, ...from: [number, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null as unknown as number, color: base }, ...from.map(([value, color]) => ({ value, color }))]);
}

interface PanelOptions {
  unit?: string;
  thresholds?: dashboard.ThresholdsConfigBuilder;
  min?: number;
  max?: number;
  decimals?: number;
  description?: string;
  width?: number;
  height?: number;
  /** Series name: `$tag_asset` gives one line per asset. */
  alias?: string;
}

/** A time series, with threshold lines drawn when thresholds are given. */
export function timeseriesPanel(title: string, queries: Select | Select[], o: PanelOptions = {}): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(title)
    .datasource(influx)
    .span(o.width ?? 12)
    .height(o.height ?? 8)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never);
  (Array.isArray(queries) ? queries : [queries]).forEach((q, i) => {
    const t = target(q, String.fromCharCode(65 + i));
    p.withTarget(o.alias ? t.alias(o.alias) : t);
  });
  if (o.unit) p.unit(o.unit);
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  if (o.decimals !== undefined) p.decimals(o.decimals);
  if (o.description) p.description(o.description);
  if (o.thresholds) p.thresholds(o.thresholds).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  return p;
}

/** One big number: the last value of the range (or another reducer). */
export function statPanel(title: string, query: Select, o: PanelOptions & { calc?: string } = {}): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(title)
    .datasource(influx)
    .span(o.width ?? 4)
    .height(o.height ?? 4)
    .withTarget(target(query))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs([o.calc ?? 'lastNotNull']).values(false))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.Area);
  if (o.unit) p.unit(o.unit);
  if (o.thresholds) p.thresholds(o.thresholds);
  if (o.decimals !== undefined) p.decimals(o.decimals);
  if (o.description) p.description(o.description);
  return p;
}

/** A table of rows (events, alarms, last values per asset). */
export function tablePanel(title: string, query: Select | string, o: PanelOptions = {}): table.PanelBuilder {
  const p = new table.PanelBuilder()
    .title(title)
    .datasource(influx)
    .span(o.width ?? 12)
    .height(o.height ?? 8)
    .withTarget(target(query).table());
  if (o.description) p.description(o.description);
  if (o.unit) p.unit(o.unit);
  return p;
}

/** A query variable over InfluxDB tag values: multi-select with "All". */
export function tagVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(influx)
    .query(query)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** Alarms from the `alarms` measurement as annotations (raised and cleared), for the assets shown. */
export function alarmAnnotations(where: Record<string, string>): cog.Builder<dashboard.AnnotationQuery> {
  const conditions = Object.entries(where).map(([tag, v]) => `"${tag}" =~ /^${v}$/`);
  const query = `SELECT "value", "state", "rule", "severity" FROM "alarms" WHERE ${[...conditions, '$timeFilter'].join(' AND ')}`;
  return {
    build: () =>
      ({
        name: 'Alarms',
        datasource: influx,
        enable: true,
        hide: false,
        iconColor: 'red',
        // InfluxDB annotations: the query, and which columns give the text and the tags (limit,
        // matchAny, tags and type belong to Grafana's own annotation target and are unused here).
        target: { limit: 100, matchAny: false, tags: [], type: '', refId: 'Alarms', query, rawQuery: true, resultFormat: 'table' },
        textColumn: 'state',
        tagsColumn: 'rule,severity',
      }) as unknown as dashboard.AnnotationQuery,
  };
}
