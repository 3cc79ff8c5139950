import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountLanguages, accountRoles } from '../../accounts/account-store.ts';
import { USER_NAME } from '../../accounts/accounts.ts';
import { idSchema } from '../../assets/asset.ts';
import { FmsError } from '../../shared/errors.ts';
import { adminOnly, wholeEstate } from '../access.ts';
import { auditRequest } from '../request-audit.ts';
import { ownOrigin } from '../session-cookie.ts';
import type { ApiDeps } from '../server.ts';

const userParams = z.object({ user: z.string().max(100) });

/** The console's page a one-time sign-in link opens: opening it spends nothing, its button signs in (console/people-routes.ts). */
export const SIGN_IN_LINK_PATH = '/signin/link';

/** A one-time link as the person opens it, at the console's page for it. */
const linkOf = (req: FastifyRequest, link: { token: string; expiresAt: number }) => ({
  url: `${ownOrigin(req)}${SIGN_IN_LINK_PATH}?token=${link.token}`,
  token: link.token,
  expiresAt: link.expiresAt,
});

export const accountRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const access = { roles: adminOnly, scope: wholeEstate };
    const found = async (user: string) => {
      const account = await deps.accounts.get(user.toLowerCase());
      if (!account) throw new FmsError('FMS_ERR_ACCOUNT_NOT_FOUND', `no account "${user}"; GET /api/accounts lists them`);
      return account;
    };

    r.get('/accounts', { config: { access }, schema: { summary: 'People’s console accounts (never their passwords)', tags: ['accounts'] } }, async () => ({
      items: await deps.accounts.list(),
    }));
    r.post(
      '/accounts',
      {
        config: { access },
        schema: {
          summary: 'Create a console account for a person (or an administrator), with an initial password or a one-time link shown only in this answer',
          tags: ['accounts'],
          body: z.strictObject({
            /** The user name; the person's id in lower case by default. */
            user: z.string().regex(USER_NAME, 'expected 1-64 of a-z 0-9 . _ -, starting with a letter or digit').optional(),
            /** The person it belongs to; only an admin account may belong to nobody. */
            personId: z.string().min(1).optional(),
            /** The name shown; the person's by default. */
            name: z.string().min(1).max(200).optional(),
            role: z.enum(accountRoles, { error: `expected one of ${accountRoles.join(', ')} (integrations use API keys)` }),
            phone: z.string().min(1).max(50).optional(),
            /** Limit the account to these sites, as a key is limited; without: the whole estate. */
            sites: z.array(idSchema).min(1, 'expected at least one site, or no "sites" for the whole estate').max(100).optional(),
            language: z.enum(accountLanguages).optional(),
            /** An initial password; without one, the answer has a one-time link for the person to set theirs. */
            password: z.string().min(1).max(1024).optional(),
          }),
        },
      },
      async (req, reply) => {
        const b = req.body;
        const person = b.personId ? (await deps.workOrders.people()).find((p) => p.id === b.personId) : undefined;
        if (b.personId && !person) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `personId: no person "${b.personId}"; expected an id from GET /api/people`);
        if (!person && b.role !== 'admin')
          throw new FmsError(
            'FMS_ERR_API_BAD_REQUEST',
            `personId: a ${b.role}'s account belongs to a person; expected the id of a person under GET /api/people`,
          );
        if (!person && (!b.user || !b.name)) throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'user, name: an account without a person needs both');
        const unknownSites = (b.sites ?? []).filter((s) => !deps.sites().includes(s));
        if (unknownSites.length > 0)
          throw new FmsError(
            'FMS_ERR_API_BAD_REQUEST',
            `sites: no site ${unknownSites.map((s) => `"${s}"`).join(', ')}; expected sites of the estate (${deps.sites().join(', ')})`,
          );
        const { account, link } = await deps.accounts.create({
          user: b.user ?? person!.id.toLowerCase(),
          name: b.name ?? person!.name,
          role: b.role,
          personId: person?.id ?? null,
          phone: b.phone ?? person?.phone ?? null,
          sites: b.sites ?? null,
          language: b.language ?? null,
          ...(b.password !== undefined ? { password: b.password } : {}),
        });
        const detail = `"${account.name}", ${account.role}${account.personId ? ` for ${account.personId}` : ''}${account.sites ? `, sites ${account.sites.join(', ')}` : ''}, ${link ? 'with a one-time link' : 'with an initial password'}`;
        auditRequest(deps.audit, req, 'account.created', `account ${account.user}`, detail);
        if (link)
          auditRequest(
            deps.audit,
            req,
            'account.link_issued',
            `account ${account.user}`,
            `to set a first password; expires ${new Date(link.expiresAt).toISOString()}`,
          );
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({
            ...account,
            ...(link ? { link: linkOf(req, link), note: 'the link is shown once and works once, within 15 minutes: FMS keeps only its hash' } : {}),
          });
      },
    );
    r.get('/accounts/:user', { config: { access }, schema: { summary: 'One account', tags: ['accounts'], params: userParams } }, async (req) =>
      found(req.params.user),
    );
    r.post(
      '/accounts/:user/disable',
      {
        config: { access },
        schema: { summary: 'Disable an account: it signs in no more and its sessions end at once', tags: ['accounts'], params: userParams },
      },
      async (req) => {
        const { user } = await found(req.params.user);
        const sessionsEnded = await deps.accounts.disable(user);
        auditRequest(deps.audit, req, 'account.disabled', `account ${user}`, `${sessionsEnded} session(s) ended`);
        return { ...(await found(user)), sessionsEnded };
      },
    );
    r.post(
      '/accounts/:user/enable',
      { config: { access }, schema: { summary: 'Enable a disabled account again', tags: ['accounts'], params: userParams } },
      async (req) => {
        const { user } = await found(req.params.user);
        await deps.accounts.enable(user);
        auditRequest(deps.audit, req, 'account.enabled', `account ${user}`);
        return found(user);
      },
    );
    r.post(
      '/accounts/:user/password-reset',
      {
        config: { access },
        schema: {
          summary: 'Reset a password: the old one stops working, the sessions end, and a one-time link (shown once) lets the person set a new one',
          tags: ['accounts'],
          params: userParams,
        },
      },
      async (req, reply) => {
        const { user } = await found(req.params.user);
        const reset = await deps.accounts.resetPassword(user);
        auditRequest(deps.audit, req, 'account.password_reset', `account ${user}`, `${reset.sessionsEnded} session(s) ended`);
        auditRequest(deps.audit, req, 'account.link_issued', `account ${user}`, `to set a new password; expires ${new Date(reset.expiresAt).toISOString()}`);
        return reply
          .header('cache-control', 'no-store')
          .send({ user, link: linkOf(req, reset), sessionsEnded: reset.sessionsEnded, note: 'the link is shown once and works once, within 15 minutes' });
      },
    );
  };
