/**
 * The levels a reading is judged by, per metric of one asset: the condition indicators' normal,
 * warning and limit (services/condition/indicators.ts, as GET /api/assets/{id}/health gives them)
 * and the thresholds of the rules in force for the asset (GET /api/rules): a warning rule's value is
 * a warning level, a major or critical rule's a limit. What the page draws and flags is what raises
 * the alarms.
 */

export interface Level {
  value: number;
  kind: 'normal' | 'warning' | 'limit';
  /** Which side is bad: a level crossed upwards (vibration) or downwards (battery). */
  side: 'above' | 'below';
}

/** An indicator as the health API gives it. */
export interface IndicatorLevels {
  metric: string;
  normal: number;
  warning: number;
  limit: number;
  absolute?: boolean | undefined;
}

type Condition = { op: string; value: unknown };
/** A rule as the rules API gives it (only what thresholds need). */
export interface RuleLike {
  assetType: string;
  enabled?: boolean;
  severity: string;
  metric?: string;
  change?: unknown;
  usage?: unknown;
  when?: Condition;
  select?: { sites?: string[] | undefined; assets?: string[] | undefined; tags?: string[] | undefined } | undefined;
  overrides?: Record<string, { when?: Condition | undefined }> | undefined;
}

export interface AssetLike {
  id: string;
  type: string;
  site: string;
  tags?: string[] | undefined;
}

const applies = (r: RuleLike, a: AssetLike) => {
  if (r.assetType !== a.type || r.enabled === false) return false;
  const s = r.select;
  return (
    !s || ((!s.sites || s.sites.includes(a.site)) && (!s.assets || s.assets.includes(a.id)) && (!s.tags || s.tags.some((t) => (a.tags ?? []).includes(t))))
  );
};

function fromRule(r: RuleLike, asset: AssetLike): Level[] {
  const when = r.overrides?.[asset.id]?.when ?? r.when;
  if (!when || r.change || r.usage) return [];
  const kind: Level['kind'] = r.severity === 'warning' || r.severity === 'info' ? 'warning' : 'limit';
  const v = when.value;
  if (typeof v === 'number') {
    if (when.op === '>' || when.op === '>=') return [{ value: v, kind, side: 'above' }];
    if (when.op === '<' || when.op === '<=') return [{ value: v, kind, side: 'below' }];
    return [];
  }
  if (Array.isArray(v) && when.op === 'outside' && typeof v[0] === 'number' && typeof v[1] === 'number') {
    return [
      { value: v[0], kind, side: 'below' },
      { value: v[1], kind, side: 'above' },
    ];
  }
  return [];
}

/** Every metric's levels for an asset, strictest first within a kind; the indicator's own where it has one. */
export function levelsFor(asset: AssetLike, indicators: readonly IndicatorLevels[], rules: readonly RuleLike[]): Map<string, Level[]> {
  const out = new Map<string, Level[]>();
  const add = (metric: string, l: Level) => {
    const list = out.get(metric) ?? [];
    if (!list.some((x) => x.value === l.value && x.side === l.side)) list.push(l);
    out.set(metric, list);
  };
  for (const x of indicators) {
    add(x.metric, { value: x.normal, kind: 'normal', side: 'above' });
    add(x.metric, { value: x.warning, kind: 'warning', side: 'above' });
    add(x.metric, { value: x.limit, kind: 'limit', side: 'above' });
    if (x.absolute) {
      add(x.metric, { value: -x.warning, kind: 'warning', side: 'below' });
      add(x.metric, { value: -x.limit, kind: 'limit', side: 'below' });
    }
  }
  for (const r of rules) if (r.metric && applies(r, asset)) for (const l of fromRule(r, asset)) add(r.metric, l);
  const rank = { limit: 0, warning: 1, normal: 2 };
  for (const list of out.values()) list.sort((a, b) => rank[a.kind] - rank[b.kind] || a.value - b.value);
  return out;
}

/** The worst level a value is past: `limit`, `warning`, or null when it is within them. */
export function judge(value: number, levels: readonly Level[]): 'limit' | 'warning' | null {
  const past = (l: Level) => (l.side === 'above' ? value >= l.value : value <= l.value);
  if (levels.some((l) => l.kind === 'limit' && past(l))) return 'limit';
  if (levels.some((l) => l.kind === 'warning' && past(l))) return 'warning';
  return null;
}
