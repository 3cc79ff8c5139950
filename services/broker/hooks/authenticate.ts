import { TLSSocket } from 'node:tls';
import type { AedesOptions, AuthenticateError } from 'aedes';
import { addressOf, type FmsClient, type MqttIdentity, type OnRefused } from './client.ts';

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

const API_KEY = /^fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/;

type Done = (err: AuthenticateError | null, ok: boolean | null) => void;

/**
 * The `authenticate` hook: a device signs in with user name = asset id and password = its secret, or
 * with a device certificate the site CA signed (mutual TLS, its common name = the asset); a service
 * client with an API key as its password. Anything else is refused with "bad user name or password".
 */
export function createAuthenticate(d: {
  auth: BrokerAuth;
  onRefused?: OnRefused | undefined;
  onSignedIn?: ((who: MqttIdentity, address: string) => void) | undefined;
}) {
  const refuse = (client: FmsClient, why: string, done: Done) => {
    d.onRefused?.('auth_failed', addressOf(client), `${why} (client ${client.id})`);
    done(Object.assign(new Error('bad user name or password'), { returnCode: 4 as const }), null);
  };
  const signedIn = (client: FmsClient, who: MqttIdentity, done: Done) => {
    client.fmsWho = who;
    if (who.kind === 'device') client.fmsSender = `device ${who.assetId}`;
    d.onSignedIn?.(who, addressOf(client));
    done(null, true);
  };

  const authenticate: NonNullable<AedesOptions['authenticate']> = (aedesClient, username, password, done) => {
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
      d.auth.verifyKey(secret).then(
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
      d.auth.certificateDevice(assetId).then(
        (ok) =>
          ok
            ? signedIn(client, { kind: 'device', assetId, by: 'certificate' }, done)
            : refuse(client, `certificate of "${assetId.slice(0, 64)}": no such asset, or its credentials were revoked`, done),
        () => refuse(client, 'the certificate could not be checked', done),
      );
      return;
    }
    if (!username || !secret) return refuse(client, 'no user name or password', done);
    d.auth.verifyDevice(username, secret).then(
      (ok) =>
        ok
          ? signedIn(client, { kind: 'device', assetId: username, by: 'password' }, done)
          : refuse(client, `wrong or revoked credentials for "${username.slice(0, 64)}"`, done),
      () => refuse(client, 'credentials could not be checked', done),
    );
  };
  return authenticate;
}
