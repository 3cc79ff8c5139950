import { parseEvent, parseStatus, parseTelemetry } from '../services/ingest/payload.ts';
import { parseDeviceTopic } from '../services/shared/topics.ts';
import { createRuleEngine, type AlarmSignal, type RuleTarget } from '../services/rules/rule-engine.ts';
import type { Rule } from '../services/rules/rule-schema.ts';
import { devicesOf, generateMessages, type Scenario } from './scenario.ts';

export interface ScenarioOutcome {
  /** Rules raised, each once, in the order first raised. */
  raised: string[];
  /** Every raise and clear, `<offset> <kind> <rule> <asset>`. */
  signals: string[];
  messages: number;
  /** Messages ingest would reject (malformed payloads, bad topics), with the reason. */
  rejected: number;
}

/**
 * Plays a scenario in simulated time through what FMS does with each message — topic and payload
 * validation as in ingest, then the rule engine, ticking at every telemetry round — and reports the
 * alarms. This is how the shipped scenarios are tested against the default rules.
 */
export function checkScenario(s: Scenario, rules: readonly Rule[]): ScenarioOutcome {
  const engine = createRuleEngine(rules, s.start);
  const targets: RuleTarget[] = devicesOf(s).map((d) => ({ id: d.id, type: d.type, site: d.site, tags: [] }));
  const byId = new Map(targets.map((t) => [t.id, t]));
  const signals: AlarmSignal[] = [];
  let messages = 0;
  let rejected = 0;
  // Silence and event clears are judged by the clock: the engine ticks every 10 s of simulated time.
  let nextTick = s.start + 10_000;
  const tickTo = (t: number) => {
    for (; nextTick <= t; nextTick += 10_000) signals.push(...engine.tick(nextTick, { targets, brokerUpSince: s.start }));
  };
  for (const m of generateMessages(s)) {
    messages++;
    tickTo(m.t);
    const topic = parseDeviceTopic(m.topic);
    if (!topic.ok) {
      rejected++;
      continue;
    }
    const target = byId.get(topic.value.assetId)!;
    const payload = Buffer.from(m.payload);
    signals.push(...engine.onActivity(target, m.t));
    if (topic.value.channel === 'telemetry') {
      const r = parseTelemetry(target.type, payload, m.t);
      if (!r.ok) rejected++;
      else signals.push(...engine.onReading(target, r.value.ts, r.value.fields));
    } else if (topic.value.channel === 'event') {
      const r = parseEvent(target.type, payload, m.t);
      if (!r.ok) rejected++;
      else signals.push(...engine.onEvent(target, r.value.ts, r.value.type));
    } else if (!parseStatus(payload).ok) rejected++;
  }
  tickTo(s.start + s.duration);
  const offset = (t: number) => `${Math.round((t - s.start) / 1000)}s`;
  const raised: string[] = [];
  for (const sig of signals) if (sig.kind === 'raise' && !raised.includes(sig.rule.id)) raised.push(sig.rule.id);
  return {
    raised,
    signals: signals.filter((x) => x.kind !== 'repeat').map((x) => `${offset(x.ts)} ${x.kind} ${x.rule.id} ${x.assetId}`),
    messages,
    rejected,
  };
}
