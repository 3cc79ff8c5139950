import type { AedesOptions } from 'aedes';
import { mayReceive, type DeviceAsset } from '../mqtt-acl.ts';
import type { FmsClient } from './client.ts';

/**
 * The `authorizeForward` hook, asked for every message before it is delivered to a client — also for
 * the messages queued for a persistent session while it was away, when a client resumes it: a message
 * goes only to a client that may read its topic now (mqtt-acl.ts), whatever it subscribed to before.
 */
export function createAuthorizeForward(d: { signIn: boolean; assetOf?: ((assetId: string) => DeviceAsset | undefined) | undefined }) {
  const authorizeForward: NonNullable<AedesOptions['authorizeForward']> = (aedesClient, packet) => {
    if (!d.signIn) return packet;
    const who = (aedesClient as unknown as FmsClient).fmsWho;
    return mayReceive(who, who?.kind === 'device' ? d.assetOf?.(who.assetId) : undefined, packet.topic) ? packet : null;
  };
  return authorizeForward;
}
