import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Role } from './access.ts';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** The person it acts for (work-order actions are theirs), or null for an integration. */
  personId: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** The sites it is limited to; null: the whole estate. */
  sites: string[] | null;
  /** When it was last used, to the hour (null: never). */
  lastUsedAt: number | null;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

/**
 * API keys for people and integrations: `fms_<id>_<secret>`, the secret 24 random bytes. Stored as
 * the SHA-256 of the whole key (a random key needs no slow hash), looked up by its id; expirable and
 * revocable. The bootstrap admin key (FMS_ADMIN_KEY) is held in memory only.
 */
export function createApiKeys(db: Db, now: () => number, bootstrapAdminKey?: string) {
  const bootstrap = bootstrapAdminKey ? sha(bootstrapAdminKey) : undefined;
  const revokedListeners: ((id: string) => void)[] = [];
  const toKey = (r: {
    id: string;
    name: string;
    role: string;
    person_id: string | null;
    created_at: number;
    expires_at: number | null;
    revoked_at: number | null;
    sites: string | null;
    last_used_at: number | null;
  }): ApiKey => ({
    id: r.id,
    name: r.name,
    role: r.role as Role,
    personId: r.person_id,
    createdAt: Number(r.created_at),
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    sites: r.sites === null ? null : (JSON.parse(r.sites) as string[]),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  });

  return {
    async issue(input: {
      name: string;
      role: Role;
      personId?: string | null;
      expiresAt?: number | null;
      sites?: string[] | null;
    }): Promise<{ key: ApiKey; token: string }> {
      const id = randomBytes(6).toString('hex');
      const token = `fms_${id}_${randomBytes(24).toString('base64url')}`;
      const row = {
        id,
        name: input.name,
        role: input.role,
        person_id: input.personId ?? null,
        hash: sha(token).toString('hex'),
        created_at: now(),
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        sites: input.sites?.length ? JSON.stringify([...new Set(input.sites)]) : null,
        last_used_at: null,
      };
      await db.insertInto('api_keys').values(row).execute();
      return { key: toKey(row), token };
    },

    async list(): Promise<ApiKey[]> {
      return (await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute()).map(toKey);
    },

    async revoke(id: string): Promise<boolean> {
      const r = await db.updateTable('api_keys').set({ revoked_at: now() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      const revoked = Number(r.numUpdatedRows) > 0;
      if (revoked) for (const l of revokedListeners) l(id);
      return revoked;
    },

    /** Notes that a key was used (at most once an hour per key and address: with its sign-in record). */
    async touch(id: string, at: number): Promise<void> {
      if (id === 'bootstrap') return;
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    /** Told when a key is revoked (the broker disconnects the service clients that used it). */
    onRevoked(listener: (id: string) => void): void {
      revokedListeners.push(listener);
    },

    /** The key a bearer token stands for, if it is valid now; undefined otherwise (and why). */
    async verify(token: string): Promise<{ key: ApiKey } | { refused: string }> {
      if (bootstrap && token.length === bootstrapAdminKey!.length && timingSafeEqual(sha(token), bootstrap)) {
        return {
          key: {
            id: 'bootstrap',
            name: 'FMS_ADMIN_KEY',
            role: 'admin',
            personId: null,
            createdAt: 0,
            expiresAt: null,
            revokedAt: null,
            sites: null,
            lastUsedAt: null,
          },
        };
      }
      const m = /^fms_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(token);
      if (!m) return { refused: 'not an FMS API key' };
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', m[1]!).executeTakeFirst();
      if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), sha(token))) return { refused: 'unknown key' };
      const key = toKey(row);
      if (key.revokedAt !== null) return { refused: 'the key was revoked' };
      if (key.expiresAt !== null && key.expiresAt <= now()) return { refused: 'the key has expired' };
      return { key };
    },

    /** Whether any admin key exists besides the bootstrap one. */
    async hasAdmin(): Promise<boolean> {
      return !!(await db.selectFrom('api_keys').select('id').where('role', '=', 'admin').where('revoked_at', 'is', null).executeTakeFirst());
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
