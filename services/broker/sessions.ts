import { Readable } from 'node:stream';
import type { FmsClient, MqttIdentity } from './hooks/client.ts';

/** The part of aedes's persistence that sessions touch (aedes-persistence's, promise style). */
interface SessionPersistence {
  outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: unknown): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
  outgoingStream(client: { id: string }): Readable;
  cleanSubscriptions(client: { id: string }): Promise<void>;
}

export interface SessionPolicy {
  /** A persistent session offline for longer than this is ended (FMS_MQTT_SESSION_EXPIRY). */
  expiryMs: number;
  /** Messages a session may have waiting (FMS_MQTT_SESSION_MAX_QUEUED); further ones for it are dropped. */
  maxQueued: number;
  now?: () => number;
  /** Told when a message for a full session was dropped (at most once a session, until it drains). */
  onFull?: (clientId: string, queued: number) => void;
}

/**
 * The embedded broker's persistent sessions (`clean: false`), under FMS's rules:
 *
 * - a session belongs to one identity: its client id says whose (mqtt-acl.ts), so only that identity
 *   can resume it; the messages queued for it are checked again on delivery (authorize-forward.ts);
 * - it expires after `expiryMs` offline (MQTT 3.1.1 has no expiry of its own: without one, a session
 *   nobody resumes would queue forever);
 * - it queues at most `maxQueued` messages;
 * - revoking a key or a device's credentials ends its sessions (`end`), queued messages and all.
 */
export function createSessions(policy: SessionPolicy) {
  const now = policy.now ?? Date.now;
  /** Persistent sessions: whose, and since when they are offline (null: connected). */
  const sessions = new Map<string, { who: MqttIdentity | undefined; offlineSince: number | null }>();
  /** Messages enqueued and not yet cleared, per client id. */
  const queued = new Map<string, number>();
  const full = new Set<string>();
  let persistence: SessionPersistence | undefined;

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
    queued.delete(clientId);
    full.delete(clientId);
    sessions.delete(clientId);
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

    /** A client connected: a persistent session is now its identity's. */
    connected(client: FmsClient & { clean?: boolean }): void {
      if (client.clean) {
        // A clean start drops whatever session the id had.
        sessions.delete(client.id);
        queued.delete(client.id);
        full.delete(client.id);
        return;
      }
      sessions.set(client.id, { who: client.fmsWho, offlineSince: null });
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

    /** Persistent sessions known, and messages queued for them. */
    stats: () => ({ sessions: sessions.size, queued: [...queued.values()].reduce((a, b) => a + b, 0) }),
  };
}
export type Sessions = ReturnType<typeof createSessions>;
