import type { DeviceType } from '../../devices/catalog.ts';
import { formatDuration } from '../shared/duration.ts';
import { isThresholdRule, type Condition, type EventRule, type Rule, type ThresholdRule } from './rule-schema.ts';

/** What the engine needs to know of an asset. */
export interface RuleTarget {
  id: string;
  type: DeviceType;
  site: string;
  tags: readonly string[];
}

/** An alarm change the engine decided on; the alarm service stores it and acts on it. */
export interface AlarmSignal {
  kind: 'raise' | 'repeat' | 'clear';
  rule: Rule;
  assetId: string;
  site: string;
  /** Time of the reading or event that decided it (or the tick for timed clears). */
  ts: number;
  value: number | null;
  message: string;
}

type Phase = 'normal' | 'pending' | 'active' | 'clearing';

interface RuleState {
  phase: Phase;
  /** Start of the current pending or clearing period. */
  since: number;
  /** Time of the last reading or event evaluated: older ones arriving late do not move the state back. */
  lastTs: number;
  site: string;
}

export interface RuleEngine {
  /** Evaluates the rules that watch the metrics of one reading. */
  onReading(target: RuleTarget, ts: number, fields: Readonly<Record<string, number | boolean>>): AlarmSignal[];
  /** Evaluates the rules that listen for one event. */
  onEvent(target: RuleTarget, ts: number, type: string): AlarmSignal[];
  /** Clears event alarms whose event has not come again within their `clear.after`. */
  tick(now: number): AlarmSignal[];
  /** Marks an alarm that is open in the database as active, so that a restart does not raise it again. */
  restoreActive(assetId: string, site: string, ruleId: string, lastTs: number): void;
  /** Replaces the rule set; state of rules that still exist is kept. */
  setRules(rules: readonly Rule[]): void;
  rules(): readonly Rule[];
}

/**
 * The stream rule engine: rules are indexed by asset type and metric (or event), so a reading costs
 * only the rules that watch it, however many rules exist. Time is the readings' own time, so a
 * `for: 60s` condition is confirmed by a reading at least 60 s after the first one that met it.
 */
export function createRuleEngine(initial: readonly Rule[]): RuleEngine {
  let all: Rule[] = [];
  let byMetric = new Map<string, ThresholdRule[]>();
  let byEvent = new Map<string, EventRule[]>();
  let byId = new Map<string, Rule>();
  // State per asset, then per rule: no string building on the hot path.
  const states = new Map<string, Map<string, RuleState>>();

  function index(rules: readonly Rule[]): void {
    all = rules.filter((r) => r.enabled);
    byMetric = new Map();
    byEvent = new Map();
    byId = new Map(all.map((r) => [r.id, r]));
    for (const r of all) {
      if (isThresholdRule(r)) push(byMetric, `${r.assetType}\0${r.metric}`, r);
      else push(byEvent, `${r.assetType}\0${r.on}`, r);
    }
    for (const perAsset of states.values()) for (const ruleId of perAsset.keys()) if (!byId.has(ruleId)) perAsset.delete(ruleId);
  }
  index(initial);

  return {
    onReading(target, ts, fields) {
      const out: AlarmSignal[] = [];
      for (const metric in fields) {
        const rules = byMetric.get(`${target.type}\0${metric}`);
        if (!rules) continue;
        const value = fields[metric]!;
        for (const rule of rules) {
          if (!applies(rule, target)) continue;
          const signal = stepThreshold(rule, stateOf(target, rule.id), ts, value, target);
          if (signal) out.push(signal);
        }
      }
      return out;
    },

    onEvent(target, ts, type) {
      const out: AlarmSignal[] = [];
      for (const rule of byEvent.get(`${target.type}\0${type}`) ?? []) {
        if (!applies(rule, target)) continue;
        const s = stateOf(target, rule.id);
        const kind = s.phase === 'active' ? 'repeat' : 'raise';
        s.phase = 'active';
        s.since = kind === 'raise' ? ts : s.since;
        s.lastTs = Math.max(s.lastTs, ts);
        out.push({ kind, rule, assetId: target.id, site: target.site, ts, value: null, message: `${title(rule)}: ${type} event` });
      }
      return out;
    },

    tick(now) {
      const out: AlarmSignal[] = [];
      for (const [assetId, perAsset] of states) {
        for (const [ruleId, s] of perAsset) {
          if (s.phase !== 'active') continue;
          const rule = byId.get(ruleId);
          if (!rule || isThresholdRule(rule) || !rule.clear) continue;
          if (now - s.lastTs >= rule.clear.after) {
            s.phase = 'normal';
            out.push({ kind: 'clear', rule, assetId, site: s.site, ts: now, value: null, message: `${title(rule)}: no ${rule.on} event for ${formatDuration(rule.clear.after)}` });
          }
        }
      }
      return out;
    },

    restoreActive(assetId, site, ruleId, lastTs) {
      let perAsset = states.get(assetId);
      if (!perAsset) states.set(assetId, (perAsset = new Map()));
      perAsset.set(ruleId, { phase: 'active', since: lastTs, lastTs, site });
    },

    setRules(rules) {
      index(rules);
    },

    rules() {
      return all;
    },
  };

  function stateOf(target: RuleTarget, ruleId: string): RuleState {
    let perAsset = states.get(target.id);
    if (!perAsset) states.set(target.id, (perAsset = new Map()));
    let s = perAsset.get(ruleId);
    if (!s) perAsset.set(ruleId, (s = { phase: 'normal', since: 0, lastTs: -Infinity, site: target.site }));
    return s;
  }
}

function stepThreshold(rule: ThresholdRule, s: RuleState, ts: number, value: number | boolean, target: RuleTarget): AlarmSignal | undefined {
  if (ts < s.lastTs) return undefined;
  s.lastTs = ts;
  s.site = target.site;
  const fires = holds(rule.when, value);
  switch (s.phase) {
    case 'normal':
      if (!fires) return undefined;
      s.since = ts;
      if ((rule.for ?? 0) === 0) return raise(rule, s, ts, value, target);
      s.phase = 'pending';
      return undefined;
    case 'pending':
      if (!fires) {
        s.phase = 'normal';
        return undefined;
      }
      return ts - s.since >= (rule.for ?? 0) ? raise(rule, s, ts, value, target) : undefined;
    case 'active':
    case 'clearing': {
      const clears = rule.clear ? holds(rule.clear as Condition, value) : !fires;
      if (!clears) {
        s.phase = 'active';
        return undefined;
      }
      if (s.phase === 'active') s.since = ts;
      if (ts - s.since < (rule.clear?.for ?? 0)) {
        s.phase = 'clearing';
        return undefined;
      }
      s.phase = 'normal';
      return signal('clear', rule, ts, value, target, `${title(rule)}: ${rule.metric} back to ${value}`);
    }
  }
}

function raise(rule: ThresholdRule, s: RuleState, ts: number, value: number | boolean, target: RuleTarget): AlarmSignal {
  s.phase = 'active';
  return signal('raise', rule, ts, value, target, describe(rule, value));
}

function signal(kind: AlarmSignal['kind'], rule: Rule, ts: number, value: number | boolean, target: RuleTarget, message: string): AlarmSignal {
  return { kind, rule, assetId: target.id, site: target.site, ts, value: typeof value === 'number' ? value : value ? 1 : 0, message };
}

/** Whether a value meets a condition; a boolean compared with a number never does. */
export function holds(c: Condition, v: number | boolean): boolean {
  switch (c.op) {
    case '>':
      return typeof v === 'number' && v > (c.value as number);
    case '>=':
      return typeof v === 'number' && v >= (c.value as number);
    case '<':
      return typeof v === 'number' && v < (c.value as number);
    case '<=':
      return typeof v === 'number' && v <= (c.value as number);
    case '==':
      return v === c.value;
    case '!=':
      return v !== c.value;
    case 'between':
      return typeof v === 'number' && v >= c.value[0] && v <= c.value[1];
    case 'outside':
      return typeof v === 'number' && (v < c.value[0] || v > c.value[1]);
  }
}

function applies(rule: Rule, t: RuleTarget): boolean {
  const sel = rule.select;
  if (!sel) return true;
  if (sel.sites && !sel.sites.includes(t.site)) return false;
  if (sel.assets && !sel.assets.includes(t.id)) return false;
  if (sel.tags && !sel.tags.every((tag) => t.tags.includes(tag))) return false;
  return true;
}

function describe(rule: ThresholdRule, value: number | boolean): string {
  const limit = Array.isArray(rule.when.value) ? `[${rule.when.value.join(', ')}]` : String(rule.when.value);
  const held = rule.for ? ` for ${formatDuration(rule.for)}` : '';
  return `${title(rule)}: ${rule.metric} ${value} ${rule.when.op} ${limit}${held}`;
}

function title(rule: Rule): string {
  return rule.workOrder?.title ?? rule.id;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
