import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { createRequire } from 'node:module';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { createAuthenticate, type BrokerAuth } from './hooks/authenticate.ts';
import { deviceTopic, deviceChannels } from '../shared/topics.ts';
import { createAuthorizeForward } from './hooks/authorize-forward.ts';
import { createAuthorizePublish, defaultMaxPayloadBytes } from './hooks/authorize-publish.ts';
import { createAuthorizeSubscribe } from './hooks/authorize-subscribe.ts';
import { clip, deviceIdentity, identityOf, keyIdentity, type FmsClient, type MqttIdentity, type OnRefused } from './hooks/client.ts';
import { createPacketGuard, STALLED_PACKET_MS } from './hooks/packet-guard.ts';
import { createPreConnect } from './hooks/pre-connect.ts';
import { createPublished } from './hooks/published.ts';
import type { MessageBus } from './message-bus.ts';
import type { DeviceAsset } from './mqtt-acl.ts';
import { createThrottle } from './mqtt-guard.ts';
import { createSessions } from './sessions.ts';
import { createSignInLimiter, defaultSignInLimits, type SignInLimits } from './sign-in-limiter.ts';

/** aedes's in-memory persistence (a CommonJS module whose export is the factory). */
const memoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => object;

/**
 * QoS 2 messages a connection (and a client id, across its connections: sessions.ts) may have received
 * and not released: a device publishes at QoS 1 or a few QoS 2 at a time; aedes's own default is 1,000.
 */
const MAX_INFLIGHT_INBOUND = 16;

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
  /** The asset a device signed in as (its site and type: it publishes only there); with `auth`. */
  assetOf?: (assetId: string) => DeviceAsset | undefined;
  /**
   * A payload larger than this is refused and its connection closed, before it is relayed or queued:
   * on a device topic (default: ingest's 16 KiB), on any other (default: 256 KiB).
   */
  maxPayloadBytes?: { device: number; other: number };
  /** Persistent sessions: how long one waits offline, how many messages it may have queued, how many one identity may hold (default 10). */
  sessions?: { expiryMs: number; maxQueued: number; maxPerIdentity?: number };
  /** Failed sign-ins before backoff, per address and per user name. */
  signInLimits?: SignInLimits;
  /** A packet incomplete for this long closes its connection (default 60 s); checked every half of it, at most every 30 s. */
  packetTimeoutMs?: number;
}

export interface EmbeddedBroker extends MessageBus {
  /** Where the plain listener listens, once started (the TLS one when there is no plain one). */
  address(): { host: string; port: number };
  /** Where the TLS listener listens, when there is one. */
  tlsAddress(): { host: string; port: number } | undefined;
  /**
   * Its secret was rotated or revoked: disconnects every client signed in as this asset at once, drops
   * what they sent that is still held, ends its sessions and clears what it retained.
   */
  disconnectAsset(assetId: string): number;
  /** The key was revoked: disconnects its service clients at once and ends their sessions. */
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
  /**
   * Revocations the broker was told of: a count, and for each identity the count at its last one. A
   * client notes the count as it begins to sign in (authenticate.ts); when it is registered, a
   * revocation of its identity since then closes it. That covers a client whose sign-in overlapped the
   * revocation: not yet among aedes's clients when the revocation swept them, it is checked when it
   * joins them. (Revocations are an administrator's acts: the map stays small.)
   */
  let revocations = 0;
  const revokedAt = new Map<string, number>();
  const revoked = (identity: string) => revokedAt.set(identity, ++revocations);
  const revokedSinceSignIn = (client: FmsClient) => !!client.fmsWho && (revokedAt.get(identityOf(client.fmsWho)) ?? 0) > (client.fmsEpoch ?? 0);
  /** Closes a client whose identity was revoked: nothing more of it is taken, its will is not published. */
  const cutOff = (client: FmsClient) => {
    client.fmsRevoked = true;
    client.will = null;
    const b = aedes as unknown as { id: string; persistence: { delWill(c: { id: string; brokerId: string }): Promise<unknown> } } | undefined;
    b?.persistence.delWill({ id: client.id, brokerId: b.id }).catch(() => undefined);
    client.close();
  };
  const disconnectWhere = (match: (who: MqttIdentity) => boolean) => {
    let n = 0;
    const clients = clientsOf();
    for (const id in clients) {
      const who = clients[id]!.fmsWho;
      if (!who || !match(who)) continue;
      cutOff(clients[id]!);
      n++;
    }
    return n;
  };

  const sessions = createSessions({
    ...(opts.sessions ?? { expiryMs: 86_400_000, maxQueued: 1000 }),
    onFull: (clientId, queued) =>
      opts.onRefused?.(
        'session_queue_full',
        'broker',
        `the session of "${clip(clientId)}" has ${queued} messages waiting: further ones are dropped until it reads them`,
      ),
    maxIncoming: MAX_INFLIGHT_INBOUND,
    onIncomingFull: (clientId, held) =>
      opts.onRefused?.(
        'inflight_full',
        'broker',
        `"${clip(clientId)}" has ${held} QoS 2 messages it never released (PUBREL), the most a client id may: connection closed`,
      ),
  });
  const limiter = createSignInLimiter(opts.signInLimits ?? defaultSignInLimits);
  const ended = (what: string) => (n: number) => {
    if (n > 0) log.info({ sessions: n }, `${what}: its persistent sessions ended`);
  };

  /** Clears what a device retained (its status) on every topic of its: after a rotation nobody replays it. */
  async function clearRetained(assetId: string): Promise<void> {
    const b = aedes;
    if (!b) return;
    const stream = (
      (b as unknown as { persistence: unknown }).persistence as { createRetainedStreamCombi(p: string[]): AsyncIterable<{ topic: string }> }
    ).createRetainedStreamCombi(deviceChannels.map((c) => deviceTopic('+', '+', assetId, c)));
    for await (const retained of stream) {
      await new Promise<void>((resolve) =>
        b.publish({ cmd: 'publish', topic: retained.topic, payload: Buffer.alloc(0), qos: 0, retain: true, dup: false }, () => resolve()),
      );
    }
  }

  return {
    async start(onMessage) {
      const signIn = opts.auth !== undefined;
      const assetOf = opts.assetOf;
      const packetTimeoutMs = opts.packetTimeoutMs ?? STALLED_PACKET_MS;
      // One file per hook, in aedes's own shape (hooks/): each is tested without a socket.
      aedes = await Aedes.createBroker({
        // FMS's topics have 5 levels; nothing legitimate is deeper.
        maxTopicLevels: 16,
        maxInflightInbound: MAX_INFLIGHT_INBOUND,
        persistence: sessions.persistence(memoryPersistence()),
        preConnect: createPreConnect({ throttled: throttle !== undefined, signIn, onRefused: opts.onRefused }),
        authenticate: createAuthenticate({
          auth: opts.auth,
          limiter,
          onRefused: opts.onRefused,
          onSignedIn: opts.onSignedIn,
          epoch: () => revocations,
          admitSession: (who, clientId) => sessions.admit(who, clientId),
        }),
        authorizeSubscribe: createAuthorizeSubscribe({ signIn, assetOf, onRefused: opts.onRefused }),
        authorizePublish: createAuthorizePublish({
          signIn,
          assetOf,
          throttle,
          maxPayloadBytes: opts.maxPayloadBytes ?? defaultMaxPayloadBytes,
          onRefused: opts.onRefused,
          onThrottled: opts.onThrottled,
        }),
        authorizeForward: createAuthorizeForward({ signIn, assetOf }),
        published: createPublished(onMessage, log),
      });
      aedes.on('clientError', (client, err) => log.debug({ err, clientId: client.id }, 'mqtt client error'));
      aedes.on('connectionError', (client, err) => log.debug({ err, clientId: client?.id }, 'mqtt connection error'));
      // Registered: a revocation of its identity since it began to sign in closes it now.
      aedes.on('client', (c) => {
        const client = c as unknown as FmsClient;
        if (!revokedSinceSignIn(client)) return;
        log.info({ clientId: client.id }, 'mqtt client closed: its credentials or key were revoked while it signed in');
        cutOff(client);
      });
      aedes.on('clientReady', (client) => sessions.connected(client as unknown as FmsClient & { clean: boolean }));
      aedes.on('clientDisconnect', (client) => sessions.disconnected(client as unknown as FmsClient & { clean: boolean }));
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
      // Every 30 s: service clients whose key has expired go, and their sessions; sessions offline too
      // long end; packets trickling for a minute close their connection; quiet senders are forgotten.
      housekeeping = setInterval(
        () => {
          const now = Date.now();
          const expired = (who: MqttIdentity) => who.kind === 'service' && who.expiresAt !== null && who.expiresAt <= now;
          const n = disconnectWhere(expired);
          if (n > 0) log.info({ clients: n }, 'service clients with expired API keys disconnected');
          sessions.end(expired).then(ended('an expired API key'), (err) => log.warn({ err }, 'sessions of expired keys not ended'));
          sessions.expire().then(
            (k) => (k > 0 ? log.info({ sessions: k }, 'persistent sessions offline for too long ended (FMS_MQTT_SESSION_EXPIRY)') : undefined),
            (err) => log.warn({ err }, 'expired sessions not ended'),
          );
          guard.sweep(now, packetTimeoutMs);
          throttle?.prune(now);
          limiter.prune();
        },
        Math.min(30_000, packetTimeoutMs / 2),
      );
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
      return { state: 'up', clients: aedes.connectedClients, sessions: sessions.stats() };
    },

    address: () => address ?? tlsAddress ?? { host: opts.host, port: opts.port ?? 0 },
    tlsAddress: () => tlsAddress,

    disconnectAsset(assetId) {
      const its = (who: MqttIdentity) => who.kind === 'device' && who.assetId === assetId;
      revoked(deviceIdentity(assetId));
      const n = disconnectWhere(its);
      sessions.end(its).then(ended(`device ${assetId}`), (err) => log.warn({ err, assetId }, 'sessions of a device not ended'));
      clearRetained(assetId).catch((err) => log.warn({ err, assetId }, 'retained messages of a device not cleared'));
      return n;
    },
    disconnectKey(keyId) {
      const its = (who: MqttIdentity) => who.kind === 'service' && who.keyId === keyId;
      revoked(keyIdentity(keyId));
      const n = disconnectWhere(its);
      sessions.end(its).then(ended(`API key ${keyId}`), (err) => log.warn({ err, keyId }, 'sessions of a key not ended'));
      return n;
    },
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
