import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { errorCodes, isFmsError } from '../shared/errors.ts';
import { registerAccessControl, type Access } from './access.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { ApiKey, ApiKeys } from './api-keys.ts';

const admin: ApiKey = { id: 'a1', name: 'admin', role: 'admin', personId: null, createdAt: 0, expiresAt: null, revokedAt: null, sites: null, lastUsedAt: null };
const riverside: ApiKey = { ...admin, id: 's1', name: 'Riverside supervisor', role: 'supervisor', personId: 'zhang-min', sites: ['riverside'] };
const keys = { 'fms-admin': admin, 'fms-riverside': riverside } as Record<string, ApiKey>;
const apiKeys = {
  verify: async (token: string) => (keys[token] ? { key: keys[token] } : { refused: 'unknown' }),
  touch: async () => undefined,
} as unknown as ApiKeys;

/** The accounts port, as far as this needs it: one signed-in admin. */
const accounts = {
  resume: async (id: string) =>
    id === 'session-of-the-admin'
      ? {
          account: { user: 'root', name: 'Root', role: 'admin', personId: null, sites: null },
          session: { hash: 'h', user: 'root', createdAt: 0, lastSeenAt: 0, address: null, via: 'password' },
          csrfToken: 'csrf-of-the-admin',
        }
      : { refused: 'ended', message: 'no such session' },
} as unknown as Accounts;

/** A small API with the access control of FMS's and the routes a test declares. */
async function api(routes: { url: string; access?: Access }[]) {
  const app = Fastify();
  await app.register(fastifyCookie);
  app.setErrorHandler((err, _req, reply) => reply.status(isFmsError(err) ? errorCodes[err.code].status : 500).send({ code: (err as { code?: string }).code }));
  registerAccessControl(app, {
    apiAuth: 'keys',
    apiKeys,
    accounts,
    audit: { record: () => undefined } as never,
    now: Date.now,
    log: pino({ level: 'silent' }),
    personRole: () => undefined,
  });
  for (const r of routes) app.post(r.url, r.access ? { config: { access: r.access } } : {}, async () => ({ ok: true }));
  await app.ready();
  return Object.assign(
    (url: string, key: string, body: object = {}) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload: body }),
    { app },
  );
}

describe('access control', () => {
  it('refuses a route that declares no access to every key, the admin too (fails closed)', async () => {
    const call = await api([{ url: '/undeclared' }, { url: '/declared', access: { roles: ['admin'], scope: () => 'any' } }]);
    expect((await call('/undeclared', 'fms-admin')).json()).toEqual({ code: 'FMS_ERR_API_FORBIDDEN' });
    expect((await call('/declared', 'fms-admin')).statusCode).toBe(200);
    expect((await call('/declared', 'nobody')).statusCode).toBe(401);
    // A signed-in admin's session is refused the undeclared route alike.
    const asSession = (url: string) =>
      call.app.inject({ method: 'POST', url, headers: { cookie: 'fms_session=session-of-the-admin', 'x-csrf-token': 'csrf-of-the-admin' }, payload: {} });
    expect((await asSession('/undeclared')).json()).toEqual({ code: 'FMS_ERR_API_FORBIDDEN' });
    expect((await asSession('/declared')).statusCode).toBe(200);
  });

  it("keeps a site-limited key to its sites and a person's key to its person", async () => {
    const call = await api([
      {
        url: '/by-body',
        access: { roles: ['admin', 'supervisor'], scope: (req) => [(req.body as { site: string }).site], actsAs: (req) => (req.body as { by: string }).by },
      },
    ]);
    expect((await call('/by-body', 'fms-riverside', { site: 'riverside', by: 'zhang-min' })).statusCode).toBe(200);
    expect((await call('/by-body', 'fms-riverside', { site: 'lakeview', by: 'zhang-min' })).statusCode).toBe(403);
    expect((await call('/by-body', 'fms-riverside', { site: 'riverside', by: 'li-wei' })).statusCode).toBe(403);
    expect((await call('/by-body', 'fms-admin', { site: 'lakeview', by: 'li-wei' })).statusCode).toBe(200);
  });
});
