import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { MqttIdentity } from './hooks/client.ts';
import { createSessions } from './sessions.ts';

interface Persistence {
  incomingStorePacket(client: { id: string }, packet: unknown): Promise<void>;
  incomingGetPacket(client: { id: string }, packet: { messageId: number }): Promise<unknown>;
  incomingDelPacket(client: { id: string }, packet: { messageId: number }): Promise<void>;
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
    expect(sessions.stats()).toEqual({ sessions: 0, queued: 0, unreleased: 0 });
  });

  it('holds at most a few unreleased QoS 2 messages per client id, and drops them when the session expires', async () => {
    let t = 0;
    const full: string[] = [];
    const sessions = createSessions({ expiryMs: 60_000, maxQueued: 100, maxIncoming: 4, now: () => t, onIncomingFull: (id) => full.push(id) });
    const p = sessions.persistence(memory()) as ReturnType<typeof memory>;
    const pump: MqttIdentity = { kind: 'device', assetId: 'rs-pump-01', by: 'password' };
    const client = { id: 'rs-pump-01.q2', clean: false, fmsWho: pump, close: () => undefined };
    sessions.connected(client);
    for (let i = 1; i <= 4; i++) await p.incomingStorePacket(client, { ...message(i), qos: 2, messageId: i });
    // The same message again (a DUP) is not a new one; a fifth is refused.
    await p.incomingStorePacket(client, { ...message(4), qos: 2, messageId: 4 });
    await expect(p.incomingStorePacket(client, { ...message(5), qos: 2, messageId: 5 })).rejects.toThrow(
      /4 QoS 2 messages of this client id await their release/,
    );
    expect(full).toEqual(['rs-pump-01.q2']);
    await p.incomingDelPacket(client, { messageId: 1 });
    await p.incomingStorePacket(client, { ...message(5), qos: 2, messageId: 5 });
    expect(sessions.stats().unreleased).toBe(4);
    sessions.disconnected(client);
    t = 61_000;
    expect(await sessions.expire()).toBe(1);
    expect(sessions.stats().unreleased).toBe(0);
    await expect(p.incomingGetPacket(client, { messageId: 2 })).rejects.toThrow();
  });

  it('lets one identity hold only so many persistent sessions, whichever ids it picks; its own ones it may resume', () => {
    const sessions = createSessions({ expiryMs: 60_000, maxQueued: 100, maxPerIdentity: 3 });
    const admitted = Array.from({ length: 5 }, (_, i) => sessions.admit(bms, `key:${bms.keyId}.s${i}`));
    expect(admitted.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(admitted[3]).toMatch(/key aaaaaaaaaaaa holds 3 persistent sessions already.*FMS_MQTT_SESSIONS_PER_IDENTITY/);
    expect(sessions.admit(bms, `key:${bms.keyId}.s1`)).toBeUndefined();
    // Another identity is not held back by this one's.
    expect(sessions.admit({ kind: 'device', assetId: 'rs-pump-01', by: 'password' }, 'rs-pump-01')).toBeUndefined();
    // A clean start under one of its ids gives that session up, and makes room.
    sessions.connected({ id: `key:${bms.keyId}.s0`, clean: true, fmsWho: bms, close: () => undefined });
    expect(sessions.admit(bms, `key:${bms.keyId}.s9`)).toBeUndefined();
  });
});
