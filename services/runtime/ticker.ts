import type { AlarmService } from '../alarms/alarm-service.ts';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { MessageBus } from '../broker/message-bus.ts';
import type { Coordinator } from '../cluster/coordinator.ts';
import type { RuleEngine } from '../rules/rule-engine.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { Jobs } from './jobs.ts';
import type { createSystemAlarms } from './system-alarms.ts';

/**
 * Every second: event alarms clear themselves once their event has stopped coming for a while,
 * silence rules ("no data for 10 minutes") watch the assets this instance evaluates — counting only
 * while the broker was up, as every device looks silent when it is down —, flapping alarms that stayed
 * clear are cleared, and the parts' health becomes system alarms.
 */
export function startTicker(
  jobs: Jobs,
  d: {
    rules: RuleEngine;
    alarms: Pick<AlarmService, 'handle' | 'tick'>;
    assets: Pick<AssetRegistry, 'all'>;
    coordinator: Pick<Coordinator, 'ownsAsset'>;
    broker: Pick<MessageBus, 'health'>;
    telemetry: Pick<TelemetryStore, 'health'>;
    systemAlarms: ReturnType<typeof createSystemAlarms>;
    now: () => number;
    onError: (err: unknown) => void;
  },
): void {
  let brokerUpSince: number | null = null;
  function* ownedAssets() {
    for (const a of d.assets.all()) if (d.coordinator.ownsAsset(a.id)) yield a;
  }
  jobs.every('rule ticker', { every: 1000 }, () => {
    const t = d.now();
    const broker = d.broker.health();
    if (broker.state !== 'up') brokerUpSince = null;
    else if (brokerUpSince === null) brokerUpSince = t;
    const signals = d.rules.tick(t, { targets: { [Symbol.iterator]: () => ownedAssets() }, brokerUpSince });
    if (signals.length > 0) d.alarms.handle(signals, d.now());
    // Not awaited: a slow database must not stop the clock of the rules.
    d.alarms.tick(t, d.rules.rules()).catch(d.onError);
    d.systemAlarms.check(broker, d.telemetry.health());
  });
}
