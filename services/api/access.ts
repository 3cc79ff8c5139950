import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import { FmsError } from '../shared/errors.ts';
import type { ApiKey, ApiKeys } from './api-keys.ts';
import { requester } from './request-audit.ts';
import { personRoles, type PersonRole } from '../work-orders/people.ts';

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
 * A route without a declaration is refused to every key: it fails closed (tested). The domain keeps
 * its own rules (who may verify an order, the assignee only): the state machine decides those.
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
  check?: (req: FastifyRequest, key: ApiKey) => void | Promise<void>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (access.ts); a route without it is refused to every key. */
    access?: Access;
  }
  interface FastifyRequest {
    /** The API key the request came with (FMS_API_AUTH=keys). */
    apiKey?: ApiKey;
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
    if (sites.length > 1) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `this key sees the sites ${sites.join(', ')}: say which with site=`);
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
  /** `keys`: every route but the public ones wants an API key of a role its declaration allows. */
  apiAuth: 'off' | 'keys';
  apiKeys: ApiKeys;
  audit: AuditLog;
  now: () => number;
  log: Logger;
  /** The role of a person of the directory (undefined: nobody of that id). */
  personRole: (id: string) => PersonRole | undefined;
}

/**
 * Enforces the routes' declarations: the key and its role when the request arrives; after the body and
 * query are validated, the key's sites, the person it acts as, and the route's own check. Routes that
 * plugins register (the API docs) are public. Returns the list of routes with their access, for the
 * tests that check every route and docs/security.md's table.
 */
export function registerAccessControl(app: FastifyInstance, d: AccessControlDeps): { method: string; url: string; access: Access | undefined }[] {
  const routeList: { method: string; url: string; access: Access | undefined }[] = [];
  app.addHook('onRoute', (r) => {
    // The API docs plugin's pages and assets are public; its routes cannot carry a declaration of their own.
    if (r.url === '/api/docs' || r.url.startsWith('/api/docs/')) r.config = { ...(r.config as object), access: publicAccess };
    const access = (r.config as { access?: Access } | undefined)?.access;
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: r.url, access });
  });

  if (d.apiAuth !== 'keys') return routeList;

  const signedIn = new Map<string, number>();
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.url === undefined) return; // no route: the not-found handler answers
    const access = req.routeOptions.config.access;
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (access?.roles === 'public') {
      // Anyone may call it; a key sent along still says who asks (the health report shows an admin more).
      const checked = token ? await d.apiKeys.verify(token) : undefined;
      if (checked && !('refused' in checked)) req.apiKey = checked.key;
      return;
    }
    if (!token) throw new FmsError('FMS_ERR_API_UNAUTHENTICATED', 'no API key: send Authorization: Bearer <key>');
    const checked = await d.apiKeys.verify(token);
    if ('refused' in checked) throw new FmsError('FMS_ERR_API_UNAUTHENTICATED', `API key refused: ${checked.refused}`);
    req.apiKey = checked.key;
    // A key acting as a person has their role (POST /api/keys checks it): a key issued before that
    // check, or whose person's role changed since, would act with rights its person does not have.
    const { personId, role } = checked.key;
    const personRole = personId && isPersonRole(role) ? d.personRole(personId) : undefined;
    if (personRole !== undefined && personRole !== role)
      throw new FmsError(
        'FMS_ERR_API_FORBIDDEN',
        `this key has the role "${role}" but acts for ${personId}, a ${personRole}: a key acting as a person has their role; issue a new key`,
      );
    // A sign-in is recorded once an hour per key and address, not on every request.
    const seen = `${checked.key.id} ${req.ip}`;
    const t = d.now();
    if ((signedIn.get(seen) ?? -Infinity) <= t - 3_600_000) {
      if (signedIn.size > 10_000) signedIn.clear();
      signedIn.set(seen, t);
      d.audit.record({ ...requester(req), action: 'api.login', outcome: 'ok', target: null, detail: null });
      d.apiKeys.touch(checked.key.id, t).catch((err) => d.log.warn({ err: (err as Error).message }, 'key use not noted'));
    }
    // A route without a declaration is refused to everyone: fail closed.
    const route = `${req.method} ${req.routeOptions.url}`;
    if (!access) throw new FmsError('FMS_ERR_API_FORBIDDEN', `${route} declares no access: refused to every key`);
    if (!access.roles.includes(checked.key.role)) {
      throw new FmsError('FMS_ERR_API_FORBIDDEN', `the role "${checked.key.role}" may not ${route}; allowed: ${access.roles.join(', ')}`);
    }
  });

  // After validation (the body and query are read and typed), before the handler.
  app.addHook('preHandler', async (req) => {
    const key = req.apiKey;
    const access = req.routeOptions.config.access;
    if (!key || !access) return;
    if (key.sites) await checkSites(req, access, key.sites);
    const by = access.actsAs?.(req);
    if (key.personId && by !== undefined && by !== key.personId)
      throw new FmsError('FMS_ERR_API_FORBIDDEN', `this API key acts for "${key.personId}", not for "${by}"`);
    await access.check?.(req, key);
  });
  return routeList;
}

/** Refuses a request of a key limited to `sites` that touches another site or the whole estate. */
async function checkSites(req: FastifyRequest, access: Access, sites: readonly string[]): Promise<void> {
  const route = `${req.method === 'HEAD' ? 'GET' : req.method} ${req.routeOptions.url}`;
  const touched = await access.scope(req, sites);
  if (touched === 'any') return;
  const limited = `this key is limited to the site${sites.length > 1 ? 's' : ''} ${sites.join(', ')}`;
  if (touched === 'estate') throw new FmsError('FMS_ERR_API_FORBIDDEN', `${limited}: ${route} concerns the whole estate`);
  const outside = touched.filter((s) => !sites.includes(s));
  if (outside.length > 0) throw new FmsError('FMS_ERR_API_FORBIDDEN', `${limited}, not ${[...new Set(outside)].join(', ')}`);
}
