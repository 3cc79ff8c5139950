import { describe, expect, it, vi } from 'vitest';
import { createThrottle } from '../mqtt-guard.ts';
import { createAuthorizePublish } from './authorize-publish.ts';
import type { FmsClient, MqttIdentity } from './client.ts';

const pump: MqttIdentity = { kind: 'device', assetId: 'rs-pump-01', by: 'password' };
const service: MqttIdentity = { kind: 'service', keyId: 'k1', name: 'BMS bridge', role: 'integration', expiresAt: null, sites: null };

function publish(hook: ReturnType<typeof createAuthorizePublish>, who: MqttIdentity | undefined, topic: string, sender?: string) {
  const client: FmsClient = {
    id: 'c1',
    conn: { remoteAddress: '10.0.0.7' },
    close: () => undefined,
    ...(who ? { fmsWho: who } : {}),
    ...(sender ? { fmsSender: sender } : {}),
  };
  return new Promise<string | null>((resolve) =>
    hook(client as never, { cmd: 'publish', topic, payload: Buffer.from('{}'), qos: 0, retain: false, dup: false }, (err) => resolve(err ? err.message : null)),
  );
}

describe('the authorizePublish hook', () => {
  const refused: string[] = [];
  const hook = createAuthorizePublish({ signIn: true, onRefused: (reason, _address, detail) => refused.push(`${reason}: ${detail}`) });

  it('lets a device publish its own telemetry, events and status', async () => {
    for (const channel of ['telemetry', 'event', 'status']) expect(await publish(hook, pump, `fms/riverside/pump/rs-pump-01/${channel}`)).toBeNull();
  });

  it("refuses another asset's topic, a command topic, $SYS, and every publish of a service client, recording why", async () => {
    expect(await publish(hook, pump, 'fms/riverside/pump/rs-pump-02/telemetry')).toBe('not authorized');
    expect(await publish(hook, pump, 'fms/riverside/pump/rs-pump-01/cmd')).toBe('not authorized');
    expect(await publish(hook, pump, '$SYS/broker/uptime')).toMatch(/reserved/);
    expect(await publish(hook, service, 'fms/riverside/alarms/rs-pump-01')).toBe('not authorized');
    expect(refused).toContain('not_allowed: "rs-pump-01" may not publish to fms/riverside/pump/rs-pump-02/telemetry');
    expect(refused).toContain('not_allowed: service client "BMS bridge" (integration) may not publish to fms/riverside/alarms/rs-pump-01');
  });

  it('refuses a topic longer than any of FMS', async () => {
    expect(await publish(hook, pump, `fms/riverside/pump/${'x'.repeat(300)}/telemetry`)).toBe('topic too long');
  });

  it('holds a sender over its rate instead of dropping its message', async () => {
    vi.useFakeTimers();
    try {
      const throttled: string[] = [];
      const slow = createAuthorizePublish({ signIn: true, throttle: createThrottle(10, 1), onThrottled: (s) => throttled.push(s), now: () => Date.now() });
      const topic = 'fms/riverside/pump/rs-pump-01/telemetry';
      expect(await publish(slow, pump, topic, 'device rs-pump-01')).toBeNull();
      let outcome: string | null | undefined;
      void publish(slow, pump, topic, 'device rs-pump-01').then((r) => (outcome = r));
      await vi.advanceTimersByTimeAsync(50);
      expect(outcome).toBeUndefined(); // held: 10 a second means the next one 100 ms after the first
      await vi.advanceTimersByTimeAsync(60);
      expect(outcome).toBeNull(); // then let through, not dropped
      expect(throttled).toEqual(['device rs-pump-01']);
    } finally {
      vi.useRealTimers();
    }
  });
});
