import type { Logger } from 'pino';
import type { AlarmSignal, RuleEngine } from '../rules/rule-engine.ts';
import type { Rule } from '../rules/rule-schema.ts';
import { formatDuration } from '../shared/duration.ts';
import { createEvents } from '../shared/events.ts';
import { createKeyedQueue } from '../shared/keyed-queue.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { Alarm } from './alarm.ts';
import type { AlarmStore } from './alarm-store.ts';

export interface AlarmServiceDeps {
  store: AlarmStore;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  /** Maintenance mode: a technician on site holds back the asset's non-safety alarms. */
  maintenance?: { inMaintenance(assetId: string, at: number): boolean };
}

/** What the alarm service tells its listeners (the work-order service, the rule engine, the announcer). */
export interface AlarmEvents {
  /** A new alarm; `rule` is undefined for alarms about FMS itself (never a work order). */
  raised: { alarm: Alarm; rule: Rule | undefined; receivedAt: number };
  /** The open alarm of the fault raised again by a rule no stronger than its own. */
  repeated: { alarm: Alarm; rule: Rule; receivedAt: number };
  /** The open alarm of the fault raised by a stronger rule: its severity went up. */
  escalated: { alarm: Alarm; rule: Rule; receivedAt: number };
  /** Raised and cleared too often: held as one alarm until it stays clear. */
  flapping: { alarm: Alarm };
  /** Cleared: its condition ended (`condition`), or its work order resolved it (`resolved`). */
  cleared: { alarm: Alarm; cause: 'condition' | 'resolved' };
  /** A person acknowledged it. */
  acknowledged: { alarm: Alarm; by: string };
  /** Held back because the asset is in maintenance: the rule should evaluate it afresh. */
  held: { assetId: string; ruleId: string };
}

export type AlarmService = ReturnType<typeof createAlarmService>;

/** Raised this often within the window, an alarm is held as one flapping alarm (per rule: `flapping`). */
export const DEFAULT_FLAPPING = { cycles: 4, within: 30 * 60_000 };

/** System alarms are about FMS itself: this asset id at this site. */
export const SYSTEM_ASSET = 'fms';
export const SYSTEM_SITE = 'system';

/**
 * Turns the rule engine's signals into stored alarms and work orders. Signals for one asset and
 * rule are handled one after another, so a burst of repeats can never open two orders.
 */
export function createAlarmService(deps: AlarmServiceDeps) {
  const { store, log, metrics } = deps;
  const queue = createKeyedQueue();
  /** Recent raise times per asset and rule, to see flapping. */
  const raises = new Map<string, number[]>();
  /** Flapping alarms whose condition is clear, waiting to clear for good. */
  const pendingClears = new Set<string>();
  /** Rules of a failure mode whose condition is active, per asset and failure mode. */
  const activeRules = new Map<string, Set<string>>();
  const faultOf = (rule: Rule) => rule.failureMode ?? rule.id;
  const keyOf = (assetId: string, fault: string) => `${assetId}\0${fault}`;
  const flapOf = (rule: Rule) => rule.flapping ?? DEFAULT_FLAPPING;

  const events = createEvents<AlarmEvents>((name, err) => {
    metrics.errors.labels('alarms').inc();
    log.error({ err, event: name }, 'a listener of alarm events failed');
  });

  async function apply(signal: AlarmSignal, receivedAt: number): Promise<void> {
    const { rule } = signal;
    const fault = faultOf(rule);
    const key = keyOf(signal.assetId, fault);
    const flap = flapOf(rule);
    if (signal.kind === 'raise' && !rule.safety && deps.maintenance?.inMaintenance(signal.assetId, deps.now())) {
      metrics.alarmsSuppressed.labels(rule.id).inc();
      log.debug({ assetId: signal.assetId, ruleId: rule.id }, 'alarm held back: asset in maintenance');
      await events.emit('held', { assetId: signal.assetId, ruleId: rule.id });
      return;
    }
    if (signal.kind === 'raise') {
      const recent = (raises.get(key) ?? []).filter((t) => t > signal.ts - flap.within);
      recent.push(signal.ts);
      raises.set(key, recent);
      pendingClears.delete(key);
      let set = activeRules.get(key);
      if (!set) activeRules.set(key, (set = new Set()));
      set.add(rule.id);
    }
    if (signal.kind === 'clear') {
      // Another rule of the same failure mode still holds: the alarm stays.
      const set = activeRules.get(key);
      set?.delete(rule.id);
      if (set && set.size > 0) return;
      activeRules.delete(key);
      const recent = (raises.get(key) ?? []).filter((t) => t > signal.ts - flap.within);
      if (recent.length >= flap.cycles) {
        const note = `raised ${recent.length} times within ${formatDuration(flap.within)}: held as one flapping alarm until it stays clear for ${formatDuration(flap.within)}`;
        const held = await store.holdFlapping(signal.assetId, fault, signal.ts, note);
        if (held) {
          pendingClears.add(key);
          if (held.newlyFlapping) {
            metrics.alarms.labels('flapping', held.alarm.severity).inc();
            log.warn({ alarmId: held.alarm.id, assetId: signal.assetId, ruleId: rule.id }, 'alarm flapping');
            await events.emit('flapping', { alarm: held.alarm });
          }
          return;
        }
      }
      const cleared = await store.clear(signal.assetId, fault, signal.ts, signal.message);
      if (!cleared) return;
      metrics.alarms.labels('cleared', cleared.severity).inc();
      log.info({ alarmId: cleared.id, assetId: cleared.assetId, ruleId: rule.id }, 'alarm cleared');
      await events.emit('cleared', { alarm: cleared, cause: 'condition' });
      return;
    }
    const { alarm, created, escalated } = await store.raise({
      assetId: signal.assetId,
      site: signal.site,
      ruleId: rule.id,
      fault,
      ruleVersion: rule.version,
      severity: rule.severity,
      message: signal.message,
      value: signal.value,
      raisedAt: signal.ts,
      receivedAt,
    });
    metrics.alarms.labels(created ? 'raised' : escalated ? 'escalated' : 'repeated', alarm.severity).inc();
    if (created || escalated) {
      log.info({ alarmId: alarm.id, assetId: alarm.assetId, ruleId: rule.id, severity: alarm.severity }, created ? 'alarm raised' : 'alarm escalated');
    }
    await events.emit(created ? 'raised' : escalated ? 'escalated' : 'repeated', { alarm, rule, receivedAt });
  }

  return {
    /** Queues signals from the rule engine; errors are logged and counted, never thrown at ingest. */
    handle(signals: readonly AlarmSignal[], receivedAt: number): void {
      for (const signal of signals) {
        queue
          .run(keyOf(signal.assetId, faultOf(signal.rule)), () => apply(signal, receivedAt))
          .catch((err) => {
            metrics.errors.labels('alarms').inc();
            log.error({ err, assetId: signal.assetId, ruleId: signal.rule.id }, 'alarm signal not applied');
          });
      }
    },

    /** Tells the rule engine which alarms are open, so that a restart does not raise them again. */
    /** Puts the open alarms of the assets `which` picks (all by default) back into the engine. */
    async restore(engine: RuleEngine, which: (assetId: string) => boolean = () => true): Promise<number> {
      const open = (await store.listOpen()).filter((a) => which(a.assetId));
      const openFaults = new Set(open.map((a) => keyOf(a.assetId, a.fault)));
      for (const a of open) {
        engine.restoreActive(a.assetId, a.site, a.ruleId, a.lastRaisedAt);
        if (a.clearPendingSince !== null) pendingClears.add(keyOf(a.assetId, a.fault));
        activeRules.set(keyOf(a.assetId, a.fault), new Set([a.ruleId]));
      }
      // Other rules of an open alarm's failure mode that were active too (their state was saved).
      const byId = new Map(engine.rules().map((r) => [r.id, r]));
      for (const saved of engine.exportStates()) {
        if (!which(saved.assetId)) continue;
        const rule = byId.get(saved.ruleId);
        const key = rule && keyOf(saved.assetId, faultOf(rule));
        if (key && openFaults.has(key) && (saved.state.phase === 'active' || saved.state.phase === 'clearing')) activeRules.get(key)?.add(saved.ruleId);
      }
      return open.length;
    },

    /** Forgets what it tracks of the assets `which` picks (another instance evaluates them now). */
    forgetAssets(which: (assetId: string) => boolean): void {
      for (const key of [...activeRules.keys()]) if (which(key.slice(0, key.indexOf('\0')))) activeRules.delete(key);
      for (const key of [...pendingClears]) if (which(key.slice(0, key.indexOf('\0')))) pendingClears.delete(key);
    },

    /** Clears flapping alarms whose condition has stayed clear for their window. */
    async tick(now: number, rules: readonly Rule[]): Promise<void> {
      if (pendingClears.size === 0) return;
      const byId = new Map(rules.map((r) => [r.id, r]));
      for (const a of await store.listClearPending()) {
        const rule = byId.get(a.ruleId);
        const within = (rule ? flapOf(rule) : DEFAULT_FLAPPING).within;
        const key = keyOf(a.assetId, a.fault);
        // Only the alarms this instance tracks: with several instances, each clears its own assets'.
        if (!pendingClears.has(key) || a.clearPendingSince === null || now - a.clearPendingSince < within) continue;
        await queue.run(key, async () => {
          const cleared = await store.clear(a.assetId, a.fault, now, `clear for ${formatDuration(within)} after flapping`);
          activeRules.delete(key);
          pendingClears.delete(key);
          raises.delete(key);
          if (!cleared) return;
          metrics.alarms.labels('cleared', cleared.severity).inc();
          log.info({ alarmId: cleared.id, assetId: cleared.assetId, ruleId: a.ruleId }, 'flapping alarm cleared');
          await events.emit('cleared', { alarm: cleared, cause: 'condition' });
        });
      }
    },

    /**
     * Raises or clears an alarm about FMS itself (telemetry store down, spool filling up): asset
     * `fms` at site `system`, never a work order.
     */
    setSystemAlarm(ruleId: string, severity: Alarm['severity'], active: boolean, message: string): void {
      const at = deps.now();
      void queue
        .run(keyOf(SYSTEM_ASSET, ruleId), async () => {
          if (active) {
            const open = (await store.listOpen()).some((a) => a.assetId === SYSTEM_ASSET && a.ruleId === ruleId);
            if (open) return;
            const { alarm } = await store.raise({
              assetId: SYSTEM_ASSET,
              site: SYSTEM_SITE,
              ruleId,
              fault: ruleId,
              ruleVersion: 1,
              severity,
              message,
              value: null,
              raisedAt: at,
              receivedAt: at,
            });
            metrics.alarms.labels('raised', severity).inc();
            log.warn({ alarmId: alarm.id, ruleId }, 'system alarm raised');
            await events.emit('raised', { alarm, rule: undefined, receivedAt: at });
          } else {
            const cleared = await store.clear(SYSTEM_ASSET, ruleId, at, message);
            if (!cleared) return;
            metrics.alarms.labels('cleared', severity).inc();
            log.info({ alarmId: cleared.id, ruleId }, 'system alarm cleared');
            await events.emit('cleared', { alarm: cleared, cause: 'condition' });
          }
        })
        .catch((err) => log.error({ err, ruleId }, 'system alarm not stored'));
    },

    /** Listens to what happens to alarms. */
    on: events.on,

    async acknowledge(id: number, by: string, note: string | null): Promise<Alarm | undefined> {
      const at = deps.now();
      const alarm = await store.acknowledge(id, by, note, at);
      if (alarm?.acknowledgedBy === by && alarm.acknowledgedAt === at) await events.emit('acknowledged', { alarm, by });
      return alarm;
    },

    /**
     * Clears an open alarm whose work order took care of it (an event alarm — a trapped passenger, a
     * forced gate — once its order is verified): waits behind the fault's other signals.
     */
    async resolve(id: number, by: string, note: string): Promise<Alarm | undefined> {
      const open = await store.get(id);
      if (!open || open.state === 'cleared') return undefined;
      const key = keyOf(open.assetId, open.fault);
      return queue.run(key, async () => {
        const cleared = await store.clear(open.assetId, open.fault, deps.now(), note, by);
        activeRules.delete(key);
        pendingClears.delete(key);
        raises.delete(key);
        if (!cleared) return undefined;
        metrics.alarms.labels('cleared', cleared.severity).inc();
        log.info({ alarmId: cleared.id, assetId: cleared.assetId, ruleId: cleared.ruleId, by }, 'alarm resolved by its work order');
        await events.emit('cleared', { alarm: cleared, cause: 'resolved' });
        return cleared;
      });
    },

    /** Records the work order an alarm opened or attached to. */
    linkWorkOrder: (alarmId: number, workOrderId: string) => store.linkWorkOrder(alarmId, workOrderId),
    /** The alarms linked to a work order that are not cleared. */
    openOfWorkOrder: (workOrderId: string) => store.openOfWorkOrder(workOrderId),
    get: (id: number) => store.get(id),
    history: store.history.bind(store),
    list: store.list.bind(store),
    /** Waits for every queued signal (shutdown, tests). */
    drain: () => queue.drain(),
    get pending(): number {
      return queue.size;
    },
  };
}
