import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { MqttIdentity } from './hooks/client.ts';
import { createSessions } from './sessions.ts';

interface Persistence {
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: unknown): Promise<void>;
  addSubscriptions(client: { id: string }, subs: { topic: string; qos: number }[]): Promise<void>;
  subscriptionsByClient(client: { id: string }): Promise<unknown[]>;
  outgoingStream(client: { id: string }): AsyncIterable<unknown>;
}
const memory = createRequire(import.meta.url)('aedes-persistence') as () => Persistence;
const bms: MqttIdentity = { kind: 'service', keyId: 'aaaaaaaaaaaa', name: 'BMS', role: 'integration', expiresAt: null, sites: null };
const queuedFor = async (p: ReturnType<typeof memory>, id: string) => {
  let n = 0;
  for await (const _ of p.outgoingStream({ id })) n++;
  return n;
};
const message = (i: number) => ({
  cmd: 'publish',
  topic: 'fms/riverside/work-orders/WO-1',
  payload: Buffer.from(String(i)),
  qos: 1,
  retain: false,
  brokerId: 'b',
  brokerCounter: i,
});

describe('persistent sessions on the embedded broker', () => {
  it('queues at most maxQueued messages for a session and says so once', async () => {
    const full: string[] = [];
    const sessions = createSessions({ expiryMs: 60_000, maxQueued: 3, onFull: (id) => full.push(id) });
    const p = sessions.persistence(memory()) as ReturnType<typeof memory>;
    for (let i = 0; i < 10; i++) await p.outgoingEnqueueCombi([{ clientId: `key:${bms.keyId}` }], message(i));
    expect(await queuedFor(p, `key:${bms.keyId}`)).toBe(3);
    expect(full).toEqual([`key:${bms.keyId}`]);
  });

  it('ends a session offline for longer than its expiry, and the sessions of a revoked identity, queue and all', async () => {
    let t = 0;
    const sessions = createSessions({ expiryMs: 60_000, maxQueued: 100, now: () => t });
    const p = sessions.persistence(memory()) as ReturnType<typeof memory>;
    const client = (id: string, who: MqttIdentity) => ({ id, clean: false, fmsWho: who, close: () => undefined });
    const pump: MqttIdentity = { kind: 'device', assetId: 'rs-pump-01', by: 'password' };
    sessions.connected(client(`key:${bms.keyId}`, bms));
    sessions.connected(client('rs-pump-01', pump));
    await p.addSubscriptions({ id: `key:${bms.keyId}` }, [{ topic: 'fms/+/work-orders/#', qos: 1 }]);
    sessions.disconnected(client(`key:${bms.keyId}`, bms));
    for (let i = 0; i < 5; i++) await p.outgoingEnqueueCombi([{ clientId: `key:${bms.keyId}` }, { clientId: 'rs-pump-01' }], message(i));
    t = 30_000;
    expect(await sessions.expire()).toBe(0);
    t = 61_000;
    expect(await sessions.expire()).toBe(1);
    expect(await queuedFor(p, `key:${bms.keyId}`)).toBe(0);
    expect(await p.subscriptionsByClient({ id: `key:${bms.keyId}` })).toEqual([]);
    // The device is still connected: only revoking it ends its session.
    expect(await queuedFor(p, 'rs-pump-01')).toBe(5);
    expect(await sessions.end((who) => who.kind === 'device' && who.assetId === 'rs-pump-01')).toBe(1);
    expect(await queuedFor(p, 'rs-pump-01')).toBe(0);
    expect(sessions.stats()).toEqual({ sessions: 0, queued: 0 });
  });
});
