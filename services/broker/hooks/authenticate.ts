import { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError } from 'aedes';
import { clientIdAllowed, serviceClientPrefix } from '../mqtt-acl.ts';
import type { SignInLimiter } from '../sign-in-limiter.ts';
import { addressOf, clip, type FmsClient, type MqttIdentity, type OnRefused } from './client.ts';

/** How the embedded broker checks who signs in (FMS_MQTT_AUTH=devices). */
export interface BrokerAuth {
  /** Whether this is the asset's current secret (an unknown asset costs as much to check as a known one). */
  verifyDevice(assetId: string, secret: string): Promise<boolean>;
  /** Whether a trusted device certificate naming this asset (its CN) signs it in: a known asset whose credentials were not revoked. */
  certificateDevice(assetId: string): Promise<boolean>;
  /**
   * Whether this password is known good for this user name — a device's current secret, or an API key
   * in force — by a hash compare (no store, no scrypt): it passes a sign-in backoff.
   */
  knownGood?(username: string, secret: string): boolean;
  /** A service client's API key (given as the password): who it is, or why not. */
  verifyKey(
    token: string,
  ): Promise<{ id: string; name: string; role: string; expiresAt: number | null; sites: readonly string[] | null } | { refused: string }>;
}

const API_KEY = /^fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/;

type Done = (err: AuthenticateError | null, ok: boolean | null) => void;

/**
 * The `authenticate` hook: a device signs in with user name = asset id and password = its secret, or
 * with a device certificate the site CA signed (mutual TLS, its common name = the asset); a service
 * client with an API key as its password. Then its client id must be one of its own (mqtt-acl.ts):
 * nobody can push another client off, or take over its session, by using its id; and an identity
 * holds only so many persistent sessions. Failed sign-ins back off per user name at an address and
 * per address (sign-in-limiter.ts) before anything is checked — but for a password known good.
 */
export function createAuthenticate(d: {
  /** Without it (FMS_MQTT_AUTH=off) every client is let in, but for what `preConnect` refused. */
  auth?: BrokerAuth | undefined;
  limiter?: SignInLimiter | undefined;
  onRefused?: OnRefused | undefined;
  onSignedIn?: ((who: MqttIdentity, address: string) => void) | undefined;
  /** The broker's count of revocations, noted on the client as it begins to sign in (message-bus.aedes.ts checks it again). */
  epoch?: (() => number) | undefined;
  /** A persistent session for this client id: undefined when it may have it, else why not (sessions.ts). */
  admitSession?: ((who: MqttIdentity, clientId: string) => string | undefined) | undefined;
}) {
  const authenticate: NonNullable<AedesOptions['authenticate']> = (aedesClient, username, password, done: Done) => {
    const client = aedesClient as unknown as FmsClient;
    const address = addressOf(client);
    const user = (username ?? '').slice(0, 64);
    if (d.epoch) client.fmsEpoch = d.epoch();
    const refuse = (why: string, reason: 'auth_failed' | 'sign_in_rate' | 'client_id' | 'sessions_per_identity' = 'auth_failed', who?: MqttIdentity) => {
      if (reason === 'auth_failed') d.limiter?.failed(address, user);
      d.onRefused?.(reason, address, `${why} (client ${clip(client.id)})`, who);
      const code = reason === 'client_id' || reason === 'sessions_per_identity' ? 2 : 4;
      done(Object.assign(new Error(code === 2 ? 'identifier rejected' : 'bad user name or password'), { returnCode: code as 2 | 4 }), null);
    };
    const signedIn = (who: MqttIdentity) => {
      // [MQTT-3.1.3-8] a server may refuse a client id: each identity has its own.
      if (!client.fmsAssignedId && !clientIdAllowed(who, client.id)) {
        const own = who.kind === 'device' ? `"${who.assetId}" or "${who.assetId}.<anything>"` : `ids starting with "${serviceClientPrefix(who.keyId)}"`;
        return refuse(`client id "${clip(client.id)}" is not one of ${who.kind === 'device' ? clip(who.assetId) : 'this key'}'s (${own})`, 'client_id', who);
      }
      const noSession = client.clean === false ? d.admitSession?.(who, client.id) : undefined;
      if (noSession) return refuse(noSession, 'sessions_per_identity', who);
      d.limiter?.succeeded(address, user);
      client.fmsWho = who;
      if (who.kind === 'device') client.fmsSender = `device ${who.assetId}`;
      d.onSignedIn?.(who, address);
      done(null, true);
    };

    if (client.fmsRefusal) return done(Object.assign(new Error('identifier rejected'), { returnCode: 2 as const }), null);
    const auth = d.auth;
    if (!auth) return done(null, true);
    const secret = password ? Buffer.from(password).toString('utf8') : '';
    // The CONNECT packet stays referenced for as long as the connection lives: its copy of the secret
    // is wiped, so a heap dump of a running FMS does not hold every device's secret in clear.
    password?.fill(0);
    const wait = d.limiter?.wait(address, user);
    // The genuine device (or key) is let through a backoff that someone else's guesses caused: its
    // password is checked by a hash compare, which costs nothing a guesser could exploit.
    if (wait && wait.ms > 0 && !(user && secret && auth.knownGood?.(user, secret))) {
      const whom = wait.because === 'address' ? `from ${address}` : `for "${user}" from ${address}`;
      return refuse(`too many failed sign-ins ${whom}: refused without checking for another ${Math.ceil(wait.ms / 1000)} s`, 'sign_in_rate');
    }
    // A certificate, when one was shown, must be one the site CA signed.
    const tlsSocket = client.conn as TLSSocket | undefined;
    const cert = tlsSocket instanceof TLSSocket ? tlsSocket.getPeerCertificate() : undefined;
    const hasCert = !!cert && Object.keys(cert).length > 0;
    if (hasCert && !tlsSocket!.authorized) return refuse(`certificate not trusted (${String(tlsSocket!.authorizationError)})`);
    if (API_KEY.test(secret)) {
      // A service client: an API key as the password (the user name is free, e.g. the key's name);
      // with FMS_MQTT_TLS_CLIENT_CERTS=required it shows a site certificate too.
      auth.verifyKey(secret).then(
        (r) =>
          'refused' in r
            ? refuse(`API key refused: ${r.refused}`)
            : signedIn({ kind: 'service', keyId: r.id, name: r.name, role: r.role, expiresAt: r.expiresAt, sites: r.sites }),
        () => refuse('the API key could not be checked'),
      );
      return;
    }
    if (hasCert) {
      // A device certificate (mutual TLS): its common name is the asset.
      const assetId = typeof cert!.subject?.CN === 'string' ? cert!.subject.CN : '';
      if (username && username !== assetId) return refuse(`user name "${clip(username)}" is not the certificate's asset "${clip(assetId)}"`);
      auth.certificateDevice(assetId).then(
        (ok) =>
          ok
            ? signedIn({ kind: 'device', assetId, by: 'certificate' })
            : refuse(`certificate of "${clip(assetId)}": no such asset, or its credentials were revoked`),
        () => refuse('the certificate could not be checked'),
      );
      return;
    }
    if (!username || !secret) return refuse('no user name or password');
    auth.verifyDevice(username, secret).then(
      (ok) => (ok ? signedIn({ kind: 'device', assetId: username, by: 'password' }) : refuse(`wrong or revoked credentials for "${clip(username)}"`)),
      () => refuse('credentials could not be checked'),
    );
  };
  return authenticate;
}
