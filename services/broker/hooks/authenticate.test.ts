import { describe, expect, it } from 'vitest';
import { createAuthenticate, type BrokerAuth } from './authenticate.ts';
import { createSignInLimiter, type SignInLimiter } from '../sign-in-limiter.ts';
import type { FmsClient, MqttIdentity } from './client.ts';

const KEY = 'fms_0123456789ab_' + 'k'.repeat(32);
/** Secrets known good by a hash compare (issued, or verified before): `user password`. */
const known = new Set<string>();
const auth: BrokerAuth = {
  verifyDevice: async (assetId, secret) => assetId === 'rs-pump-01' && secret === 'right-secret',
  knownGood: (username, secret) => known.has(`${username} ${secret}`),
  certificateDevice: async () => false,
  verifyKey: async (token) =>
    token === KEY ? { id: '0123456789ab', name: 'BMS bridge', role: 'integration', expiresAt: null, sites: ['riverside'] } : { refused: 'unknown key' },
};

/** Runs the hook as aedes would for a client connecting from 10.0.0.7, without a socket. */
function signIn(username: string | undefined, password: string | undefined, clientId = username ?? 'c1', limiter?: SignInLimiter) {
  const refused: string[] = [];
  const signedIn: MqttIdentity[] = [];
  const hook = createAuthenticate({ auth, limiter, onRefused: (_reason, _address, detail) => refused.push(detail), onSignedIn: (who) => signedIn.push(who) });
  const client: FmsClient = { id: clientId, conn: { remoteAddress: '10.0.0.7' }, close: () => undefined };
  return new Promise<{ ok: boolean; code?: number; client: FmsClient; refused: string[]; signedIn: MqttIdentity[] }>((resolve) =>
    hook(client as never, username, password === undefined ? undefined : Buffer.from(password), (err, ok) =>
      resolve({ ok: !err && !!ok, ...(err ? { code: err.returnCode } : {}), client, refused, signedIn }),
    ),
  );
}

describe('the authenticate hook', () => {
  it('signs a device in by its asset id and secret, and counts its messages as the device', async () => {
    const r = await signIn('rs-pump-01', 'right-secret');
    expect(r.ok).toBe(true);
    expect(r.client.fmsWho).toEqual({ kind: 'device', assetId: 'rs-pump-01', by: 'password' });
    expect(r.client.fmsSender).toBe('device rs-pump-01');
    expect(r.signedIn).toHaveLength(1);
  });

  it('wipes the secret from the CONNECT packet once it is read, signed in or not (the packet lives as long as the connection)', async () => {
    for (const [user, secret] of [
      ['rs-pump-01', 'right-secret'],
      ['rs-pump-01', 'wrong-secret'],
      ['anything', KEY],
    ] as const) {
      const password = Buffer.from(secret);
      const hook = createAuthenticate({ auth });
      const client: FmsClient = { id: user === 'anything' ? 'key:0123456789ab.bms' : user, conn: { remoteAddress: '10.0.0.7' }, close: () => undefined };
      const ok = await new Promise<boolean>((resolve) => hook(client as never, user, password, (err, accepted) => resolve(!err && !!accepted)));
      expect(ok).toBe(secret !== 'wrong-secret');
      expect(password.toString('utf8')).not.toContain(secret.slice(0, 4));
      expect([...password].every((b) => b === 0)).toBe(true);
    }
  });

  it('signs a service client in by its API key, whatever its user name, with its sites', async () => {
    const r = await signIn('anything', KEY, 'key:0123456789ab.bms');
    expect(r.ok).toBe(true);
    expect(r.client.fmsWho).toMatchObject({ kind: 'service', keyId: '0123456789ab', role: 'integration', sites: ['riverside'] });
    expect(r.client.fmsSender).toBeUndefined();
  });

  it.each([
    ['a wrong secret', 'rs-pump-01', 'wrong', /wrong or revoked credentials for "rs-pump-01"/],
    ['no password', 'rs-pump-01', undefined, /no user name or password/],
    ['an unknown API key', 'x', 'fms_ffffffffffff_' + 'x'.repeat(32), /API key refused: unknown key/],
  ])('refuses %s with "bad user name or password" and says why', async (_what, user, password, why) => {
    const r = await signIn(user, password);
    expect(r).toMatchObject({ ok: false, code: 4 });
    expect(r.client.fmsWho).toBeUndefined();
    expect(r.refused[0]).toMatch(why);
  });

  it("refuses a client id that is another's: a device's is its asset id or the asset id and a dot; a key's starts with key:<id>", async () => {
    expect((await signIn('rs-pump-01', 'right-secret', 'rs-pump-01.board-2')).ok).toBe(true);
    const takeover = await signIn('rs-pump-01', 'right-secret', 'rs-pump-02');
    expect(takeover).toMatchObject({ ok: false, code: 2 });
    expect(takeover.refused[0]).toMatch(/client id "rs-pump-02" is not one of rs-pump-01's/);
    expect((await signIn('rs-pump-01', 'right-secret', 'rs-pump-01-evil')).ok).toBe(false);
    expect((await signIn('bms', KEY, 'rs-pump-01')).code).toBe(2);
    expect((await signIn('bms', KEY, 'key:ffffffffffff')).code).toBe(2);
  });

  it('stops checking after a few failures for a user name, even the right secret, until its backoff ends', async () => {
    let t = 0;
    const limiter = createSignInLimiter({ perAddress: 100, perUser: 3, baseMs: 1000, maxMs: 60_000 }, () => t);
    for (let i = 0; i < 3; i++) expect((await signIn('rs-pump-01', 'guess', 'rs-pump-01', limiter)).ok).toBe(false);
    const blocked = await signIn('rs-pump-01', 'right-secret', 'rs-pump-01', limiter);
    expect(blocked.ok).toBe(false);
    expect(blocked.refused[0]).toMatch(/too many failed sign-ins for "rs-pump-01" from 10.0.0.7: refused without checking for another 1 s/);
    t += 1001;
    expect((await signIn('rs-pump-01', 'right-secret', 'rs-pump-01', limiter)).ok).toBe(true);
  });

  it('lets a secret known good through a backoff that guesses caused, and nothing else', async () => {
    const limiter = createSignInLimiter({ perAddress: 100, perUser: 3, baseMs: 1000, maxMs: 60_000 }, () => 0);
    for (let i = 0; i < 3; i++) await signIn('rs-pump-01', 'guess', 'rs-pump-01', limiter);
    known.add('rs-pump-01 right-secret');
    try {
      expect((await signIn('rs-pump-01', 'another-guess', 'rs-pump-01', limiter)).refused[0]).toMatch(/too many failed sign-ins/);
      expect((await signIn('rs-pump-01', 'right-secret', 'rs-pump-01', limiter)).ok).toBe(true);
    } finally {
      known.clear();
    }
  });

  it('refuses a persistent session beyond what the identity may hold, with CONNACK 2 and the reason', async () => {
    const hook = createAuthenticate({
      auth,
      admitSession: (who) => (who.kind === 'device' ? 'device rs-pump-01 holds 10 persistent sessions already' : undefined),
    });
    const client: FmsClient = { id: 'rs-pump-01.s11', clean: false, conn: { remoteAddress: '10.0.0.7' }, close: () => undefined };
    const code = await new Promise((resolve) => hook(client as never, 'rs-pump-01', Buffer.from('right-secret'), (err) => resolve(err?.returnCode)));
    expect(code).toBe(2);
    const clean: FmsClient = { ...client, clean: true };
    expect(await new Promise((resolve) => hook(clean as never, 'rs-pump-01', Buffer.from('right-secret'), (err, ok) => resolve(!err && ok)))).toBe(true);
  });
});
