import { describe, expect, it } from 'vitest';
import { createAuthorizeSubscribe } from './authorize-subscribe.ts';
import type { FmsClient, MqttIdentity } from './client.ts';

const pump: MqttIdentity = { kind: 'device', assetId: 'rs-pump-01', by: 'password' };
const riversideKey: MqttIdentity = { kind: 'service', keyId: 'k1', name: 'BMS bridge', role: 'integration', expiresAt: null, sites: ['riverside'] };

function subscribe(who: MqttIdentity | undefined, topic: string, signIn = true, held: Record<string, unknown> = {}) {
  const refused: string[] = [];
  const assetOf = (id: string) => (id === 'rs-pump-01' ? { id, site: 'riverside', type: 'pump' } : undefined);
  const hook = createAuthorizeSubscribe({ signIn, assetOf, maxSubscriptions: 3, onRefused: (_r, _a, detail) => refused.push(detail) });
  const client: FmsClient = { id: 'c1', close: () => undefined, subscriptions: held, ...(who ? { fmsWho: who } : {}) };
  return new Promise<{ granted: boolean; refused: string[] }>((resolve) =>
    hook(client as never, { topic, qos: 1 }, (_err, sub) => resolve({ granted: sub?.topic === topic, refused })),
  );
}

describe('the authorizeSubscribe hook', () => {
  it('gives a device its own command topic and nothing else', async () => {
    expect((await subscribe(pump, 'fms/riverside/pump/rs-pump-01/cmd')).granted).toBe(true);
    expect((await subscribe(pump, 'fms/riverside/pump/+/cmd')).granted).toBe(false);
    expect((await subscribe(pump, 'fms/lakeview/gate/rs-pump-01/cmd')).granted).toBe(false);
    expect((await subscribe(pump, 'fms/#')).refused).toEqual(['"rs-pump-01" may not subscribe to fms/#']);
  });

  it("gives a site-limited service client its site's alarms and telemetry, not another site's, not commands", async () => {
    expect((await subscribe(riversideKey, 'fms/riverside/alarms/+')).granted).toBe(true);
    expect((await subscribe(riversideKey, 'fms/riverside/+/+/telemetry')).granted).toBe(true);
    expect((await subscribe(riversideKey, 'fms/lakeview/alarms/+')).granted).toBe(false);
    expect((await subscribe(riversideKey, 'fms/riverside/pump/rs-pump-01/cmd')).granted).toBe(false);
  });

  it('refuses a client that has not signed in, and grants anything when sign-in is off', async () => {
    expect((await subscribe(undefined, 'fms/+/alarms/+')).granted).toBe(false);
    expect((await subscribe(undefined, 'fms/#', false)).granted).toBe(true);
  });

  it('grants one client a limited number of filters (an integration needs a handful)', async () => {
    const held = { 'fms/riverside/alarms/a': {}, 'fms/riverside/alarms/b': {}, 'fms/riverside/alarms/c': {} };
    const r = await subscribe(riversideKey, 'fms/riverside/alarms/d', true, held);
    expect(r.granted).toBe(false);
    expect(r.refused[0]).toMatch(/holds 3 subscriptions already/);
    // The same filter again is not a new one.
    expect((await subscribe(riversideKey, 'fms/riverside/alarms/a', true, held)).granted).toBe(true);
  });
});
