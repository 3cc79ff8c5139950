import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import type { InboundMessage, MessageBus } from './message-bus.ts';
import { PacketSizeInspector } from './mqtt-guard.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
  /**
   * A packet declared larger than this ends its connection before it is read (default 2 MiB; payloads
   * above ingest's own 16 KiB limit but below this are read and rejected with their reason).
   */
  maxPacketBytes?: number;
  /** Connections at once from one address other than loopback; 0 for no limit (default 0). */
  maxConnectionsPerIp?: number;
  /** Told of every connection refused or cut for hostile input (to count and to log, rate-limited). */
  onRefused?: (reason: 'connections_per_ip' | 'packet_too_large' | 'malformed_packet' | 'auth_failed' | 'not_allowed', address: string, detail: string) => void;
  /**
   * Device authentication (FMS_MQTT_AUTH=devices): user name = asset id, password = its secret; a
   * device publishes only its own telemetry, events and status, and subscribes only to its own
   * `cmd` topic. Without it, anyone who reaches the port may publish (loopback by default).
   */
  auth?: { verify(assetId: string, secret: string): Promise<boolean> };
}

export interface EmbeddedBroker extends MessageBus {
  /** Where the broker listens, once started. */
  address(): { host: string; port: number };
  /** Disconnects every client signed in as this asset (its secret was rotated or revoked). */
  disconnectAsset(assetId: string): number;
}

/** What a device may publish: `fms/{site}/{type}/{its id}/{telemetry|event|status}`. */
export function devicePublishAllowed(assetId: string, topic: string): boolean {
  const levels = topic.split('/');
  return levels.length === 5 && levels[0] === 'fms' && levels[3] === assetId && (levels[4] === 'telemetry' || levels[4] === 'event' || levels[4] === 'status');
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
      const auth = opts.auth;
      const addressOf = (client: { conn?: unknown } | null) => ((client?.conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? 'unknown');
      const assetOf = (client: unknown) => (client as { fmsAsset?: string }).fmsAsset;
      aedes = await Aedes.createBroker({
        // FMS's topics have 5 levels; nothing legitimate is deeper.
        maxTopicLevels: 16,
        ...(auth
          ? {
              authenticate(client, username, password, done) {
                const secret = password ? Buffer.from(password).toString('utf8') : '';
                const refuse = (why: string) => {
                  opts.onRefused?.('auth_failed', addressOf(client), `${why} (client ${client.id})`);
                  done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }) as never, null);
                };
                if (!username || !secret) return refuse('no user name or password');
                auth.verify(username, secret).then(
                  (ok) => {
                    if (!ok) return refuse(`wrong or revoked credentials for "${username.slice(0, 64)}"`);
                    (client as unknown as { fmsAsset: string }).fmsAsset = username;
                    done(null, true);
                  },
                  () => refuse('credentials could not be checked'),
                );
              },
              authorizePublish(client, packet, done) {
                const asset = client ? assetOf(client) : undefined;
                if (!client || (asset && devicePublishAllowed(asset, packet.topic))) return done(null);
                opts.onRefused?.('not_allowed', addressOf(client), `"${asset}" may not publish to ${packet.topic.slice(0, 200)}`);
                done(new Error('not authorized'));
              },
              authorizeSubscribe(client, sub, done) {
                const asset = assetOf(client);
                const levels = sub.topic.split('/');
                if (asset && levels.length === 5 && levels[0] === 'fms' && levels[3] === asset && levels[4] === 'cmd') return done(null, sub);
                opts.onRefused?.('not_allowed', addressOf(client), `"${asset}" may not subscribe to ${sub.topic.slice(0, 200)}`);
                done(null, null);
              },
            }
          : {}),
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
      const maxPacketBytes = opts.maxPacketBytes ?? 2 * 1024 * 1024;
      const perIp = new Map<string, number>();
      server = createServer((socket) => {
        socket.setNoDelay(true);
        const ip = socket.remoteAddress ?? 'unknown';
        const loopback = ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
        if (opts.maxConnectionsPerIp && !loopback && (perIp.get(ip) ?? 0) >= opts.maxConnectionsPerIp) {
          opts.onRefused?.('connections_per_ip', ip, `already ${opts.maxConnectionsPerIp} connections from ${ip}`);
          socket.destroy();
          return;
        }
        perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
        socket.once('close', () => {
          const n = (perIp.get(ip) ?? 1) - 1;
          if (n > 0) perIp.set(ip, n);
          else perIp.delete(ip);
        });
        // Each packet's declared length is checked as aedes reads the bytes, before it buffers the
        // packet: aedes reads with socket.read() on 'readable', so that is where the inspector sits.
        const inspector = new PacketSizeInspector(maxPacketBytes);
        const read = socket.read.bind(socket);
        socket.read = (size?: number) => {
          const chunk = read(size) as Buffer | null;
          if (!chunk) return chunk;
          const refused = inspector.feed(chunk);
          if (!refused) return chunk;
          opts.onRefused?.(refused.startsWith('malformed') ? 'malformed_packet' : 'packet_too_large', ip, refused);
          socket.destroy();
          return null;
        };
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

    disconnectAsset(assetId) {
      let n = 0;
      const clients = (aedes as unknown as { clients: Record<string, { fmsAsset?: string; close(): void }> } | undefined)?.clients ?? {};
      for (const id in clients) {
        if (clients[id]!.fmsAsset !== assetId) continue;
        clients[id]!.close();
        n++;
      }
      return n;
    },

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
