import type { DeviceType } from '../../devices/catalog.ts';
import { formatDuration } from '../shared/duration.ts';
import {
  isCombinationRule,
  isEventRule,
  isThresholdRule,
  type CombinationRule,
  type Condition,
  type EventRule,
  type Rule,
  type SilenceRule,
  type ThresholdRule,
} from './rule-schema.ts';

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

export interface RuleState {
  phase: Phase;
  /** Start of the current pending or clearing period. */
  since: number;
  /** Time of the last reading or event evaluated: older ones arriving late do not move the state back. */
  lastTs: number;
  site: string;
  /** Whether the condition held at the last reading (a `repeat` counts the moments it becomes true). */
  held: boolean;
  /** Times the condition became true (or the event came), within the `repeat` window. */
  edges: number[];
  /** Recent values, for a rate of change over a window. */
  history: { ts: number; value: number }[];
  /** For usage rules: the counter's growth since the anchor, and its last value. */
  usage?: number;
  lastCounter?: number;
}

export interface SavedRuleState {
  assetId: string;
  ruleId: string;
  state: RuleState;
}

/** The broker's state, so that silence is measured only while devices could have been heard. */
export interface TickContext {
  /** Every asset the silence rules may watch. */
  targets: Iterable<RuleTarget>;
  /** Since when the broker has been up without interruption; null while it is down. */
  brokerUpSince: number | null;
}

export interface RuleEngine {
  /** Evaluates the rules that watch the metrics of one reading. */
  onReading(target: RuleTarget, ts: number, fields: Readonly<Record<string, number | boolean>>): readonly AlarmSignal[];
  /** Evaluates the rules that listen for one event. */
  onEvent(target: RuleTarget, ts: number, type: string): AlarmSignal[];
  /** Notes that an asset was heard from (any accepted message, server time); clears its silence alarms. */
  onActivity(target: RuleTarget, receivedAt: number): readonly AlarmSignal[];
  /** Time-driven rules: event alarms that clear after a quiet period, and devices that went silent. */
  tick(now: number, context?: TickContext): AlarmSignal[];
  /** Marks an alarm that is open in the database as active, so that a restart does not raise it again. */
  restoreActive(assetId: string, site: string, ruleId: string, lastTs: number): void;
  /** Restarts a usage rule's count for an asset (its alarm was acknowledged: the work is done). */
  resetUsage(assetId: string, ruleId: string): void;
  /** Forgets an asset's state for a rule: the next readings evaluate it afresh. */
  forget(assetId: string, ruleId: string): void;
  /** Drops every state of the assets `which` picks (another instance evaluates them now). */
  dropAssets(which: (assetId: string) => boolean): void;
  /** The state worth keeping across a restart: pending timers, counts, windows. */
  exportStates(): SavedRuleState[];
  /** Restores states saved by exportStates (before the open alarms are restored). */
  importStates(states: readonly SavedRuleState[]): void;
  /** Replaces the rule set; state of rules that still exist is kept. */
  setRules(rules: readonly Rule[]): void;
  rules(): readonly Rule[];
}

/**
 * The stream rule engine: rules are indexed by asset type and metric (or event), so a reading costs
 * only the rules that watch it, however many rules exist. Time is the readings' own time, so a
 * `for: 60s` condition is confirmed by a reading at least 60 s after the first one that met it;
 * silence is measured in server time, from the last message received.
 */
/** What most readings raise: nothing (shared, so an ordinary reading allocates no array). */
const NONE: readonly never[] = Object.freeze([]);

export function createRuleEngine(initial: readonly Rule[], startedAt = Date.now()): RuleEngine {
  let all: Rule[] = [];
  /** Type → metric → the threshold rules that read it: a reading looks up its type once and each metric by its own name. */
  let byMetric = new Map<string, Map<string, ThresholdRule[]>>();
  /** Type → its combination rules, each evaluated once for a reading that carries any of its metrics. */
  let combos = new Map<string, CombinationRule[]>();
  let byEvent = new Map<string, EventRule[]>();
  let silence: SilenceRule[] = [];
  let byId = new Map<string, Rule>();
  /** Metrics whose latest value combination rules read, by type. */
  let combined = new Map<DeviceType, Set<string>>();
  // State per asset, then per rule: no string building on the hot path.
  const states = new Map<string, Map<string, RuleState>>();
  const latestValues = new Map<string, Map<string, number | boolean>>();
  const heardAt = new Map<string, number>();
  /** Assets with a silence alarm active: the only ones onActivity has work for. */
  const silenced = new Set<string>();

  function index(rules: readonly Rule[]): void {
    all = rules.filter((r) => r.enabled);
    byMetric = new Map();
    combos = new Map();
    byEvent = new Map();
    silence = [];
    combined = new Map();
    byId = new Map(all.map((r) => [r.id, r]));
    for (const r of all) {
      if (isThresholdRule(r)) push(metricsOf(r.assetType), r.metric, r);
      else if (isCombinationRule(r)) {
        push(combos, r.assetType, r);
        for (const t of r.all ?? r.any ?? []) {
          let set = combined.get(r.assetType);
          if (!set) combined.set(r.assetType, (set = new Set()));
          set.add(t.metric);
        }
      } else if (isEventRule(r)) push(byEvent, `${r.assetType}\0${r.on}`, r);
      else silence.push(r);
    }
    for (const perAsset of states.values()) for (const ruleId of perAsset.keys()) if (!byId.has(ruleId)) perAsset.delete(ruleId);
  }
  index(initial);

  function metricsOf(type: string): Map<string, ThresholdRule[]> {
    let m = byMetric.get(type);
    if (!m) byMetric.set(type, (m = new Map()));
    return m;
  }

  function statesOf(assetId: string): Map<string, RuleState> {
    let perAsset = states.get(assetId);
    if (!perAsset) states.set(assetId, (perAsset = new Map()));
    return perAsset;
  }

  function stateOf(target: { id: string; site: string }, ruleId: string, perAsset = statesOf(target.id)): RuleState {
    let s = perAsset.get(ruleId);
    if (!s) perAsset.set(ruleId, (s = { phase: 'normal', since: 0, lastTs: -Infinity, site: target.site, held: false, edges: [], history: [] }));
    return s;
  }

  return {
    onReading(target, ts, fields) {
      const watched = combined.get(target.type);
      if (watched) {
        let values = latestValues.get(target.id);
        for (const metric in fields) {
          if (!watched.has(metric)) continue;
          if (!values) latestValues.set(target.id, (values = new Map()));
          values.set(metric, fields[metric]!);
        }
      }
      let out: AlarmSignal[] | undefined;
      let perAsset: Map<string, RuleState> | undefined;
      const forType = byMetric.get(target.type);
      if (forType) {
        for (const metric in fields) {
          const rules = forType.get(metric);
          if (!rules) continue;
          const value = fields[metric]!;
          for (const rule of rules) {
            if (!applies(rule, target)) continue;
            const signal = stepThreshold(rule, stateOf(target, rule.id, (perAsset ??= statesOf(target.id))), ts, value, target);
            if (signal) (out ??= []).push(signal);
          }
        }
      }
      // A combination is evaluated once for a reading that carries any of its metrics.
      for (const rule of combos.get(target.type) ?? NONE) {
        if (!carriesAny(rule, fields) || !applies(rule, target)) continue;
        const signal = stepCombination(rule, stateOf(target, rule.id, (perAsset ??= statesOf(target.id))), ts, latestValues.get(target.id), target);
        if (signal) (out ??= []).push(signal);
      }
      return out ?? NONE;
    },

    onEvent(target, ts, type) {
      const out: AlarmSignal[] = [];
      for (const rule of byEvent.get(`${target.type}\0${type}`) ?? []) {
        if (!applies(rule, target)) continue;
        const s = stateOf(target, rule.id);
        s.lastTs = Math.max(s.lastTs, ts);
        s.site = target.site;
        if (s.phase === 'active') {
          out.push(signal('repeat', rule, ts, null, target, `${title(rule)}: ${type} event again`));
          continue;
        }
        if (rule.repeat && !counted(s, ts, rule.repeat)) continue;
        s.phase = 'active';
        s.since = ts;
        const times = rule.repeat ? ` ${rule.repeat.count} times within ${formatDuration(rule.repeat.within)}` : '';
        out.push(signal('raise', rule, ts, null, target, `${title(rule)}: ${type} event${times}`));
      }
      return out;
    },

    onActivity(target, receivedAt) {
      heardAt.set(target.id, receivedAt);
      if (!silenced.has(target.id)) return NONE;
      silenced.delete(target.id);
      const out: AlarmSignal[] = [];
      for (const rule of silence) {
        const s = states.get(target.id)?.get(rule.id);
        if (s?.phase !== 'active') continue;
        s.phase = 'normal';
        out.push(signal('clear', rule, receivedAt, null, target, `${title(rule)}: heard from again`));
      }
      return out;
    },

    tick(now, context) {
      const out: AlarmSignal[] = [];
      for (const [assetId, perAsset] of states) {
        for (const [ruleId, s] of perAsset) {
          if (s.phase !== 'active') continue;
          const rule = byId.get(ruleId);
          if (!rule || !isEventRule(rule) || !rule.clear) continue;
          if (now - s.lastTs >= rule.clear.after) {
            s.phase = 'normal';
            out.push({
              kind: 'clear',
              rule,
              assetId,
              site: s.site,
              ts: now,
              value: null,
              message: `${title(rule)}: no ${rule.on} event for ${formatDuration(rule.clear.after)}`,
            });
          }
        }
      }
      // Silence counts only while the broker was up: when it is down, every device looks silent.
      if (context && context.brokerUpSince !== null && silence.length > 0) {
        const listeningSince = Math.max(context.brokerUpSince, startedAt);
        for (const target of context.targets) {
          for (const rule of silence) {
            if (rule.assetType !== target.type || !applies(rule, target)) continue;
            const quietSince = Math.max(heardAt.get(target.id) ?? 0, listeningSince);
            if (now - quietSince < rule.noData) continue;
            const s = stateOf(target, rule.id);
            if (s.phase === 'active') continue;
            s.phase = 'active';
            s.since = now;
            silenced.add(target.id);
            const last = heardAt.get(target.id);
            out.push(
              signal(
                'raise',
                rule,
                now,
                null,
                target,
                `${title(rule)}: nothing received for ${formatDuration(now - quietSince)}${last ? ` (last message ${new Date(last).toISOString()})` : ''}`,
              ),
            );
          }
        }
      }
      return out;
    },

    restoreActive(assetId, site, ruleId, lastTs) {
      const s = stateOf({ id: assetId, site }, ruleId);
      Object.assign(s, { phase: 'active', since: lastTs, lastTs, held: true });
      if (silence.some((r) => r.id === ruleId)) silenced.add(assetId);
    },

    resetUsage(assetId, ruleId) {
      const s = states.get(assetId)?.get(ruleId);
      if (s && s.usage !== undefined) s.usage = 0;
    },

    forget(assetId, ruleId) {
      states.get(assetId)?.delete(ruleId);
    },

    dropAssets(which) {
      for (const assetId of [...states.keys()]) {
        if (!which(assetId)) continue;
        states.delete(assetId);
        silenced.delete(assetId);
      }
    },

    exportStates() {
      const out: SavedRuleState[] = [];
      for (const [assetId, perAsset] of states) {
        for (const [ruleId, state] of perAsset) {
          if (state.phase === 'normal' && state.edges.length === 0 && state.history.length === 0 && state.lastCounter === undefined) continue;
          out.push({ assetId, ruleId, state: { ...state, lastTs: Number.isFinite(state.lastTs) ? state.lastTs : 0 } });
        }
      }
      return out;
    },

    importStates(saved) {
      for (const { assetId, ruleId, state } of saved) {
        if (!byId.has(ruleId)) continue;
        let perAsset = states.get(assetId);
        if (!perAsset) states.set(assetId, (perAsset = new Map()));
        perAsset.set(ruleId, { ...state, edges: [...state.edges], history: [...state.history] });
        if (state.phase === 'active' && silence.some((r) => r.id === ruleId)) silenced.add(assetId);
      }
    },

    setRules(rules) {
      index(rules);
    },

    rules() {
      return all;
    },
  };
}

/** Records a moment the condition became true; whether `count` of them fall within the window. */
function counted(s: RuleState, ts: number, repeat: { count: number; within: number }): boolean {
  s.edges.push(ts);
  while (s.edges.length > 0 && s.edges[0]! <= ts - repeat.within) s.edges.shift();
  if (s.edges.length < repeat.count) return false;
  s.edges = [];
  return true;
}

/**
 * The common life of a condition: pending for `for` (or counted by `repeat`), active, clearing. Says
 * whether the alarm is raised or cleared by this reading; the caller words the message only then, so
 * an ordinary reading allocates nothing.
 */
function step(
  rule: ThresholdRule | CombinationRule,
  s: RuleState,
  ts: number,
  fires: boolean,
  clears: boolean,
  clearFor: number,
): 'raise' | 'clear' | undefined {
  const rising = fires && !s.held;
  s.held = fires;
  switch (s.phase) {
    case 'normal':
    case 'pending':
      if (!fires) {
        s.phase = 'normal';
        return undefined;
      }
      if (rule.repeat) return rising && counted(s, ts, rule.repeat) ? raised(s) : undefined;
      if (s.phase === 'normal') s.since = ts;
      if (ts - s.since >= (rule.for ?? 0)) return raised(s);
      s.phase = 'pending';
      return undefined;
    case 'active':
    case 'clearing':
      if (!clears) {
        s.phase = 'active';
        return undefined;
      }
      if (s.phase === 'active') s.since = ts;
      if (ts - s.since < clearFor) {
        s.phase = 'clearing';
        return undefined;
      }
      s.phase = 'normal';
      return 'clear';
  }
}

function raised(s: RuleState): 'raise' {
  s.phase = 'active';
  return 'raise';
}

function stepThreshold(rule: ThresholdRule, s: RuleState, ts: number, value: number | boolean, target: RuleTarget): AlarmSignal | undefined {
  if (ts < s.lastTs) return undefined;
  s.lastTs = ts;
  s.site = target.site;
  let compared: number | boolean = value;
  if (rule.change) {
    const change = changeOver(s, ts, value as number, rule.change.over);
    if (change === undefined) return undefined; // not enough history yet
    compared = change;
  } else if (rule.usage) {
    const v = value as number;
    // A counter that drops was reset by the device: it counted up from zero since (CONTRACT.md).
    s.usage = s.lastCounter === undefined ? 0 : (s.usage ?? 0) + (v >= s.lastCounter ? v - s.lastCounter : v);
    s.lastCounter = v;
    compared = round(s.usage);
  }
  const override = rule.overrides?.[target.id];
  const when = override?.when ?? rule.when;
  const clear = override?.clear ?? rule.clear;
  const fires = holds(when, compared);
  const clears = clear ? holds(clear as Condition, compared) : !fires;
  const kind = step(rule, s, ts, fires, clears, clear?.for ?? 0);
  if (!kind) return undefined;
  const what = rule.change
    ? `${rule.metric} changed by ${round(compared as number)} over ${formatDuration(rule.change.over)}`
    : rule.usage
      ? `${rule.metric} grew by ${compared} since the last service`
      : `${rule.metric} ${value}`;
  const message =
    kind === 'raise'
      ? `${title(rule)}: ${what} ${when.op} ${limit(when)}${rule.for ? ` for ${formatDuration(rule.for)}` : ''}${repeated(rule)}`
      : `${title(rule)}: ${what}, back to normal`;
  return signal(kind, rule, ts, compared, target, message);
}

function stepCombination(
  rule: CombinationRule,
  s: RuleState,
  ts: number,
  values: Map<string, number | boolean> | undefined,
  target: RuleTarget,
): AlarmSignal | undefined {
  if (ts < s.lastTs) return undefined;
  s.lastTs = ts;
  s.site = target.site;
  const terms = rule.all ?? rule.any ?? [];
  let met = 0;
  for (const t of terms) {
    const v = values?.get(t.metric);
    if (v !== undefined && holds(t.when, v)) met++;
  }
  const fires = rule.all ? met === terms.length : met > 0;
  const kind = step(rule, s, ts, fires, !fires, rule.clear?.for ?? 0);
  if (!kind) return undefined;
  const shown = terms.map((t) => `${t.metric} ${values?.get(t.metric) ?? '?'} ${t.when.op} ${limit(t.when)}`).join(rule.all ? ' and ' : ' or ');
  const message =
    kind === 'raise'
      ? `${title(rule)}: ${shown}${rule.for ? ` for ${formatDuration(rule.for)}` : ''}${repeated(rule)}`
      : `${title(rule)}: back to normal (${shown.replace(/ (>=|<=|==|!=|>|<|between|outside) [^ ]+/g, '')})`;
  return signal(kind, rule, ts, null, target, message);
}

/** Points kept per rate-of-change window: memory and saved state stay small at any reading rate. */
const HISTORY_POINTS = 60;

/**
 * How much a value changed since `over` ago; undefined until the history reaches back that far. The
 * history keeps at most one value per 1/60 of the window (the baseline is then exact to that step).
 */
function changeOver(s: RuleState, ts: number, value: number, over: number): number | undefined {
  const last = s.history.at(-1);
  if (!last || ts - last.ts >= over / HISTORY_POINTS) s.history.push({ ts, value });
  // Keep the newest value at or before the window start as the baseline, and everything after it.
  while (s.history.length > 1 && s.history[1]!.ts <= ts - over) s.history.shift();
  const base = s.history[0]!;
  return base.ts <= ts - over ? value - base.value : undefined;
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

function carriesAny(rule: CombinationRule, fields: Readonly<Record<string, unknown>>): boolean {
  for (const t of rule.all ?? rule.any ?? []) if (t.metric in fields) return true;
  return false;
}

function applies(rule: Rule, t: RuleTarget): boolean {
  const sel = rule.select;
  if (!sel) return true;
  if (sel.sites && !sel.sites.includes(t.site)) return false;
  if (sel.assets && !sel.assets.includes(t.id)) return false;
  if (sel.tags && !sel.tags.every((tag) => t.tags.includes(tag))) return false;
  return true;
}

function signal(
  kind: AlarmSignal['kind'],
  rule: Rule,
  ts: number,
  value: number | boolean | null,
  target: { id: string; site: string },
  message: string,
): AlarmSignal {
  return { kind, rule, assetId: target.id, site: target.site, ts, value: value === null ? null : typeof value === 'number' ? value : value ? 1 : 0, message };
}

function limit(c: Condition): string {
  return Array.isArray(c.value) ? `[${c.value.join(', ')}]` : String(c.value);
}

function repeated(rule: ThresholdRule | CombinationRule): string {
  return rule.repeat ? `, ${rule.repeat.count} times within ${formatDuration(rule.repeat.within)}` : '';
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function title(rule: Rule): string {
  return rule.workOrder?.title ?? rule.id;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
