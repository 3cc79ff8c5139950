import type { AedesOptions } from 'aedes';
import { deviceSubscribeAllowed, serviceSubscribeAllowed, type DeviceAsset } from '../mqtt-acl.ts';
import { addressOf, clip, describe, MAX_TOPIC_BYTES, type FmsClient, type OnRefused } from './client.ts';

/** Filters one client may hold at once: an integration needs a handful, not thousands. */
export const MAX_SUBSCRIPTIONS = 100;

/**
 * The `authorizeSubscribe` hook: no filter longer than FMS's topics; with sign-in, a device only its
 * own command topic and a service client only what it may read (mqtt-acl.ts), at most
 * MAX_SUBSCRIPTIONS filters. A refused subscription is answered with a failure code for that filter;
 * the connection stays.
 */
export function createAuthorizeSubscribe(d: {
  signIn: boolean;
  assetOf?: ((assetId: string) => DeviceAsset | undefined) | undefined;
  maxSubscriptions?: number;
  onRefused?: OnRefused | undefined;
}) {
  const max = d.maxSubscriptions ?? MAX_SUBSCRIPTIONS;
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
    if (!d.signIn) return done(null, sub);
    const allowed =
      who?.kind === 'device'
        ? deviceSubscribeAllowed(d.assetOf?.(who.assetId), sub.topic)
        : who?.kind === 'service' && serviceSubscribeAllowed(sub.topic, who.sites);
    if (!allowed) {
      d.onRefused?.('not_allowed', addressOf(client), `${describe(who)} may not subscribe to ${clip(sub.topic, 200)}`, who);
      return done(null, null);
    }
    const held = client.subscriptions ?? {};
    if (!(sub.topic in held) && Object.keys(held).length >= max) {
      d.onRefused?.('subscriptions', addressOf(client), `${describe(who)} holds ${max} subscriptions already, the most one client may`, who);
      return done(null, null);
    }
    done(null, sub);
  };
  return authorizeSubscribe;
}
