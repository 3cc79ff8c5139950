import type { AedesOptions } from 'aedes';
import { addressOf, clip, isLoopback, MAX_CLIENT_ID_LENGTH, type FmsClient, type OnRefused } from './client.ts';

/**
 * The `preConnect` hook, before anything else of a CONNECT is looked at: a client id longer than any
 * FMS gives out is marked for refusal (`authenticate` answers it with CONNACK 2, [MQTT-3.1.3-9]; only
 * 32 characters of it reach the logs and the rejected list); so is an empty one that asks for a
 * persistent session ([MQTT-3.1.3-8]: a session nobody could ever resume); an empty one with a clean
 * session is noted as given by the broker. Without sign-in, a connection from beyond loopback is a sender of its own for the message
 * rate (with sign-in, `authenticate` names the sender: a device across its connections).
 */
export function createPreConnect(d: { throttled: boolean; signIn: boolean; onRefused?: OnRefused | undefined }) {
  const preConnect: NonNullable<AedesOptions['preConnect']> = (aedesClient, packet, done) => {
    const client = aedesClient as unknown as FmsClient;
    const ip = addressOf(client);
    const id = packet.clientId ?? '';
    if (id.length > MAX_CLIENT_ID_LENGTH) {
      client.fmsRefusal = `a client id of ${id.length} characters, more than the ${MAX_CLIENT_ID_LENGTH} accepted (${clip(id, 32)})`;
      d.onRefused?.('client_id', ip, client.fmsRefusal);
    } else if (id === '' && packet.clean === false) {
      // [MQTT-3.1.3-8] an empty client id with CleanSession 0 gets CONNACK 2 (identifier rejected).
      client.fmsRefusal = 'an empty client id with a persistent session (clean: false): a persistent session needs a client id of its own';
      d.onRefused?.('client_id', ip, client.fmsRefusal);
    }
    client.fmsAssignedId = id === '';
    if (d.throttled && !d.signIn && !isLoopback(ip)) client.fmsSender = `client ${clip(id)} at ${ip}`;
    done(null, true);
  };
  return preConnect;
}
