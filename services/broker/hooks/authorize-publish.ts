import type { AedesOptions } from 'aedes';
import { deviceChannels, deviceLevels, deviceTopicsText } from '../../shared/topics.ts';
import { devicePublishAllowed, deviceRetainAllowed, type DeviceAsset } from '../mqtt-acl.ts';
import type { createThrottle } from '../mqtt-guard.ts';
import { addressOf, clip, describe, MAX_TOPIC_BYTES, type FmsClient, type OnRefused } from './client.ts';

/**
 * The `authorizePublish` hook (also asked for a will message when a client drops): `$SYS` is the
 * broker's; no topic longer than FMS's; with sign-in, a device publishes only its own telemetry,
 * events and status — on its own site and type — and nobody else publishes at all: the service topics
 * are FMS's. A device's message is not retained, unless it is its short status. A payload larger than
 * ingest takes (16 KiB on a device topic) is refused before it is relayed to anyone or queued for a
 * session. A client whose identity was revoked publishes nothing more, its will included.
 *
 * A sender over its message rate has its message held (not dropped) for as long as the rate wants:
 * aedes reads the client's next packets only when these are through, so the sender slows down. What a
 * device may hold that way is bounded for the device, across all its connections (`maxHeld`): beyond
 * it, the connection is closed. A held message whose client was closed or revoked meanwhile is dropped.
 */
/** What ingest takes from a device (16 KiB, ingest/payload.ts), and a bound for anything else a client may publish. */
export const defaultMaxPayloadBytes = { device: 16 * 1024, other: 256 * 1024 };

export function createAuthorizePublish(d: {
  signIn: boolean;
  /** The asset a device signed in as (its site and type), looked up now. */
  assetOf?: ((assetId: string) => DeviceAsset | undefined) | undefined;
  throttle?: ReturnType<typeof createThrottle> | undefined;
  /** Messages one sender may have held at once (default: 1,000). */
  maxHeld?: number;
  /** The largest payload on a device topic (default: ingest's 16 KiB) and on any other (default: 256 KiB). */
  maxPayloadBytes?: { device: number; other: number };
  onRefused?: OnRefused | undefined;
  onThrottled?: ((sender: string, address: string) => void) | undefined;
  now?: () => number;
}) {
  const now = d.now ?? Date.now;
  const maxHeld = d.maxHeld ?? 1000;
  const maxPayload = d.maxPayloadBytes ?? defaultMaxPayloadBytes;
  const held = new Map<string, number>();
  const authorizePublish: NonNullable<AedesOptions['authorizePublish']> = (aedesClient, packet, done) => {
    const client = aedesClient as unknown as FmsClient | null;
    // A will left by a client of an earlier run of the broker: nobody to check it against.
    if (!client) return done(d.signIn ? new Error('no client') : null);
    // Revoked: nothing more of it is taken, not even the will its connection leaves behind.
    if (client.fmsRevoked) return done(new Error('revoked'));
    // $SYS is the broker's own (aedes refuses it the same way when no hook is given).
    if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
    if (packet.topic.length > MAX_TOPIC_BYTES / 4 && Buffer.byteLength(packet.topic) > MAX_TOPIC_BYTES) {
      d.onRefused?.(
        'topic_too_long',
        addressOf(client),
        `a topic of ${Buffer.byteLength(packet.topic)} bytes, more than the ${MAX_TOPIC_BYTES} accepted`,
        client.fmsWho,
      );
      return done(new Error('topic too long'));
    }
    // The topic is read only for a payload above the smaller limit (the device topics').
    const onDeviceTopic =
      packet.payload.length > Math.min(maxPayload.device, maxPayload.other) &&
      (deviceChannels as readonly string[]).includes(deviceLevels(packet.topic)?.channel ?? '');
    const limit = onDeviceTopic ? maxPayload.device : maxPayload.other;
    if (packet.payload.length > limit) {
      d.onRefused?.(
        'payload_too_large',
        addressOf(client),
        `a payload of ${packet.payload.length} bytes on ${clip(packet.topic, 200)}, more than the ${limit} accepted${onDeviceTopic ? ' on a device topic' : ''}: connection closed`,
        client.fmsWho,
      );
      return done(new Error('payload too large'));
    }
    if (d.signIn) {
      const who = client.fmsWho;
      const asset = who?.kind === 'device' ? d.assetOf?.(who.assetId) : undefined;
      if (who?.kind !== 'device' || !devicePublishAllowed(asset, packet.topic)) {
        const own = asset
          ? `: it publishes to ${deviceTopicsText(asset.site, asset.type, asset.id)}`
          : who?.kind === 'service'
            ? ': service clients only read'
            : '';
        d.onRefused?.('not_allowed', addressOf(client), `${describe(who)} may not publish to ${clip(packet.topic, 200)}${own}`, who);
        return done(new Error('not authorized'));
      }
      if (packet.retain && !deviceRetainAllowed(packet.topic, packet.payload.length)) packet.retain = false;
    }
    const sender = client.fmsSender;
    if (!d.throttle || sender === undefined) return done(null);
    const wait = d.throttle.delay(sender, now());
    if (wait === 0) return done(null);
    const n = held.get(sender) ?? 0;
    if (n >= maxHeld) {
      d.onRefused?.('backlog_full', addressOf(client), `${sender} has ${n} messages held for its rate already: connection closed`, client.fmsWho);
      return done(new Error('too many messages held'));
    }
    held.set(sender, n + 1);
    d.onThrottled?.(sender, addressOf(client));
    setTimeout(() => {
      const left = (held.get(sender) ?? 1) - 1;
      if (left > 0) held.set(sender, left);
      else held.delete(sender);
      // Revoked or gone while it waited: what it sent is not taken.
      done(client.closed || client.fmsRevoked ? new Error('client gone') : null);
    }, wait);
  };
  return authorizePublish;
}
