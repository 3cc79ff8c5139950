import { Readable } from 'node:stream';
import { identityOf, type FmsClient, type MqttIdentity } from './hooks/client.ts';

/** The part of aedes's persistence that sessions touch (aedes-persistence's, promise style). */
interface SessionPersistence {
  outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: unknown): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
  outgoingStream(client: { id: string }): Readable;
  cleanSubscriptions(client: { id: string }): Promise<void>;
  incomingStorePacket(client: { id: string }, packet: { messageId?: number }): Promise<void>;
  incomingDelPacket(client: { id: string }, packet: { messageId?: number }): Promise<void>;
  cleanIncoming(client: { id: string }): Promise<void>;
}

export interface SessionPolicy {
  /** A persistent session offline for longer than this is ended (FMS_MQTT_SESSION_EXPIRY). */
  expiryMs: number;
  /** Messages a session may have waiting (FMS_MQTT_SESSION_MAX_QUEUED); further ones for it are dropped. */
  maxQueued: number;
  /** Persistent sessions one identity (a device, a key) may hold (FMS_MQTT_SESSIONS_PER_IDENTITY; default 10). */
  maxPerIdentity?: number;
  /**
   * QoS 2 messages a client id may have received and not yet released (PUBREL), across its
   * connections (default 16): a client that never releases them cannot pin more than this.
   */
  maxIncoming?: number;
  now?: () => number;
  /** Told when a message for a full session was dropped (at most once a session, until it drains). */
  onFull?: (clientId: string, queued: number) => void;
  /** Told when a client id went over `maxIncoming` (its connection is then closed). */
  onIncomingFull?: (clientId: string, held: number) => void;
}

/**
 * The embedded broker's persistent sessions (`clean: false`), under FMS's rules:
 *
 * - a session belongs to one identity: its client id says whose (mqtt-acl.ts), so only that identity
 *   can resume it; the messages queued for it are checked again on delivery (authorize-forward.ts);
 * - it expires after `expiryMs` offline (MQTT 3.1.1 has no expiry of its own: without one, a session
 *   nobody resumes would queue forever);
 * - it queues at most `maxQueued` messages;
 * - an identity holds at most `maxPerIdentity` of them (a key cannot spread itself over 300 ids);
 * - a client id holds at most `maxIncoming` QoS 2 messages awaiting their release;
 * - revoking a key or a device's credentials ends its sessions (`end`), queued messages, subscriptions
 *   and unreleased QoS 2 messages and all; so does expiry.
 */
export function createSessions(policy: SessionPolicy) {
  const now = policy.now ?? Date.now;
  /** Persistent sessions: whose, and since when they are offline (null: connected). */
  const sessions = new Map<string, { who: MqttIdentity | undefined; offlineSince: number | null }>();
  /** An identity's persistent sessions (their client ids). */
  const owned = new Map<string, Set<string>>();
  /** Messages enqueued and not yet cleared, per client id. */
  const queued = new Map<string, number>();
  const full = new Set<string>();
  /** QoS 2 messages received and not yet released, per client id (their message ids). */
  const incoming = new Map<string, Set<number>>();
  const maxPerIdentity = policy.maxPerIdentity ?? 10;
  const maxIncoming = policy.maxIncoming ?? 16;
  let persistence: SessionPersistence | undefined;

  const track = (clientId: string, who: MqttIdentity | undefined, offlineSince: number | null) => {
    const before = sessions.get(clientId);
    if (before?.who) owned.get(identityOf(before.who))?.delete(clientId);
    sessions.set(clientId, { who: who ?? before?.who, offlineSince });
    const owner = who ?? before?.who;
    if (owner) {
      const ids = owned.get(identityOf(owner)) ?? new Set<string>();
      owned.set(identityOf(owner), ids.add(clientId));
    }
  };
  const untrack = (clientId: string) => {
    const s = sessions.get(clientId);
    sessions.delete(clientId);
    if (!s?.who) return;
    const ids = owned.get(identityOf(s.who));
    ids?.delete(clientId);
    if (ids?.size === 0) owned.delete(identityOf(s.who));
  };

  const admit = (clientId: string) => {
    const n = queued.get(clientId) ?? 0;
    if (n >= policy.maxQueued) {
      if (!full.has(clientId)) {
        full.add(clientId);
        policy.onFull?.(clientId, n);
      }
      return false;
    }
    queued.set(clientId, n + 1);
    return true;
  };

  async function clean(clientId: string): Promise<void> {
    const p = persistence!;
    await p.cleanSubscriptions({ id: clientId });
    // Queued messages have no message id yet: each clear takes the first one left.
    for await (const packet of p.outgoingStream({ id: clientId })) await p.outgoingClearMessageId({ id: clientId }, packet);
    // QoS 2 messages it never released: the session's too.
    await p.cleanIncoming({ id: clientId });
    queued.delete(clientId);
    full.delete(clientId);
    untrack(clientId);
  }

  return {
    /** Wraps aedes's persistence so that a session's queue stays within `maxQueued`. */
    persistence<P extends object>(inner: P): P {
      const p = inner as unknown as SessionPersistence;
      const wrapped = new Proxy(inner, {
        get(target, prop, receiver) {
          if (prop === 'outgoingEnqueueCombi') {
            return (subs: { clientId: string }[], packet: unknown) =>
              p.outgoingEnqueueCombi.call(
                target,
                subs.filter((s) => admit(s.clientId)),
                packet,
              );
          }
          if (prop === 'outgoingEnqueue') {
            return async (sub: { clientId: string }, packet: unknown) => (admit(sub.clientId) ? p.outgoingEnqueue.call(target, sub, packet) : undefined);
          }
          if (prop === 'incomingStorePacket') {
            return async (client: { id: string }, packet: { messageId?: number }) => {
              const held = incoming.get(client.id) ?? new Set<number>();
              const id = packet.messageId ?? 0;
              if (!held.has(id) && held.size >= maxIncoming) {
                policy.onIncomingFull?.(client.id, held.size);
                throw new Error(`${held.size} QoS 2 messages of this client id await their release already`);
              }
              await p.incomingStorePacket.call(target, client, packet);
              incoming.set(client.id, held.add(id));
            };
          }
          if (prop === 'incomingDelPacket') {
            return async (client: { id: string }, packet: { messageId?: number }) => {
              await p.incomingDelPacket.call(target, client, packet);
              const held = incoming.get(client.id);
              held?.delete(packet.messageId ?? 0);
              if (held?.size === 0) incoming.delete(client.id);
            };
          }
          if (prop === 'cleanIncoming') {
            return async (client: { id: string }) => {
              await p.cleanIncoming.call(target, client);
              incoming.delete(client.id);
            };
          }
          if (prop === 'outgoingClearMessageId') {
            return async (client: { id: string }, packet: unknown) => {
              const cleared = await p.outgoingClearMessageId.call(target, client, packet);
              if (cleared) {
                const n = (queued.get(client.id) ?? 1) - 1;
                if (n > 0) queued.set(client.id, n);
                else queued.delete(client.id);
                if (n < policy.maxQueued) full.delete(client.id);
              }
              return cleared;
            };
          }
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      persistence = wrapped as unknown as SessionPersistence;
      return wrapped;
    },

    /**
     * A client signing in asks for a persistent session under this id: undefined when it may have it
     * (its own, resumed, or a new one within `maxPerIdentity`, reserved now so that clients signing in
     * at once cannot all slip under the cap), else why not.
     */
    admit(who: MqttIdentity, clientId: string): string | undefined {
      if (sessions.has(clientId)) return undefined;
      const n = owned.get(identityOf(who))?.size ?? 0;
      if (n >= maxPerIdentity) {
        return `${identityOf(who)} holds ${n} persistent sessions already, the most one identity may (FMS_MQTT_SESSIONS_PER_IDENTITY): resume one of its client ids, or connect with a clean session`;
      }
      // Until it is connected it counts as offline: a sign-in that never completes expires like any session.
      track(clientId, who, now());
      return undefined;
    },

    /** A client connected: a persistent session is now its identity's. */
    connected(client: FmsClient & { clean?: boolean }): void {
      if (client.clean) {
        // A clean start drops whatever session the id had.
        untrack(client.id);
        queued.delete(client.id);
        full.delete(client.id);
        return;
      }
      track(client.id, client.fmsWho, null);
    },

    /** A client went away: its persistent session waits for it, for `expiryMs`. */
    disconnected(client: FmsClient & { clean?: boolean }): void {
      const s = sessions.get(client.id);
      if (s) s.offlineSince = now();
    },

    /** Ends the sessions offline for longer than `expiryMs`; returns how many. */
    async expire(): Promise<number> {
      const t = now();
      const old = [...sessions].filter(([, s]) => s.offlineSince !== null && t - s.offlineSince > policy.expiryMs).map(([id]) => id);
      for (const id of old) await clean(id);
      return old.length;
    },

    /** Ends every session of the identities `match` picks (their key or credentials were revoked). */
    async end(match: (who: MqttIdentity) => boolean): Promise<number> {
      const ended = [...sessions].filter(([, s]) => s.who !== undefined && match(s.who)).map(([id]) => id);
      for (const id of ended) await clean(id);
      return ended.length;
    },

    /** Persistent sessions known, messages queued for them, and QoS 2 messages received and not yet released. */
    stats: () => ({
      sessions: sessions.size,
      queued: [...queued.values()].reduce((a, b) => a + b, 0),
      unreleased: [...incoming.values()].reduce((a, b) => a + b.size, 0),
    }),
  };
}
export type Sessions = ReturnType<typeof createSessions>;
