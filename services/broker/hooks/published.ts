import type { AedesOptions } from 'aedes';
import type { Logger } from 'pino';
import type { InboundMessage } from '../message-bus.ts';

/**
 * The `published` hook: a device's message, accepted by the authorize hooks, goes to ingest. It runs
 * before aedes sends a QoS 1 PUBACK, so an acknowledged message has been taken. The broker's own
 * publishes ($SYS, the service's alarm and work-order topics) have no client and are not ingested.
 */
export function createPublished(onMessage: (message: InboundMessage) => void, log: Logger) {
  const published: NonNullable<AedesOptions['published']> = (packet, client, done) => {
    if (client) {
      const message: InboundMessage = {
        topic: packet.topic,
        payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
        receivedAt: Date.now(),
      };
      try {
        onMessage(message);
      } catch (err) {
        log.error({ err, topic: packet.topic }, 'message handler failed');
      }
    }
    done();
  };
  return published;
}
