import { describe, expect, it, vi } from 'vitest';
import { createThrottle } from '../mqtt-guard.ts';
import { createAuthorizePublish } from './authorize-publish.ts';
import type { FmsClient, MqttIdentity } from './client.ts';

const pump: MqttIdentity = { kind: 'device', assetId: 'rs-pump-01', by: 'password' };
const service: MqttIdentity = { kind: 'service', keyId: 'k1', name: 'BMS bridge', role: 'integration', expiresAt: null, sites: null };
const assetOf = (id: string) => (id === 'rs-pump-01' ? { id, site: 'riverside', type: 'pump' } : undefined);

/** Runs the hook as aedes would, without a socket: resolves with its error (null: allowed) and the packet as it let it through. */
function publish(
  hook: ReturnType<typeof createAuthorizePublish>,
  who: MqttIdentity | undefined,
  topic: string,
  o: { sender?: string; retain?: boolean; payload?: string; client?: Partial<FmsClient> } = {},
) {
  // The same client object across calls when given: a connection whose state changes meanwhile.
  const client = (o.client ?? {}) as FmsClient;
  client.id ??= 'c1';
  client.conn ??= { remoteAddress: '10.0.0.7' };
  client.close ??= () => undefined;
  if (who) client.fmsWho = who;
  if (o.sender) client.fmsSender = o.sender;
  const packet = { cmd: 'publish' as const, topic, payload: Buffer.from(o.payload ?? '{}'), qos: 0 as const, retain: o.retain ?? false, dup: false };
  return new Promise<{ err: string | null; retained: boolean }>((resolve) =>
    hook(client as never, packet, (err) => resolve({ err: err ? err.message : null, retained: packet.retain })),
  );
}
const allowed = async (p: ReturnType<typeof publish>) => (await p).err;

describe('the authorizePublish hook', () => {
  const refused: string[] = [];
  const hook = createAuthorizePublish({ signIn: true, assetOf, onRefused: (reason, _address, detail) => refused.push(`${reason}: ${detail}`) });

  it('lets a device publish its own telemetry, events and status', async () => {
    for (const channel of ['telemetry', 'event', 'status']) expect(await allowed(publish(hook, pump, `fms/riverside/pump/rs-pump-01/${channel}`))).toBeNull();
  });

  it("refuses another asset's topic, its own id under another site or type (the service topics), $SYS, and every publish of a service client, recording why", async () => {
    expect(await allowed(publish(hook, pump, 'fms/riverside/pump/rs-pump-02/telemetry'))).toBe('not authorized');
    expect(await allowed(publish(hook, pump, 'fms/riverside/pump/rs-pump-01/cmd'))).toBe('not authorized');
    expect(await allowed(publish(hook, pump, 'fms/lakeview/alarms/rs-pump-01/status'))).toBe('not authorized');
    expect(await allowed(publish(hook, pump, 'fms/lakeview/work-orders/rs-pump-01/event'))).toBe('not authorized');
    expect(await allowed(publish(hook, pump, '$SYS/broker/uptime'))).toMatch(/reserved/);
    expect(await allowed(publish(hook, service, 'fms/riverside/alarms/rs-pump-01'))).toBe('not authorized');
    expect(refused).toContain(
      'not_allowed: "rs-pump-01" may not publish to fms/lakeview/alarms/rs-pump-01/status: it publishes to fms/riverside/pump/rs-pump-01/{telemetry|event|status}',
    );
    expect(refused).toContain(
      'not_allowed: service client "BMS bridge" (integration) may not publish to fms/riverside/alarms/rs-pump-01: service clients only read',
    );
  });

  it('refuses a topic longer than any of FMS', async () => {
    expect(await allowed(publish(hook, pump, `fms/riverside/pump/${'x'.repeat(300)}/telemetry`))).toBe('topic too long');
  });

  it("retains nothing of a device's but a short status", async () => {
    expect((await publish(hook, pump, 'fms/riverside/pump/rs-pump-01/telemetry', { retain: true })).retained).toBe(false);
    expect((await publish(hook, pump, 'fms/riverside/pump/rs-pump-01/status', { retain: true, payload: 'online' })).retained).toBe(true);
    expect((await publish(hook, pump, 'fms/riverside/pump/rs-pump-01/status', { retain: true, payload: 'x'.repeat(1024) })).retained).toBe(false);
  });

  it('holds a sender over its rate instead of dropping its message', async () => {
    vi.useFakeTimers();
    try {
      const throttled: string[] = [];
      const slow = createAuthorizePublish({
        signIn: true,
        assetOf,
        throttle: createThrottle(10, 1),
        onThrottled: (s) => throttled.push(s),
        now: () => Date.now(),
      });
      const topic = 'fms/riverside/pump/rs-pump-01/telemetry';
      expect(await allowed(publish(slow, pump, topic, { sender: 'device rs-pump-01' }))).toBeNull();
      let outcome: string | null | undefined;
      void publish(slow, pump, topic, { sender: 'device rs-pump-01' }).then((r) => (outcome = r.err));
      await vi.advanceTimersByTimeAsync(50);
      expect(outcome).toBeUndefined(); // held: 10 a second means the next one 100 ms after the first
      await vi.advanceTimersByTimeAsync(60);
      expect(outcome).toBeNull(); // then let through, not dropped
      expect(throttled).toEqual(['device rs-pump-01']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops what a device held back once it is revoked, and bounds what one device may hold across its connections', async () => {
    vi.useFakeTimers();
    try {
      const seen: string[] = [];
      const slow = createAuthorizePublish({
        signIn: true,
        assetOf,
        throttle: createThrottle(1, 1),
        maxHeld: 3,
        onRefused: (reason) => seen.push(reason),
        now: () => Date.now(),
      });
      const topic = 'fms/riverside/pump/rs-pump-01/telemetry';
      const connA: Partial<FmsClient> = { id: 'rs-pump-01.a' };
      const connB: Partial<FmsClient> = { id: 'rs-pump-01.b' };
      expect(await allowed(publish(slow, pump, topic, { sender: 'device rs-pump-01', client: connA }))).toBeNull();
      const held = [1, 2, 3].map((i) => publish(slow, pump, topic, { sender: 'device rs-pump-01', client: i % 2 ? connA : connB }));
      // A fourth, from either connection: beyond what the device may hold.
      expect(await allowed(publish(slow, pump, topic, { sender: 'device rs-pump-01', client: connB }))).toBe('too many messages held');
      expect(seen).toEqual(['backlog_full']);
      // Its credentials are revoked: what it held is not taken.
      (connA as FmsClient).fmsRevoked = true;
      (connB as FmsClient).closed = true;
      await vi.advanceTimersByTimeAsync(5000);
      expect((await Promise.all(held)).map((r) => r.err)).toEqual(['client gone', 'client gone', 'client gone']);
    } finally {
      vi.useRealTimers();
    }
  });
});
