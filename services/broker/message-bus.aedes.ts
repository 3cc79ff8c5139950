import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Logger } from 'pino';
import type { InboundMessage, MessageBus } from './message-bus.ts';
import { devicePublishAllowed, deviceSubscribeAllowed, serviceSubscribeAllowed } from './mqtt-acl.ts';
import { createThrottle, PacketSizeInspector } from './mqtt-guard.ts';

/** A signed-in client: a device (by its secret or its certificate) or a service client (by an API key). */
export type MqttIdentity =
  | { kind: 'device'; assetId: string; by: 'password' | 'certificate' }
  | { kind: 'service'; keyId: string; name: string; role: string; expiresAt: number | null; sites: readonly string[] | null };

/** How the embedded broker checks who signs in (FMS_MQTT_AUTH=devices). */
export interface BrokerAuth {
  /** Whether this is the asset's current secret. */
  verifyDevice(assetId: string, secret: string): Promise<boolean>;
  /** Whether a trusted device certificate naming this asset (its CN) signs it in: a known asset whose credentials were not revoked. */
  certificateDevice(assetId: string): Promise<boolean>;
  /** A service client's API key (given as the password): who it is, or why not. */
  verifyKey(
    token: string,
  ): Promise<{ id: string; name: string; role: string; expiresAt: number | null; sites: readonly string[] | null } | { refused: string }>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  /** Plain MQTT; 0 picks a free port; null: no plain listener (TLS only). */
  port: number | null;
  /** MQTT over TLS; with `ca` and `clientCerts`, devices may sign in with a certificate (mutual TLS). */
  tls?: { port: number; cert: string; key: string; ca?: string; clientCerts: 'off' | 'optional' | 'required' };
  log: Logger;
  /**
   * A packet declared larger than this ends its connection before it is read (default 2 MiB; payloads
   * above ingest's own 16 KiB limit but below this are read and rejected with their reason).
   */
  maxPacketBytes?: number;
  /** Connections at once from one address other than loopback; 0 for no limit (default 0). */
  maxConnectionsPerIp?: number;
  /**
   * Messages a second one sender may publish (a signed-in device across its connections; otherwise a
   * connection from beyond loopback); faster senders are held back, not cut off. 0: no limit.
   */
  maxMessagesPerSecond?: number;
  /** Told of every connection or packet refused for hostile input or missing rights (to count and to log, rate-limited). */
  onRefused?: (
    reason: 'connections_per_ip' | 'packet_too_large' | 'malformed_packet' | 'auth_failed' | 'not_allowed' | 'topic_too_long',
    address: string,
    detail: string,
    who?: MqttIdentity,
  ) => void;
  /** Told when a sender goes over its message rate and is being slowed down. */
  onThrottled?: (sender: string, address: string) => void;
  /** Told of every client that signed in (for the audit log). */
  onSignedIn?: (who: MqttIdentity, address: string) => void;
  /**
   * Sign-in (FMS_MQTT_AUTH=devices): a device with user name = asset id and password = its secret,
   * or with a device certificate on the TLS port; a service client with an API key as password. A
   * device publishes only its own telemetry, events and status and subscribes only to its own `cmd`
   * topic; a service client only reads (mqtt-acl.ts). Without it, anyone who reaches the port may
   * publish (loopback by default).
   */
  auth?: BrokerAuth;
}

export interface EmbeddedBroker extends MessageBus {
  /** Where the plain listener listens, once started (the TLS one when there is no plain one). */
  address(): { host: string; port: number };
  /** Where the TLS listener listens, when there is one. */
  tlsAddress(): { host: string; port: number } | undefined;
  /** Disconnects every client signed in as this asset (its secret was rotated or revoked). */
  disconnectAsset(assetId: string): number;
  /** Disconnects every service client signed in with this API key (it was revoked). */
  disconnectKey(keyId: string): number;
  /** New connections on the TLS port get this certificate (and CA); open ones keep theirs. */
  setTlsContext(t: { cert: string; key: string; ca?: string }): void;
}

/** FMS's longest topic is ~150 bytes (`fms/` + a 64-character site and asset id); nothing legitimate is near this. */
export const MAX_TOPIC_BYTES = 256;

const isLoopback = (ip: string) => ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
const API_KEY = /^fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/;

type FmsClient = { id: string; conn?: unknown; fmsWho?: MqttIdentity; fmsSender?: string; close(): void };

/**
 * The embedded MQTT broker (aedes) on a TCP listener, and a TLS one when a certificate is configured.
 * Device messages reach ingest through aedes's `published` hook.
 */
export function createEmbeddedBroker(opts: EmbeddedBrokerOptions): EmbeddedBroker {
  const log = opts.log;
  let aedes: Aedes | undefined;
  const servers: Server[] = [];
  let address: { host: string; port: number } | undefined;
  let tlsAddress: { host: string; port: number } | undefined;
  let tlsServer: TlsServer | undefined;
  let closing = false;
  let housekeeping: NodeJS.Timeout | undefined;
  const rate = opts.maxMessagesPerSecond ?? 0;
  // Bursts of five seconds' worth (at least 10) pass at once; beyond that, the rate.
  const throttle = rate > 0 ? createThrottle(rate, Math.max(10, rate * 5)) : undefined;
  const clientsOf = () => (aedes as unknown as { clients: Record<string, FmsClient> } | undefined)?.clients ?? {};
  const disconnectWhere = (match: (who: MqttIdentity) => boolean) => {
    let n = 0;
    const clients = clientsOf();
    for (const id in clients) {
      const who = clients[id]!.fmsWho;
      if (!who || !match(who)) continue;
      clients[id]!.close();
      n++;
    }
    return n;
  };

  return {
    async start(onMessage) {
      const auth = opts.auth;
      const addressOf = (client: { conn?: unknown } | null) => (client?.conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? 'unknown';
      const refuse = (client: FmsClient, why: string, done: (err: AuthenticateError | null, ok: boolean | null) => void) => {
        opts.onRefused?.('auth_failed', addressOf(client), `${why} (client ${client.id})`);
        done(Object.assign(new Error('bad user name or password'), { returnCode: 4 as const }), null);
      };
      const signedIn = (client: FmsClient, who: MqttIdentity, done: (err: AuthenticateError | null, ok: boolean | null) => void) => {
        client.fmsWho = who;
        if (who.kind === 'device') client.fmsSender = `device ${who.assetId}`;
        opts.onSignedIn?.(who, addressOf(client));
        done(null, true);
      };
      aedes = await Aedes.createBroker({
        // FMS's topics have 5 levels; nothing legitimate is deeper.
        maxTopicLevels: 16,
        preConnect(client, _packet, done) {
          // Without sign-in, a connection from beyond loopback is a sender of its own for the rate limit.
          const ip = addressOf(client as FmsClient);
          if (throttle && !auth && !isLoopback(ip)) (client as unknown as FmsClient).fmsSender = `client ${client.id} at ${ip}`;
          done(null, true);
        },
        ...(auth
          ? {
              authenticate(aedesClient, username, password, done) {
                const client = aedesClient as unknown as FmsClient;
                const secret = password ? Buffer.from(password).toString('utf8') : '';
                // A certificate, when one was shown, must be one the site CA signed.
                const tlsSocket = client.conn as TLSSocket | undefined;
                const cert = tlsSocket instanceof TLSSocket ? tlsSocket.getPeerCertificate() : undefined;
                const hasCert = !!cert && Object.keys(cert).length > 0;
                if (hasCert && !tlsSocket!.authorized) return refuse(client, `certificate not trusted (${String(tlsSocket!.authorizationError)})`, done);
                if (API_KEY.test(secret)) {
                  // A service client: an API key as the password (the user name is free, e.g. the key's name);
                  // with FMS_MQTT_TLS_CLIENT_CERTS=required it shows a site certificate too.
                  auth.verifyKey(secret).then(
                    (r) =>
                      'refused' in r
                        ? refuse(client, `API key refused: ${r.refused}`, done)
                        : signedIn(client, { kind: 'service', keyId: r.id, name: r.name, role: r.role, expiresAt: r.expiresAt, sites: r.sites }, done),
                    () => refuse(client, 'the API key could not be checked', done),
                  );
                  return;
                }
                if (hasCert) {
                  // A device certificate (mutual TLS): its common name is the asset.
                  const assetId = typeof cert!.subject?.CN === 'string' ? cert!.subject.CN : '';
                  if (username && username !== assetId)
                    return refuse(client, `user name "${username.slice(0, 64)}" is not the certificate's asset "${assetId.slice(0, 64)}"`, done);
                  auth.certificateDevice(assetId).then(
                    (ok) =>
                      ok
                        ? signedIn(client, { kind: 'device', assetId, by: 'certificate' }, done)
                        : refuse(client, `certificate of "${assetId.slice(0, 64)}": no such asset, or its credentials were revoked`, done),
                    () => refuse(client, 'the certificate could not be checked', done),
                  );
                  return;
                }
                if (!username || !secret) return refuse(client, 'no user name or password', done);
                auth.verifyDevice(username, secret).then(
                  (ok) =>
                    ok
                      ? signedIn(client, { kind: 'device', assetId: username, by: 'password' }, done)
                      : refuse(client, `wrong or revoked credentials for "${username.slice(0, 64)}"`, done),
                  () => refuse(client, 'credentials could not be checked', done),
                );
              },
            }
          : {}),
        authorizeSubscribe(aedesClient, sub, done) {
          const client = aedesClient as unknown as FmsClient;
          const who = client.fmsWho;
          if (Buffer.byteLength(sub.topic) > MAX_TOPIC_BYTES) {
            opts.onRefused?.(
              'topic_too_long',
              addressOf(client),
              `a subscription of ${Buffer.byteLength(sub.topic)} bytes, more than the ${MAX_TOPIC_BYTES} accepted`,
              who,
            );
            return done(null, null);
          }
          if (
            !auth ||
            (who?.kind === 'device' ? deviceSubscribeAllowed(who.assetId, sub.topic) : who?.kind === 'service' && serviceSubscribeAllowed(sub.topic, who.sites))
          )
            return done(null, sub);
          opts.onRefused?.('not_allowed', addressOf(client), `${describe(who)} may not subscribe to ${sub.topic.slice(0, 200)}`, who);
          done(null, null);
        },
        authorizePublish(aedesClient, packet, done) {
          const client = aedesClient as unknown as FmsClient | null;
          if (!client) return done(null);
          // $SYS is the broker's own (aedes refuses it the same way when no hook is given).
          if (packet.topic.startsWith('$SYS')) return done(new Error('$SYS topics are reserved'));
          if (packet.topic.length > MAX_TOPIC_BYTES / 4 && Buffer.byteLength(packet.topic) > MAX_TOPIC_BYTES) {
            opts.onRefused?.(
              'topic_too_long',
              addressOf(client),
              `a topic of ${Buffer.byteLength(packet.topic)} bytes, more than the ${MAX_TOPIC_BYTES} accepted`,
              client.fmsWho,
            );
            return done(new Error('topic too long'));
          }
          if (auth) {
            const who = client.fmsWho;
            if (who?.kind !== 'device' || !devicePublishAllowed(who.assetId, packet.topic)) {
              opts.onRefused?.('not_allowed', addressOf(client), `${describe(who)} may not publish to ${packet.topic.slice(0, 200)}`, who);
              return done(new Error('not authorized'));
            }
          }
          const sender = client.fmsSender;
          if (!throttle || sender === undefined) return done(null);
          const wait = throttle.delay(sender, Date.now());
          if (wait === 0) return done(null);
          // Held, not dropped: aedes reads this client's next packets once this one is through.
          opts.onThrottled?.(sender, addressOf(client));
          setTimeout(() => done(null), wait);
        },
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
      const accept = (socket: Socket) => {
        socket.setNoDelay(true);
        const ip = socket.remoteAddress ?? 'unknown';
        if (opts.maxConnectionsPerIp && !isLoopback(ip) && (perIp.get(ip) ?? 0) >= opts.maxConnectionsPerIp) {
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
      };
      const listen = async (server: Server, port: number) => {
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, opts.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return { host: opts.host, port: (server.address() as AddressInfo).port };
      };
      if (opts.port !== null) {
        address = await listen(createServer(accept), opts.port);
        log.info(address, 'mqtt broker listening');
      }
      if (opts.tls) {
        const t = opts.tls;
        const server = createTlsServer(
          {
            cert: t.cert,
            key: t.key,
            ...(t.ca ? { ca: t.ca } : {}),
            requestCert: t.clientCerts !== 'off',
            rejectUnauthorized: t.clientCerts === 'required',
            minVersion: 'TLSv1.2',
          },
          accept,
        );
        // A failed handshake (no certificate where one is required, plain MQTT on the TLS port) is refused and counted.
        server.on('tlsClientError', (err, socket) =>
          opts.onRefused?.('auth_failed', socket.remoteAddress ?? 'unknown', `TLS handshake failed: ${err.message.slice(0, 200)}`),
        );
        tlsServer = server;
        tlsAddress = await listen(server, t.port);
        log.info({ ...tlsAddress, clientCertificates: t.clientCerts }, 'mqtt broker listening (TLS)');
      }
      // Every 30 s: service clients whose key has expired go; senders quiet long enough are forgotten.
      housekeeping = setInterval(() => {
        const now = Date.now();
        const n = disconnectWhere((who) => who.kind === 'service' && who.expiresAt !== null && who.expiresAt <= now);
        if (n > 0) log.info({ clients: n }, 'service clients with expired API keys disconnected');
        throttle?.prune(now);
      }, 30_000);
      housekeeping.unref();
    },

    publish(topic, payload, options) {
      const broker = aedes;
      if (!broker || closing) return Promise.resolve();
      return new Promise((resolve, reject) => {
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: options.qos, retain: options.retain ?? false, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        );
      });
    },

    health() {
      if (!aedes || servers.length === 0 || !servers.every((s) => s.listening)) return { state: 'down', detail: closing ? 'closing' : 'not started' };
      return { state: 'up', clients: aedes.connectedClients };
    },

    address: () => address ?? tlsAddress ?? { host: opts.host, port: opts.port ?? 0 },
    tlsAddress: () => tlsAddress,

    disconnectAsset: (assetId) => disconnectWhere((who) => who.kind === 'device' && who.assetId === assetId),
    disconnectKey: (keyId) => disconnectWhere((who) => who.kind === 'service' && who.keyId === keyId),
    setTlsContext(t) {
      tlsServer?.setSecureContext({ cert: t.cert, key: t.key, ...(t.ca ? { ca: t.ca } : {}), minVersion: 'TLSv1.2' });
    },

    async close() {
      if (closing) return;
      closing = true;
      clearInterval(housekeeping);
      const b = aedes;
      // Stop accepting first, then disconnect everyone; server.close() resolves once all sockets are gone.
      const serversClosed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      if (b) await new Promise<void>((resolve) => b.close(() => resolve()));
      await serversClosed;
      log.info('mqtt broker closed');
    },
  };
}

function describe(who: MqttIdentity | undefined): string {
  if (!who) return 'an anonymous client';
  return who.kind === 'device' ? `"${who.assetId}"` : `service client "${who.name}" (${who.role})`;
}
