import type { AedesOptions } from 'aedes';
import { devicePublishAllowed } from '../mqtt-acl.ts';
import type { createThrottle } from '../mqtt-guard.ts';
import { addressOf, describe, MAX_TOPIC_BYTES, type FmsClient, type OnRefused } from './client.ts';

/**
 * The `authorizePublish` hook: `$SYS` is the broker's; no topic longer than FMS's; with sign-in, a
 * device publishes only its own telemetry, events and status and nobody else publishes at all; a
 * sender over its message rate has its message held (not dropped) for as long as the rate wants —
 * aedes reads the client's next packets only when this one is through, so the sender slows down.
 */
export function createAuthorizePublish(d: {
  signIn: boolean;
  throttle?: ReturnType<typeof createThrottle> | undefined;
  onRefused?: OnRefused | undefined;
  onThrottled?: ((sender: string, address: string) => void) | undefined;
  now?: () => number;
}) {
  const now = d.now ?? Date.now;
  const authorizePublish: NonNullable<AedesOptions['authorizePublish']> = (aedesClient, packet, done) => {
    const client = aedesClient as unknown as FmsClient | null;
    if (!client) return done(null);
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
    if (d.signIn) {
      const who = client.fmsWho;
      if (who?.kind !== 'device' || !devicePublishAllowed(who.assetId, packet.topic)) {
        d.onRefused?.('not_allowed', addressOf(client), `${describe(who)} may not publish to ${packet.topic.slice(0, 200)}`, who);
        return done(new Error('not authorized'));
      }
    }
    const sender = client.fmsSender;
    if (!d.throttle || sender === undefined) return done(null);
    const wait = d.throttle.delay(sender, now());
    if (wait === 0) return done(null);
    d.onThrottled?.(sender, addressOf(client));
    setTimeout(() => done(null), wait);
  };
  return authorizePublish;
}
