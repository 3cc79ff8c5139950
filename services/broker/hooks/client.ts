/** What the embedded broker's hooks know of a connected client, beyond aedes's own. */

/** A signed-in client: a device (by its secret or its certificate) or a service client (by an API key). */
export type MqttIdentity =
  | { kind: 'device'; assetId: string; by: 'password' | 'certificate' }
  | { kind: 'service'; keyId: string; name: string; role: string; expiresAt: number | null; sites: readonly string[] | null };

/** Why a connection or a packet was refused (the reason label of `fms_mqtt_refused_total`). */
export type RefusalReason =
  | 'connections_per_ip'
  | 'packet_too_large'
  | 'malformed_packet'
  | 'packet_stalled'
  | 'auth_failed'
  | 'sign_in_rate'
  | 'client_id'
  | 'not_allowed'
  | 'topic_too_long'
  | 'backlog_full'
  | 'subscriptions'
  | 'session_queue_full'
  | 'payload_too_large'
  | 'inflight_full'
  | 'sessions_per_identity';

/** Told of every refusal, to count it, record it and log it (rate-limited). */
export type OnRefused = (reason: RefusalReason, address: string, detail: string, who?: MqttIdentity) => void;

/** An aedes client as FMS's hooks see it: who signed in, and who it counts as for the message rate. */
export interface FmsClient {
  id: string;
  conn?: unknown;
  /** Set by `authenticate`. */
  fmsWho?: MqttIdentity;
  /** The sender its messages are throttled as (a device across its connections, or one connection). */
  fmsSender?: string;
  /** The client sent an empty client id and the broker gave it one (it cannot be anyone else's). */
  fmsAssignedId?: boolean;
  /** Why it is refused before it signs in (`preConnect` saw it). */
  fmsRefusal?: string;
  /** Its identity was revoked while it was connected: nothing more of it is taken. */
  fmsRevoked?: boolean;
  /** The broker's revocation count when it began to sign in: a revocation after it closes it (message-bus.aedes.ts). */
  fmsEpoch?: number;
  /** aedes: a clean session (false: a persistent one). */
  clean?: boolean;
  /** aedes: its last will, published when the connection drops (null: none). */
  will?: unknown;
  /** aedes: the connection is closed. */
  closed?: boolean;
  /** aedes: the filters it subscribed to. */
  subscriptions?: Record<string, unknown>;
  close(): void;
}

/** Client ids longer than this are refused before sign-in (MQTT 3.1.1 sets no limit of its own). */
export const MAX_CLIENT_ID_LENGTH = 128;

/** A client id as a refusal or a log line names it: never more than 64 characters of it. */
export function clip(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** FMS's longest topic is ~150 bytes (`fms/` + a 64-character site and asset id); nothing legitimate is near this. */
export const MAX_TOPIC_BYTES = 256;

export const isLoopback = (ip: string) => ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';

/** The address a client connects from. */
export function addressOf(client: { conn?: unknown } | null): string {
  return (client?.conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? 'unknown';
}

/** The identity a client signed in as, in a word: whose sessions and revocations concern it. */
export function identityOf(who: MqttIdentity): string {
  return who.kind === 'device' ? deviceIdentity(who.assetId) : keyIdentity(who.keyId);
}
export const deviceIdentity = (assetId: string) => `device ${assetId}`;
export const keyIdentity = (keyId: string) => `key ${keyId}`;

/** A client as a refusal names it. */
export function describe(who: MqttIdentity | undefined): string {
  if (!who) return 'an anonymous client';
  return who.kind === 'device' ? `"${clip(who.assetId)}"` : `service client "${clip(who.name)}" (${who.role})`;
}
