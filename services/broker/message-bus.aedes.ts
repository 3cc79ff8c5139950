import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { createAuthenticate, type BrokerAuth } from './hooks/authenticate.ts';
import { createAuthorizePublish } from './hooks/authorize-publish.ts';
import { createAuthorizeSubscribe } from './hooks/authorize-subscribe.ts';
import type { FmsClient, MqttIdentity, OnRefused } from './hooks/client.ts';
import { createPacketGuard } from './hooks/packet-guard.ts';
import { createPreConnect } from './hooks/pre-connect.ts';
import { createPublished } from './hooks/published.ts';
import type { MessageBus } from './message-bus.ts';
import { createThrottle } from './mqtt-guard.ts';

export type { BrokerAuth } from './hooks/authenticate.ts';
export type { MqttIdentity } from './hooks/client.ts';

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
  onRefused?: OnRefused;
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
      const signIn = opts.auth !== undefined;
      // One file per hook, in aedes's own shape (hooks/): each is tested without a socket.
      aedes = await Aedes.createBroker({
        // FMS's topics have 5 levels; nothing legitimate is deeper.
        maxTopicLevels: 16,
        preConnect: createPreConnect({ throttled: throttle !== undefined, signIn }),
        ...(opts.auth ? { authenticate: createAuthenticate({ auth: opts.auth, onRefused: opts.onRefused, onSignedIn: opts.onSignedIn }) } : {}),
        authorizeSubscribe: createAuthorizeSubscribe({ signIn, onRefused: opts.onRefused }),
        authorizePublish: createAuthorizePublish({ signIn, throttle, onRefused: opts.onRefused, onThrottled: opts.onThrottled }),
        published: createPublished(onMessage, log),
      });
      aedes.on('clientError', (client, err) => log.debug({ err, clientId: client.id }, 'mqtt client error'));
      aedes.on('connectionError', (client, err) => log.debug({ err, clientId: client?.id }, 'mqtt connection error'));
      const broker = aedes;
      const guard = createPacketGuard({
        maxPacketBytes: opts.maxPacketBytes ?? 2 * 1024 * 1024,
        maxConnectionsPerIp: opts.maxConnectionsPerIp,
        onRefused: opts.onRefused,
      });
      const accept = (socket: Socket) => {
        socket.setNoDelay(true);
        if (guard.accept(socket)) broker.handle(socket);
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
