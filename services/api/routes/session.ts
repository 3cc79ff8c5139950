import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountLanguages, accountRoles } from '../../accounts/account-store.ts';
import { FmsError } from '../../shared/errors.ts';
import { anySite, everyone, publicAccess } from '../access.ts';
import { principalOfAccount } from '../principal.ts';
import { auditRequest } from '../request-audit.ts';
import { checkSameOrigin, clearSessionCookie, setSessionCookie } from '../session-cookie.ts';
import type { ApiDeps } from '../server.ts';

/** The roles an account may have: the routes only a signed-in person uses. */
const people = accountRoles;

/** Where the console is, who is signed in, and the CSRF token its forms and requests carry. */
function whoIsSignedIn(req: FastifyRequest, deps: ApiDeps) {
  const p = req.principal;
  // With FMS_API_AUTH=off the route is open to all; who is signed in is still only a session's.
  if (!p) throw new FmsError('FMS_ERR_API_UNAUTHENTICATED', 'nobody is signed in: sign in with POST /api/session');
  const s = req.session;
  if (!s || p.kind !== 'account')
    return { kind: p.kind, id: p.id, name: p.name, role: p.role, personId: p.personId, sites: p.sites, language: null, csrfToken: null };
  const { idleMs, maxAgeMs } = deps.accounts.sessionLimits;
  return {
    kind: 'account' as const,
    id: p.id,
    user: s.account.user,
    name: p.name,
    role: p.role,
    personId: p.personId,
    sites: p.sites,
    phone: s.account.phone,
    language: s.account.language,
    csrfToken: s.csrfToken,
    signedInAt: s.createdAt,
    /** When it ends at the latest; each request pushes the idle end out again. */
    expiresAt: Math.min(s.createdAt + maxAgeMs, Math.max(s.lastSeenAt, deps.now()) + idleMs),
    /** Signed in by a one-time link and without a password: the console asks for one (POST /api/session/password, no oldPassword). */
    mustSetPassword: s.account.passwordSetAt === null,
  };
}

const needsSession = (req: FastifyRequest) => {
  if (!req.session) throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'this request came with an API key, not a console session: sign in with POST /api/session');
  return req.session;
};

export const sessionRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/session',
      {
        // Signing in needs no key; the attempt limits (docs/security.md#failed-sign-ins) keep guessing slow.
        config: { access: publicAccess },
        schema: {
          summary: 'Sign in to the console with a user name (or phone) and password, or a one-time link; sets the session cookie',
          tags: ['session'],
          body: z.union([
            z.strictObject({ user: z.string().min(1).max(100), password: z.string().min(1).max(1024) }),
            z.strictObject({ token: z.string().min(1).max(200) }),
          ]),
        },
      },
      async (req, reply) => {
        // Another site's page must not sign a visitor in to an account of its choosing (login CSRF).
        checkSameOrigin(req);
        const signed = await deps.accounts.signIn(req.body, req.ip);
        setSessionCookie(req, reply, signed.sessionId, signed.expiresAt - deps.now());
        req.principal = principalOfAccount(signed.account);
        req.session = { ...signed.session, csrfToken: signed.csrfToken, account: signed.account };
        return reply.header('cache-control', 'no-store').send(whoIsSignedIn(req, deps));
      },
    );
    r.get(
      '/session',
      {
        config: { access: { roles: everyone, scope: anySite } },
        schema: { summary: 'Who is signed in (a session, or the API key sent), and the session’s CSRF token', tags: ['session'] },
      },
      async (req, reply) => reply.header('cache-control', 'no-store').send(whoIsSignedIn(req, deps)),
    );
    r.patch(
      '/session',
      {
        config: { access: { roles: people, scope: anySite } },
        schema: {
          summary: 'Change the signed-in person’s preferences: the console’s language (null: the browser’s)',
          tags: ['session'],
          body: z.strictObject({ language: z.enum(accountLanguages).nullable() }),
        },
      },
      async (req) => {
        const s = needsSession(req);
        await deps.accounts.setLanguage(s.user, req.body.language);
        s.account = { ...s.account, language: req.body.language };
        return whoIsSignedIn(req, deps);
      },
    );
    r.delete(
      '/session',
      { config: { access: { roles: people, scope: anySite } }, schema: { summary: 'Sign out: the session ends and its cookie is cleared', tags: ['session'] } },
      async (req, reply) => {
        await deps.accounts.signOut(needsSession(req), req.ip);
        clearSessionCookie(req, reply);
        return reply.status(204).send();
      },
    );
    r.post(
      '/session/password',
      {
        config: { access: { roles: people, scope: anySite } },
        schema: {
          summary: 'Change the signed-in person’s own password (with the old one; not needed right after signing in by a one-time link)',
          tags: ['session'],
          body: z.strictObject({ oldPassword: z.string().min(1).max(1024).optional(), password: z.string().min(1).max(1024) }),
        },
      },
      async (req) => {
        const s = needsSession(req);
        const { sessionsEnded } = await deps.accounts.changePassword(s, req.body.oldPassword, req.body.password, req.ip);
        auditRequest(deps.audit, req, 'account.password_changed', `account ${s.user}`, sessionsEnded > 0 ? `${sessionsEnded} other session(s) ended` : null);
        s.account = { ...s.account, passwordSetAt: deps.now() };
        return { ...whoIsSignedIn(req, deps), otherSessionsEnded: sessionsEnded };
      },
    );
  };
