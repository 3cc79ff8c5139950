import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarm-service.ts';
import { partitionOf, type Coordinator } from '../cluster/coordinator.ts';
import type { createPartitionedIngest } from '../cluster/partitioned-ingest.ts';
import type { RuleEngine } from '../rules/rule-engine.ts';
import type { RuleStateStore } from '../rules/rule-state-store.ts';

/**
 * Several instances split the assets into partitions (docs/scaling.md). Taking partitions over loads
 * their rule state and open alarms, then replays the messages kept for them; handing them over saves
 * their state first; losing them (the database session broke) forgets it.
 */
export function handOverPartitions(d: {
  coordinator: Coordinator;
  partitioned: ReturnType<typeof createPartitionedIngest>;
  rules: RuleEngine;
  ruleStates: RuleStateStore;
  alarms: Pick<AlarmService, 'restore' | 'forgetAssets'>;
  now: () => number;
  log: Logger;
}): void {
  const { rules, ruleStates, alarms, partitioned } = d;
  const inPartitions = (parts: readonly number[]) => {
    const set = new Set(parts);
    return (assetId: string) => set.has(partitionOf(assetId));
  };
  d.coordinator.setHandlers({
    async acquired(parts) {
      partitioned.warm(parts);
      const which = inPartitions(parts);
      rules.importStates(await ruleStates.load(which));
      const restored = await alarms.restore(rules, which);
      const replayed = partitioned.replay(parts);
      d.log.info({ partitions: parts.length, alarms: restored, replayed }, 'partitions taken over: rule state loaded, kept messages replayed');
    },
    async releasing(parts) {
      const which = inPartitions(parts);
      await ruleStates.save(rules.exportStates(), d.now(), which);
      rules.dropAssets(which);
      alarms.forgetAssets(which);
    },
    lost(parts) {
      const which = inPartitions(parts);
      rules.dropAssets(which);
      alarms.forgetAssets(which);
    },
  });
}
