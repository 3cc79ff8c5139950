import type { AedesOptions } from 'aedes';
import { addressOf, isLoopback, type FmsClient } from './client.ts';

/**
 * The `preConnect` hook: without sign-in, a connection from beyond loopback is a sender of its own for
 * the message rate (with sign-in, `authenticate` names the sender: a device across its connections).
 */
export function createPreConnect(d: { throttled: boolean; signIn: boolean }) {
  const preConnect: NonNullable<AedesOptions['preConnect']> = (aedesClient, _packet, done) => {
    const client = aedesClient as unknown as FmsClient;
    const ip = addressOf(client);
    if (d.throttled && !d.signIn && !isLoopback(ip)) client.fmsSender = `client ${client.id} at ${ip}`;
    done(null, true);
  };
  return preConnect;
}
