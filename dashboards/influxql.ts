import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

/** The InfluxDB datasource every board uses; provisioning gives it this uid (dashboards/provisioning). */
export const influx: dashboard.DataSourceRef = { type: 'influxdb', uid: 'fms-influxdb' };

export type Aggregate = 'mean' | 'max' | 'min' | 'last' | 'sum' | 'count' | 'spread' | 'first';

export interface Field {
  field: string;
  fn?: Aggregate;
  /** Column name in the result (and the series name Grafana shows). */
  as?: string;
}

export interface Select {
  fields: Field[];
  from: string;
  /**
   * Tag conditions: a template variable (`$site`) matches as a regular expression so that multi-value
   * and "All" work; any other value matches exactly.
   */
  where?: Record<string, string>;
  /** Extra raw conditions, joined with AND (e.g. `"type" = 'door_fault'`). */
  and?: string[];
  /** Group by time($__interval) (or this interval); omit for a single value over the range. */
  every?: string | false;
  by?: string[];
  fill?: 'null' | 'none' | '0' | 'previous' | 'linear';
}

const ident = (name: string) => (name === '*' ? '*' : `"${name.replace(/"/g, '\\"')}"`);
const literal = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A typed InfluxQL SELECT for Grafana (the foundation SDK has no InfluxQL builder): identifiers quoted,
 * values escaped, Grafana's `$timeFilter` always in, `GROUP BY time($__interval)` by default.
 */
export function influxql(q: Select): string {
  const fields = q.fields.map((f) => `${f.fn ? `${f.fn}(${ident(f.field)})` : ident(f.field)}${f.as ? ` AS ${ident(f.as)}` : ''}`).join(', ');
  const conditions = Object.entries(q.where ?? {}).map(([tag, value]) =>
    value.startsWith('$') ? `${ident(tag)} =~ /^${value}$/` : `${ident(tag)} = ${literal(value)}`,
  );
  conditions.push(...(q.and ?? []), '$timeFilter');
  const group = [...(q.every === false ? [] : [`time(${q.every ?? '$__interval'})`]), ...(q.by ?? []).map(ident)];
  const from = q.from.startsWith('/') ? q.from : ident(q.from);
  return `SELECT ${fields} FROM ${from} WHERE ${conditions.join(' AND ')}${group.length ? ` GROUP BY ${group.join(', ')}` : ''}${q.fill && q.every !== false ? ` fill(${q.fill})` : ''}`;
}

/** An InfluxDB (InfluxQL) query target as Grafana stores it in a panel. */
export interface InfluxTarget extends cog.Dataquery {
  refId: string;
  datasource: dashboard.DataSourceRef;
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export class InfluxTargetBuilder implements cog.Builder<cog.Dataquery> {
  private readonly target: InfluxTarget;

  constructor(query: string | Select, refId = 'A') {
    this.target = {
      refId,
      datasource: influx,
      query: typeof query === 'string' ? query : influxql(query),
      rawQuery: true,
      resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    };
  }

  /** Series name, e.g. `$tag_asset` for one line per asset. */
  alias(alias: string): this {
    this.target.alias = alias;
    return this;
  }

  table(): this {
    this.target.resultFormat = 'table';
    return this;
  }

  build(): cog.Dataquery {
    return this.target;
  }
}

export const target = (query: string | Select, refId?: string) => new InfluxTargetBuilder(query, refId);
