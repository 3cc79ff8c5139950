import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import type { InboundMessage, MessageBus } from './message-bus.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
}

export interface EmbeddedBroker extends MessageBus {
  /** Where the broker listens, once started. */
  address(): { host: string; port: number };
}

/**
 * The embedded MQTT broker (aedes) on a TCP listener. Device messages reach ingest through aedes's
 * `published` hook, which runs before the broker acknowledges a QoS 1 publish: a PUBACK means ingest
 * has taken the message.
 */
export function createEmbeddedBroker(opts: EmbeddedBrokerOptions): EmbeddedBroker {
  const log = opts.log;
  let aedes: Aedes | undefined;
  let server: Server | undefined;
  let address = { host: opts.host, port: opts.port };
  let closing = false;

  return {
    async start(onMessage) {
      aedes = await Aedes.createBroker({
        published(packet, client, done) {
          // client is null for the broker's own publishes ($SYS, the service's alarm topics).
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
        },
      });
      aedes.on('clientError', (client, err) => log.debug({ err, clientId: client.id }, 'mqtt client error'));
      aedes.on('connectionError', (client, err) => log.debug({ err, clientId: client?.id }, 'mqtt connection error'));
      const broker = aedes;
      server = createServer((socket) => {
        socket.setNoDelay(true);
        broker.handle(socket);
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(opts.port, opts.host, () => {
          server!.off('error', reject);
          resolve();
        });
      });
      const a = server.address() as AddressInfo;
      address = { host: opts.host, port: a.port };
      log.info({ host: opts.host, port: a.port }, 'mqtt broker listening');
    },

    publish(topic, payload, options) {
      const broker = aedes;
      if (!broker || closing) return Promise.resolve();
      return new Promise((resolve, reject) => {
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos, retain: options.retain ?? false, dup: false }, (err) => (err ? reject(err) : resolve()));
      });
    },

    health() {
      if (!aedes || !server?.listening) return { state: 'down', detail: closing ? 'closing' : 'not started' };
      return { state: 'up', clients: aedes.connectedClients };
    },

    address: () => address,

    async close() {
      if (closing) return;
      closing = true;
      const s = server;
      const b = aedes;
      // Stop accepting first, then disconnect everyone; server.close() resolves once all sockets are gone.
      const serverClosed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
      if (b) await new Promise<void>((resolve) => b.close(() => resolve()));
      await serverClosed;
      log.info('mqtt broker closed');
    },
  };
}
