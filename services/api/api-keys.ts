import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey, ApiKeyStore } from './api-key-store.ts';
import type { Role } from './access.ts';

export type { ApiKey } from './api-key-store.ts';

const sha = (s: string) => createHash('sha256').update(s).digest();

/**
 * API keys for people and integrations: `fms_<id>_<secret>`, the secret 24 random bytes. Stored as
 * the SHA-256 of the whole key (a random key needs no slow hash), looked up by its id; expirable and
 * revocable. The bootstrap admin key (FMS_ADMIN_KEY) is held in memory only.
 */
export function createApiKeys(store: ApiKeyStore, now: () => number, bootstrapAdminKey?: string) {
  const bootstrap = bootstrapAdminKey ? sha(bootstrapAdminKey) : undefined;
  const revokedListeners: ((id: string) => void)[] = [];
  /** Keys found in force by `verify`, by id: their hash and expiry (`knownGood` checks a password against them, no store). */
  const inForce = new Map<string, { hash: Buffer; expiresAt: number | null }>();
  /** Keys revoked in this process: a `verify` that read one before its revocation does not remember it as in force. */
  const revokedHere = new Set<string>();

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
      const key: ApiKey = {
        id,
        name: input.name,
        role: input.role,
        personId: input.personId ?? null,
        createdAt: now(),
        expiresAt: input.expiresAt ?? null,
        revokedAt: null,
        sites: input.sites?.length ? [...new Set(input.sites)] : null,
        lastUsedAt: null,
      };
      await store.add({ ...key, hash: sha(token).toString('hex') });
      return { key, token };
    },

    async list(): Promise<ApiKey[]> {
      return store.list();
    },

    async revoke(id: string): Promise<boolean> {
      revokedHere.add(id);
      inForce.delete(id);
      const revoked = await store.revoke(id, now());
      inForce.delete(id);
      if (revoked) for (const l of revokedListeners) l(id);
      return revoked;
    },

    /** Notes that a key was used (at most once an hour per key and address: with its sign-in record). */
    async touch(id: string, at: number): Promise<void> {
      if (id === 'bootstrap') return;
      await store.touch(id, at);
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
      const stored = await store.get(m[1]!);
      if (!stored || !timingSafeEqual(Buffer.from(stored.hash, 'hex'), sha(token))) return { refused: 'unknown key' };
      const { hash: _, ...key } = stored;
      if (key.revokedAt !== null) return { refused: 'the key was revoked' };
      if (key.expiresAt !== null && key.expiresAt <= now()) return { refused: 'the key has expired' };
      if (!revokedHere.has(key.id)) inForce.set(key.id, { hash: Buffer.from(stored.hash, 'hex'), expiresAt: key.expiresAt });
      return { key };
    },

    /**
     * Whether this token is a key found in force before and not revoked or expired since: a hash
     * compare in memory, no store (an MQTT sign-in backoff lets such a key through).
     */
    knownGood(token: string): boolean {
      const id = /^fms_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/.exec(token)?.[1];
      const known = id === undefined ? undefined : inForce.get(id);
      if (!known || (known.expiresAt !== null && known.expiresAt <= now())) return false;
      return timingSafeEqual(known.hash, sha(token));
    },

    /** Whether any admin key exists besides the bootstrap one. */
    async hasAdmin(): Promise<boolean> {
      return store.hasAdmin();
    },
  };
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
