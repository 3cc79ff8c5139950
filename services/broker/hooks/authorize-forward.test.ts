import { describe, expect, it } from 'vitest';
import { createAuthorizeForward } from './authorize-forward.ts';
import type { MqttIdentity } from './client.ts';

const assetOf = (id: string) => (id === 'rs-pump-01' ? { id, site: 'riverside', type: 'pump' } : undefined);
const forward = createAuthorizeForward({ signIn: true, assetOf });
const packet = (topic: string) => ({
  cmd: 'publish' as const,
  topic,
  payload: Buffer.from('{}'),
  qos: 1 as const,
  retain: false,
  dup: false,
  brokerId: 'b',
  brokerCounter: 1,
});
const to = (who: MqttIdentity | undefined, topic: string) => forward({ id: 'c', fmsWho: who } as never, packet(topic) as never);

describe('the authorizeForward hook (also what a resumed session had queued)', () => {
  it("delivers to a site-limited key its site's messages only, whatever it subscribed to before", () => {
    const riverside: MqttIdentity = { kind: 'service', keyId: 'k', name: 'contractor', role: 'integration', expiresAt: null, sites: ['riverside'] };
    expect(to(riverside, 'fms/riverside/work-orders/WO-2026-000001')).not.toBeNull();
    expect(to(riverside, 'fms/lakeview/work-orders/WO-2026-000002')).toBeNull();
  });

  it('delivers to a device its own command topic only, and nothing to a client nobody signed in', () => {
    const pump: MqttIdentity = { kind: 'device', assetId: 'rs-pump-01', by: 'password' };
    expect(to(pump, 'fms/riverside/pump/rs-pump-01/cmd')).not.toBeNull();
    expect(to(pump, 'fms/lakeview/work-orders/WO-2026-000002')).toBeNull();
    expect(to(undefined, 'fms/riverside/alarms/rs-pump-01')).toBeNull();
  });
});
