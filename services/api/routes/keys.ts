import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FmsError } from '../../shared/errors.ts';
import { idSchema } from '../../assets/asset.ts';
import { auditRequest } from '../request-audit.ts';
import { adminOnly, isPersonRole, roles, wholeEstate } from '../access.ts';
import type { ApiDeps } from '../server.ts';

export const keyRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/keys',
      { config: { access: { roles: adminOnly, scope: wholeEstate } }, schema: { summary: 'API keys (never their secrets)', tags: ['keys'] } },
      async () => ({ items: await deps.apiKeys.list() }),
    );
    r.post(
      '/keys',
      {
        config: { access: { roles: adminOnly, scope: wholeEstate } },
        schema: {
          summary: 'Issue an API key for a person or an integration; the key is shown only in this answer',
          tags: ['keys'],
          body: z.strictObject({
            name: z.string().min(1).max(100),
            role: z.enum(roles, { error: `expected one of ${roles.join(', ')}` }),
            personId: z.string().min(1).optional(),
            expiresAt: z.iso
              .datetime({ offset: true, error: 'expected an ISO-8601 date-time' })
              .transform((s) => Date.parse(s))
              .optional(),
            /** Limit the key to these sites (a site's staff, a contractor); without: the whole estate. */
            sites: z.array(idSchema).min(1, 'expected at least one site, or no "sites" for the whole estate').max(100).optional(),
          }),
        },
      },
      async (req, reply) => {
        if (req.body.expiresAt !== undefined && req.body.expiresAt <= deps.now())
          throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'expiresAt is in the past: expected a future date-time');
        // A technician acts only on their own and their team's orders: their key must say who they are.
        if (req.body.role === 'technician' && !req.body.personId)
          throw new FmsError('FMS_ERR_API_BAD_REQUEST', "personId: a technician's key belongs to a person; expected the id of a technician under people");
        if (req.body.personId) {
          const person = deps.workOrders.person(req.body.personId);
          if (!person) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `personId: no person "${req.body.personId}"; expected an id from GET /api/people`);
          // A key acting as a person has the person's role: a technician's key naming a supervisor would
          // verify and cancel in the process with a technician's key, a supervisor's naming a technician
          // would read reports as one.
          const role = req.body.role;
          if (isPersonRole(role) && role !== person.role)
            throw new FmsError(
              'FMS_ERR_API_BAD_REQUEST',
              `role: ${person.id} is a ${person.role}; a key acting as them has the role "${person.role}", not "${role}"`,
            );
          if (role === 'integration')
            throw new FmsError('FMS_ERR_API_BAD_REQUEST', "personId: an integration's key acts for requesters, not as a person; leave personId out");
        }
        const unknownSites = (req.body.sites ?? []).filter((s) => !deps.sites().includes(s));
        if (unknownSites.length > 0)
          throw new FmsError(
            'FMS_ERR_API_BAD_REQUEST',
            `sites: no site ${unknownSites.map((s) => `"${s}"`).join(', ')}; expected sites of the estate (${deps.sites().join(', ')})`,
          );
        const { key, token } = await deps.apiKeys.issue({
          name: req.body.name,
          role: req.body.role,
          personId: req.body.personId ?? null,
          expiresAt: req.body.expiresAt ?? null,
          sites: req.body.sites ?? null,
        });
        auditRequest(
          deps.audit,
          req,
          'key.issued',
          `key ${key.id}`,
          `"${key.name}", ${key.role}${key.personId ? ` for ${key.personId}` : ''}${key.sites ? `, sites ${key.sites.join(', ')}` : ''}${key.expiresAt ? `, expires ${new Date(key.expiresAt).toISOString()}` : ''}`,
        );
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...key, token, note: 'the key is shown once: FMS keeps only its hash' });
      },
    );
    r.delete(
      '/keys/:id',
      {
        config: { access: { roles: adminOnly, scope: wholeEstate } },
        schema: { summary: 'Revoke an API key: it stops working at once', tags: ['keys'], params: z.object({ id: z.string() }) },
      },
      async (req, reply) => {
        if (!(await deps.apiKeys.revoke(req.params.id))) throw new FmsError('FMS_ERR_API_NOT_FOUND', `no API key "${req.params.id}" in force`);
        auditRequest(deps.audit, req, 'key.revoked', `key ${req.params.id}`);
        return reply.status(204).send();
      },
    );
  };
