import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarm-service.ts';
import type { Coordinator } from '../cluster/coordinator.ts';
import type { RuleEngine } from '../rules/rule-engine.ts';
import type { RuleStateStore } from '../rules/rule-state-store.ts';
import type { Closers } from './closers.ts';
import type { Jobs } from './jobs.ts';

/**
 * The rule engine's pending `for` timers, counts and windows survive a restart: saved every 10 s and
 * at stop, for the assets this instance evaluates. A single instance loads them at start, then puts
 * the open alarms back, so that a restart neither forgets a pending condition nor raises an open
 * alarm again; several instances load them as they take partitions over (partitions.ts).
 */
export async function keepRuleState(
  d: { rules: RuleEngine; ruleStates: RuleStateStore; alarms: Pick<AlarmService, 'restore'>; coordinator: Coordinator; now: () => number; log: Logger },
  jobs: Jobs,
  closers: Closers,
): Promise<void> {
  if (d.coordinator.health().mode === 'single') {
    d.rules.importStates(await d.ruleStates.load());
    const restored = await d.alarms.restore(d.rules);
    if (restored > 0) d.log.info({ alarms: restored }, 'open alarms restored');
  }
  const save = () => d.ruleStates.save(d.rules.exportStates(), d.now(), (assetId) => d.coordinator.ownsAsset(assetId));
  jobs.every('rule state saving', { every: 10_000 }, save);
  closers.add('rule state', save);
}
