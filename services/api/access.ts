import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/accounts.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { FmsError } from '../shared/errors.ts';
import type { ApiKeys } from './api-keys.ts';
import { described, principalOfAccount, principalOfKey, type Principal, type RequestSession } from './principal.ts';
import { requester } from './request-audit.ts';
import { personRoles, type PersonRole } from '../work-orders/people.ts';
import { checkCsrf, clearSessionCookie, sessionIdOf } from './session-cookie.ts';

/**
 * Who may call what. Every route declares its access next to itself, in its fastify `config`:
 *
 *   r.post('/work-orders/:id/actions', { config: { access: { roles: field, scope: orderSite, actsAs: (req) => req.body.by } }, … })
 *
 * - `roles`: the key roles allowed, or `public` (no key needed);
 * - `scope`: what the request touches, for keys limited to some sites;
 * - `actsAs`: the person the request names as acting (`by`): a person's key acts only as its person;
 * - `check`: anything further the route's key must meet (a technician's key: orders of their team).
 *
 * A request is from an API key (Authorization: Bearer) or from a person signed in on the console (the
 * session cookie); either way it becomes the same `req.principal` and meets the same declaration. A
 * route without a declaration is refused to every key and session: it fails closed (tested). The domain
 * keeps its own rules (who may verify an order, the assignee only): the state machine decides those.
 */
export const roles = ['admin', 'manager', 'supervisor', 'technician', 'viewer', 'integration'] as const;
export type Role = (typeof roles)[number];

/** Staff read nearly everything. */
export const staff: readonly Role[] = ['admin', 'manager', 'supervisor', 'technician', 'viewer'];
/** Staff and integrations. */
export const everyone: readonly Role[] = [...staff, 'integration'];
/** People who work orders and alarms. */
export const field: readonly Role[] = ['admin', 'manager', 'supervisor', 'technician'];
export const adminOnly: readonly Role[] = ['admin'];
/** The key roles that are also roles of people in the work-order process: such a key acting as a person has that person's role. */
export const isPersonRole = (role: Role): role is PersonRole => (personRoles as readonly string[]).includes(role);

/**
 * What a request touches, for keys limited to some sites: the sites it reads or changes; `estate`
 * when it concerns the whole estate (keys, the audit log, rules, PM plans: only a key for the whole
 * estate may); `any` when it is no site's business, or the resource does not exist (the route then
 * answers 404).
 */
export type Touch = readonly string[] | 'estate' | 'any';
export type Scope = (req: FastifyRequest, sites: readonly string[]) => Touch | Promise<Touch>;

export interface Access {
  roles: 'public' | readonly Role[];
  scope: Scope;
  actsAs?: (req: FastifyRequest) => string | undefined;
  check?: (req: FastifyRequest, principal: Principal) => void | Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (access.ts); a route without it is refused to every key. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Who the request is from: an API key or a signed-in account, checked alike (undefined with FMS_API_AUTH=off and no session). */
    principal?: Principal;
    /** The console session the request came with (its cookie), when it came with one. */
    session?: RequestSession;
  }
}

/** No site's business. */
export const anySite: Scope = () => 'any';
/** The whole estate's business. */
export const wholeEstate: Scope = () => 'estate';
/** A list: filtered to the key's site — its only one, or the one asked for with `site=`. */
export const listedSite: Scope = (req, sites) => {
  const query = req.query as { site?: string };
  if (query.site === undefined) {
    if (sites.length > 1) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `${seer(req)} sees the sites ${sites.join(', ')}: say which with site=`);
    query.site = sites[0];
  }
  return [query.site!];
};
/** The site of a thing looked up by the request (undefined: no such thing, the route says 404; null: the estate's). */
export const siteOf =
  (lookup: (req: FastifyRequest) => string | null | undefined | Promise<string | null | undefined>): Scope =>
  async (req) => {
    const site = await lookup(req);
    return site === undefined ? 'any' : site === null ? 'estate' : [site];
  };

/** A public route: no key, no sites. */
export const publicAccess: Access = { roles: 'public', scope: anySite };

/**
 * What a request reads from a store, read once however many of its steps need it (the site check, a
 * technician's team check and the route itself).
 */
export function once<T>(req: FastifyRequest, name: string, load: () => Promise<T>): Promise<T> {
  const memo = ((req as unknown as { fmsLoaded?: Map<string, Promise<unknown>> }).fmsLoaded ??= new Map());
  let p = memo.get(name) as Promise<T> | undefined;
  if (!p) memo.set(name, (p = load()));
  return p;
}

export interface AccessControlDeps {
  /** `keys`: every route but the public ones wants an API key or a session of a role its declaration allows. */
  apiAuth: 'off' | 'keys';
  apiKeys: ApiKeys;
  accounts: Accounts;
  audit: AuditLog;
  now: () => number;
  log: Logger;
  /** The role of a person of the directory (undefined: nobody of that id). */
  personRole: (id: string) => PersonRole | undefined;
}

/**
 * Enforces the routes' declarations: who the request is from (an API key or a session) and its role when
 * the request arrives; after the body is parsed, a session's CSRF token and origin for requests that
 * change something; after the body and query are validated, the sites, the person it acts as, and the
 * route's own check. Routes that plugins register (the API docs) are public. Returns the list of routes
 * with their access, for the tests that check every route and docs/security.md's table.
 */
export function registerAccessControl(app: FastifyInstance, d: AccessControlDeps): { method: string; url: string; access: Access | undefined }[] {
  const routeList: { method: string; url: string; access: Access | undefined }[] = [];
  app.addHook('onRoute', (r) => {
    // The API docs plugin's pages and assets are public; its routes cannot carry a declaration of their own.
    if (r.url === '/api/docs' || r.url.startsWith('/api/docs/')) r.config = { ...(r.config as object), access: publicAccess };
    const access = (r.config as { access?: Access } | undefined)?.access;
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: r.url, access });
  });

  if (d.apiAuth !== 'keys') {
    // Everyone is trusted; a signed-in person is still known by name (the console greets them), and nothing is refused.
    app.addHook('onRequest', async (req, reply) => {
      let id: string | undefined;
      try {
        id = sessionIdOf(req, reply);
      } catch {
        id = undefined; // two session cookies: neither is believed (the extra one is cleared)
      }
      const resumed = id && req.routeOptions.url !== undefined ? await d.accounts.resume(id) : undefined;
      if (resumed && 'account' in resumed) {
        req.session = { ...resumed.session, csrfToken: resumed.csrfToken, account: resumed.account };
        req.principal = principalOfAccount(resumed.account);
      }
    });
    return routeList;
  }

  const signedIn = new Map<string, number>();
  async function byKey(req: FastifyRequest, token: string): Promise<Principal> {
    const checked = await d.apiKeys.verify(token);
    if ('refused' in checked) throw new FmsError('FMS_ERR_API_UNAUTHENTICATED', `API key refused: ${checked.refused}`);
    const principal = (req.principal = principalOfKey(checked.key));
    // A sign-in is recorded once an hour per key and address, not on every request.
    const seen = `${checked.key.id} ${req.ip}`;
    const t = d.now();
    if ((signedIn.get(seen) ?? -Infinity) <= t - 3_600_000) {
      if (signedIn.size > 10_000) signedIn.clear();
      signedIn.set(seen, t);
      d.audit.record({ ...requester(req), action: 'api.login', outcome: 'ok', target: null, detail: null });
      d.apiKeys.touch(checked.key.id, t).catch((err) => d.log.warn({ err: (err as Error).message }, 'key use not noted'));
    }
    return principal;
  }
  async function bySession(req: FastifyRequest, reply: FastifyReply, sessionId: string): Promise<Principal> {
    const resumed = await d.accounts.resume(sessionId);
    if ('refused' in resumed) {
      // The browser forgets a cookie that signs in no more.
      clearSessionCookie(req, reply);
      if (resumed.user)
        d.audit.record({
          action: 'session.expired',
          outcome: 'failed',
          actor: `account:${resumed.user}`,
          address: req.ip,
          target: `${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`,
          detail: resumed.message,
        });
      throw new FmsError(resumed.refused === 'expired' ? 'FMS_ERR_SESSION_EXPIRED' : 'FMS_ERR_API_UNAUTHENTICATED', resumed.message);
    }
    req.session = { ...resumed.session, csrfToken: resumed.csrfToken, account: resumed.account };
    return (req.principal = principalOfAccount(resumed.account));
  }

  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.url === undefined) return; // no route: the not-found handler answers
    const access = req.routeOptions.config.access;
    if (access?.roles === 'public') {
      // Anyone may call it; a key sent along still says who asks (the health report shows an admin more).
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const checked = token ? await d.apiKeys.verify(token) : undefined;
      if (checked && !('refused' in checked)) req.principal = principalOfKey(checked.key);
      return;
    }
    // A Bearer key wins over a cookie: a program that sends its key is that key, whatever its cookie jar holds.
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const sessionId = token ? undefined : sessionIdOf(req, reply);
    if (!token && !sessionId)
      throw new FmsError('FMS_ERR_API_UNAUTHENTICATED', 'no API key and no session: send Authorization: Bearer <key>, or sign in with POST /api/session');
    const principal = token ? await byKey(req, token) : await bySession(req, reply, sessionId!);
    // Acting as a person means having their role (POST /api/keys checks it): a key issued before that
    // check, or whose person's role changed since, would act with rights its person does not have.
    const personRole = principal.personId && isPersonRole(principal.role) ? d.personRole(principal.personId) : undefined;
    if (personRole !== undefined && personRole !== principal.role)
      throw new FmsError(
        'FMS_ERR_API_FORBIDDEN',
        principal.kind === 'key'
          ? `this key has the role "${principal.role}" but acts for ${principal.personId}, a ${personRole}: a key acting as a person has their role; issue a new key`
          : `this account has the role "${principal.role}" but acts for ${principal.personId}, a ${personRole}: an account acting as a person has their role; an admin changes it`,
      );
    // A route without a declaration is refused to everyone: fail closed.
    const route = `${req.method} ${req.routeOptions.url}`;
    if (!access) throw new FmsError('FMS_ERR_API_FORBIDDEN', `${route} declares no access: refused to every key and account`);
    if (!access.roles.includes(principal.role)) {
      throw new FmsError('FMS_ERR_API_FORBIDDEN', `the role "${principal.role}" may not ${route}; allowed: ${access.roles.join(', ')}`);
    }
  });

  // After the body is parsed (a form's _csrf field), before it is validated: the cookie alone changes nothing.
  app.addHook('preValidation', async (req) => {
    if (req.session && req.principal?.kind === 'account') checkCsrf(req, req.session.csrfToken);
  });

  // After validation (the body and query are read and typed), before the handler.
  app.addHook('preHandler', async (req) => {
    const principal = req.principal;
    const access = req.routeOptions.config.access;
    if (!principal || !access || access.roles === 'public') return;
    if (principal.sites) await checkSites(req, access, principal.sites);
    const by = access.actsAs?.(req);
    if (principal.personId && by !== undefined && by !== principal.personId)
      throw new FmsError('FMS_ERR_API_FORBIDDEN', `${described(principal)} acts for "${principal.personId}", not for "${by}"`);
    await access.check?.(req, principal);
  });
  return routeList;
}

/** "this key" or "this account", as a request's limits are described. */
const seer = (req: FastifyRequest) => (req.principal?.kind === 'account' ? 'this account' : 'this key');

/** Refuses a request of a key or account limited to `sites` that touches another site or the whole estate. */
async function checkSites(req: FastifyRequest, access: Access, sites: readonly string[]): Promise<void> {
  const route = `${req.method === 'HEAD' ? 'GET' : req.method} ${req.routeOptions.url}`;
  const touched = await access.scope(req, sites);
  if (touched === 'any') return;
  const limited = `${seer(req)} is limited to the site${sites.length > 1 ? 's' : ''} ${sites.join(', ')}`;
  if (touched === 'estate') throw new FmsError('FMS_ERR_API_FORBIDDEN', `${limited}: ${route} concerns the whole estate`);
  const outside = touched.filter((s) => !sites.includes(s));
  if (outside.length > 0) throw new FmsError('FMS_ERR_API_FORBIDDEN', `${limited}, not ${[...new Set(outside)].join(', ')}`);
}
