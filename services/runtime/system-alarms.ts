import type { AlarmService } from '../alarms/alarm-service.ts';
import type { MessageBusHealth } from '../broker/message-bus.ts';
import type { TelemetryStoreHealth } from '../telemetry/telemetry-store.ts';

/**
 * Alarms about FMS itself (asset `fms` at site `system`): the telemetry store down for longer than
 * FMS_STORE_DOWN_ALARM_AFTER (readings are spooled meanwhile), its spool over 80 % full, and an
 * external broker unreachable for as long (no device message arrives). The embedded broker is FMS
 * itself: it has no alarm of its own. Each is raised once when its condition starts and cleared when
 * it ends.
 */
export function createSystemAlarms(alarms: Pick<AlarmService, 'setSystemAlarm'>, o: { downAlarmAfterMs: number; now: () => number }) {
  const raised = new Set<string>();
  const set = (ruleId: string, severity: 'critical' | 'major', active: boolean, message: () => string, back: string) => {
    if (active === raised.has(ruleId)) return;
    if (active) raised.add(ruleId);
    else raised.delete(ruleId);
    alarms.setSystemAlarm(ruleId, severity, active, active ? message() : back);
  };
  const downLongEnough = (h: { state: string; downSince?: number | null | undefined }) =>
    h.state === 'down' && h.downSince != null && o.now() - h.downSince >= o.downAlarmAfterMs;
  return {
    /** Looks at the parts' health (every second) and raises or clears what changed. */
    check(broker: MessageBusHealth, telemetry: TelemetryStoreHealth): void {
      set(
        'system.telemetry-store-down',
        'critical',
        downLongEnough(telemetry),
        () => `telemetry store down since ${new Date(telemetry.downSince!).toISOString()}: ${telemetry.detail ?? ''}; readings are spooled`,
        'telemetry store back',
      );
      const spool = telemetry.spool;
      set(
        'system.telemetry-spool-high',
        'major',
        !!spool && spool.bytes >= 0.8 * spool.maxBytes,
        () => `telemetry spool at ${Math.round((100 * spool!.bytes) / spool!.maxBytes)} % of ${spool!.maxBytes} bytes`,
        'telemetry spool below 80 %',
      );
      set(
        'system.broker-down',
        'critical',
        downLongEnough(broker),
        () => `MQTT broker unreachable since ${new Date(broker.downSince!).toISOString()}: ${broker.detail ?? ''}; no device message arrives`,
        'MQTT broker back',
      );
    },
  };
}
