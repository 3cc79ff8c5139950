import type { AedesOptions } from 'aedes';
import { deviceSubscribeAllowed, serviceSubscribeAllowed } from '../mqtt-acl.ts';
import { addressOf, describe, MAX_TOPIC_BYTES, type FmsClient, type OnRefused } from './client.ts';

/**
 * The `authorizeSubscribe` hook: no filter longer than FMS's topics; with sign-in, a device only its
 * own command topic and a service client only what it may read (mqtt-acl.ts). A refused subscription
 * is answered with a failure code for that filter; the connection stays.
 */
export function createAuthorizeSubscribe(d: { signIn: boolean; onRefused?: OnRefused | undefined }) {
  const authorizeSubscribe: NonNullable<AedesOptions['authorizeSubscribe']> = (aedesClient, sub, done) => {
    const client = aedesClient as unknown as FmsClient;
    const who = client.fmsWho;
    if (Buffer.byteLength(sub.topic) > MAX_TOPIC_BYTES) {
      d.onRefused?.(
        'topic_too_long',
        addressOf(client),
        `a subscription of ${Buffer.byteLength(sub.topic)} bytes, more than the ${MAX_TOPIC_BYTES} accepted`,
        who,
      );
      return done(null, null);
    }
    const allowed =
      !d.signIn ||
      (who?.kind === 'device' ? deviceSubscribeAllowed(who.assetId, sub.topic) : who?.kind === 'service' && serviceSubscribeAllowed(sub.topic, who.sites));
    if (allowed) return done(null, sub);
    d.onRefused?.('not_allowed', addressOf(client), `${describe(who)} may not subscribe to ${sub.topic.slice(0, 200)}`, who);
    done(null, null);
  };
  return authorizeSubscribe;
}
