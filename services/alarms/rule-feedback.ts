import type { RuleEngine } from '../rules/rule-engine.ts';
import type { EventSource } from '../shared/events.ts';
import type { AlarmEvents } from './alarm-service.ts';

/**
 * The rule engine follows what becomes of its alarms: one held back (the asset is in maintenance) or
 * resolved by its work order is evaluated afresh, so it can be raised again; an acknowledged usage
 * alarm (run-hours, door cycles) counts again from zero, the work being done.
 */
export function feedBackToRules(alarms: EventSource<AlarmEvents>, engine: Pick<RuleEngine, 'forget' | 'resetUsage'>): void {
  alarms.on('held', ({ assetId, ruleId }) => engine.forget(assetId, ruleId));
  alarms.on('cleared', ({ alarm, cause }) => {
    if (cause === 'resolved') engine.forget(alarm.assetId, alarm.ruleId);
  });
  alarms.on('acknowledged', ({ alarm }) => engine.resetUsage(alarm.assetId, alarm.ruleId));
}
