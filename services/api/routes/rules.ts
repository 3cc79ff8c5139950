import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FmsError } from '../../shared/errors.ts';
import { auditRequest, requesterName } from '../request-audit.ts';
import { adminOnly, anySite, staff, wholeEstate } from '../access.ts';
import type { ApiDeps } from '../server.ts';

// The body is checked by the rule service against the rule format, so that every problem is named
// by its field (the same messages as for rule files).
const ruleBody = z.record(z.string(), z.unknown()).describe('A rule in the format of docs/rules.md, as JSON');
const idParams = z.object({ id: z.string() });

export const ruleRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/rules',
      {
        config: { access: { roles: staff, scope: anySite } },
        schema: {
          summary: 'Rules in force: shipped defaults, the FMS_CONFIG file and rules created over the API',
          tags: ['rules'],
          querystring: z.strictObject({ assetType: z.string().optional() }),
        },
      },
      async (req) => ({ items: deps.rules.list().filter((rule) => !req.query.assetType || rule.assetType === req.query.assetType) }),
    );
    r.get(
      '/rules/:id',
      { config: { access: { roles: staff, scope: anySite } }, schema: { summary: 'One rule in force', tags: ['rules'], params: idParams } },
      async (req) => {
        const rule = deps.rules.get(req.params.id);
        if (!rule) throw new FmsError('FMS_ERR_RULE_NOT_FOUND', `no rule "${req.params.id}"`);
        return rule;
      },
    );
    r.get(
      '/rules/:id/history',
      {
        config: { access: { roles: staff, scope: anySite } },
        schema: { summary: 'Every version of a rule: who changed it, when, and how it read', tags: ['rules'], params: idParams },
      },
      async (req) => ({
        items: await deps.rules.history(req.params.id),
      }),
    );
    r.post(
      '/rules',
      {
        config: { access: { roles: adminOnly, scope: wholeEstate } },
        schema: { summary: 'Create a rule; it is in force at once', tags: ['rules'], body: ruleBody },
      },
      async (req, reply) => {
        const rule = await deps.rules.create(req.body, requesterName(req));
        auditRequest(deps.audit, req, 'rule.created', `rule ${rule.id}`, `version ${rule.version}`);
        return reply.status(201).send(rule);
      },
    );
    r.put(
      '/rules/:id',
      {
        config: { access: { roles: adminOnly, scope: wholeEstate } },
        schema: { summary: 'Replace a rule (a new version); it is in force at once', tags: ['rules'], params: idParams, body: ruleBody },
      },
      async (req) => {
        const rule = await deps.rules.update(req.params.id, req.body, requesterName(req));
        auditRequest(deps.audit, req, 'rule.updated', `rule ${rule.id}`, `version ${rule.version}`);
        return rule;
      },
    );
    r.delete(
      '/rules/:id',
      {
        config: { access: { roles: adminOnly, scope: wholeEstate } },
        schema: { summary: 'Delete a rule (also a shipped or file rule: it stays deleted)', tags: ['rules'], params: idParams },
      },
      async (req, reply) => {
        await deps.rules.remove(req.params.id, requesterName(req));
        auditRequest(deps.audit, req, 'rule.deleted', `rule ${req.params.id}`);
        return reply.status(204).send();
      },
    );
  };
