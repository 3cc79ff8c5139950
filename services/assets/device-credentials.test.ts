import { randomBytes, scryptSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/database.ts';
import { createKyselyDeviceCredentialStore } from './device-credential-store.kysely.ts';
import { createDeviceCredentials } from './device-credentials.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

describe('device credentials', () => {
  let database: OpenedDatabase;
  let now: number;
  beforeEach(async () => {
    database = await openDatabase(':memory:');
    now = T0;
  });
  afterEach(() => database.close());
  const credentials = () => createDeviceCredentials(createKyselyDeviceCredentialStore(database.db), () => now);

  it('signs a device in with the secret it was issued, stored only as a salted hash', async () => {
    const c = credentials();
    const { username, secret, issuedAt } = await c.issue('rs-pump-01');
    expect([username, issuedAt]).toEqual(['rs-pump-01', T0]);
    expect((await createKyselyDeviceCredentialStore(database.db).get('rs-pump-01'))!.secret!.scheme).toBe('hmac-sha256');
    expect(await c.verify('rs-pump-01', secret)).toBe(true);
    expect(await c.verify('rs-pump-01', secret + 'x')).toBe(false);
    expect(await c.verify('rs-pump-02', secret)).toBe(false);
    expect(JSON.stringify(await database.db.selectFrom('device_credentials').selectAll().execute())).not.toContain(secret);
  });

  it('rotating ends the old secret at once, even one verified a moment ago', async () => {
    const c = credentials();
    const changed: string[] = [];
    c.onChanged((id) => changed.push(id));
    const old = (await c.issue('rs-pump-01')).secret;
    expect(await c.verify('rs-pump-01', old)).toBe(true);
    now = T0 + 1000;
    const fresh = (await c.issue('rs-pump-01')).secret;
    expect(await c.verify('rs-pump-01', old)).toBe(false);
    expect(await c.verify('rs-pump-01', fresh)).toBe(true);
    expect(await c.info('rs-pump-01')).toEqual({ assetId: 'rs-pump-01', issuedAt: T0 + 1000, revokedAt: null });
    expect(changed).toEqual(['rs-pump-01', 'rs-pump-01']);
  });

  it('revoking ends the secret and the certificate sign-in, also of a device that never had a secret', async () => {
    const c = credentials();
    const { secret } = await c.issue('rs-pump-01');
    expect(await c.verify('rs-pump-01', secret)).toBe(true);
    now = T0 + 1000;
    expect(await c.revoke('rs-pump-01')).toBe(true);
    expect(await c.revoke('rs-pump-01')).toBe(false);
    expect(await c.verify('rs-pump-01', secret)).toBe(false);
    expect(await c.revoked('rs-pump-01')).toBe(true);

    expect(await c.revoked('rs-lift-01')).toBe(false);
    expect(await c.info('rs-lift-01')).toBeUndefined();
    expect(await c.revoke('rs-lift-01')).toBe(true);
    expect(await c.revoked('rs-lift-01')).toBe(true);
    expect(await c.info('rs-lift-01')).toEqual({ assetId: 'rs-lift-01', issuedAt: T0 + 1000, revokedAt: T0 + 1000 });
    expect(await c.verify('rs-lift-01', '')).toBe(false);
  });

  it('costs as much to refuse an unknown asset as a wrong secret for a real one: the answer does not tell which assets exist', async () => {
    const c = credentials();
    await c.issue('rs-pump-01');
    const cpu = async (check: () => Promise<boolean>) => {
      const before = process.cpuUsage();
      for (let i = 0; i < 300; i++) expect(await check()).toBe(false);
      const used = process.cpuUsage(before);
      return used.user + used.system;
    };
    const known = await cpu(() => c.verify('rs-pump-01', 'a wrong secret'));
    const unknown = await cpu(() => c.verify('no-such-asset', 'a wrong secret'));
    // Both are a lookup and an HMAC; an unknown asset that skipped the hash would cost visibly less.
    expect(unknown).toBeGreaterThan(known * 0.5);
  });

  it('never lets a check that overlaps a revocation or a rotation bring the old secret back (third round)', async () => {
    const { secret } = await credentials().issue('rs-pump-01');
    // Another process, with nothing remembered: its check costs scrypt, and the revocation lands meanwhile.
    const c = credentials();
    const during = c.verify('rs-pump-01', secret);
    await c.revoke('rs-pump-01');
    expect(await during).toBe(false);
    expect(await c.verify('rs-pump-01', secret)).toBe(false);

    const { secret: second } = await credentials().issue('rs-pump-02');
    const d = credentials();
    const racing = d.verify('rs-pump-02', second);
    const { secret: third } = await d.issue('rs-pump-02');
    // Checked while it was still the current secret, or refused: either way it is not remembered.
    await racing;
    expect(await d.verify('rs-pump-02', second)).toBe(false);
    expect(await d.verify('rs-pump-02', third)).toBe(true);
  });

  it('knows an issued secret good by its hash alone, until it is rotated or revoked', async () => {
    const c = credentials();
    const { secret } = await c.issue('rs-pump-01');
    expect(c.knownGood('rs-pump-01', secret)).toBe(true);
    expect(c.knownGood('rs-pump-01', secret + 'x')).toBe(false);
    expect(c.knownGood('rs-pump-02', secret)).toBe(false);
    const { secret: next } = await c.issue('rs-pump-01');
    expect(c.knownGood('rs-pump-01', secret)).toBe(false);
    expect(c.knownGood('rs-pump-01', next)).toBe(true);
    await c.revoke('rs-pump-01');
    expect(c.knownGood('rs-pump-01', next)).toBe(false);
  });

  /** A record as FMS stored it before HMAC-SHA-256: the secret's salted scrypt hash (N = 2^13). */
  const legacy = async (assetId: string) => {
    const secret = randomBytes(24).toString('base64url');
    const salt = randomBytes(16);
    const hash = scryptSync(secret, salt, 32, { N: 2 ** 13, r: 8, p: 1 });
    await createKyselyDeviceCredentialStore(database.db).issue(assetId, { scheme: 'scrypt', salt: salt.toString('base64'), hash: hash.toString('base64') }, T0);
    return secret;
  };
  const scheme = async (assetId: string) => (await createKyselyDeviceCredentialStore(database.db).get(assetId))?.secret?.scheme;

  it('upgrades a scrypt secret to HMAC-SHA-256 when its device signs in, and the device still signs in after a restart', async () => {
    const secret = await legacy('rs-pump-01');
    expect(await credentials().verify('rs-pump-01', secret + 'x')).toBe(false);
    expect(await scheme('rs-pump-01')).toBe('scrypt');
    expect(await credentials().verify('rs-pump-01', secret)).toBe(true);
    expect(await scheme('rs-pump-01')).toBe('hmac-sha256');
    // A new process remembers nothing: the upgraded record alone signs the device in, and refuses a wrong secret.
    const restarted = credentials();
    expect(restarted.knownGood('rs-pump-01', secret)).toBe(false);
    expect(await restarted.verify('rs-pump-01', secret)).toBe(true);
    expect(await credentials().verify('rs-pump-01', secret + 'x')).toBe(false);
    expect(await credentials().verify('rs-pump-01', '')).toBe(false);
  });

  it('a rotated or revoked upgraded secret stays refused after a restart', async () => {
    const rotated = await legacy('rs-pump-01');
    const revoked = await legacy('rs-pump-02');
    expect(await credentials().verify('rs-pump-01', rotated)).toBe(true);
    expect(await credentials().verify('rs-pump-02', revoked)).toBe(true);
    const { secret: fresh } = await credentials().issue('rs-pump-01');
    await credentials().revoke('rs-pump-02');
    const restarted = credentials();
    expect(await restarted.verify('rs-pump-01', rotated)).toBe(false);
    expect(await restarted.verify('rs-pump-01', fresh)).toBe(true);
    expect(await restarted.verify('rs-pump-02', revoked)).toBe(false);
  });

  it('never lets the upgrade of a scrypt secret bring it back after a revocation or rotation that overlapped the check', async () => {
    const secret = await legacy('rs-pump-01');
    const c = credentials();
    const during = c.verify('rs-pump-01', secret);
    await c.revoke('rs-pump-01');
    expect(await during).toBe(false);
    expect(await credentials().verify('rs-pump-01', secret)).toBe(false);
    expect(await credentials().revoked('rs-pump-01')).toBe(true);

    const old = await legacy('rs-pump-02');
    // Another instance rotates while this one checks the old secret with scrypt: the rehash must not overwrite the new one.
    const racing = credentials().verify('rs-pump-02', old);
    const { secret: next } = await credentials().issue('rs-pump-02');
    await racing;
    expect(await credentials().verify('rs-pump-02', next)).toBe(true);
    expect(await credentials().verify('rs-pump-02', old)).toBe(false);
  });
});
