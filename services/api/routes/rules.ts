import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FmsError } from '../../shared/errors.ts';
import type { ApiDeps } from '../server.ts';

export const ruleRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/rules',
      { schema: { summary: 'Rules in force (defaults from devices/<type>/rules.yaml and the FMS_CONFIG file)', tags: ['rules'], querystring: z.strictObject({ assetType: z.string().optional() }) } },
      async (req) => ({ items: deps.rules.rules().filter((rule) => !req.query.assetType || rule.assetType === req.query.assetType) }),
    );
    r.get('/rules/:id', { schema: { summary: 'One rule', tags: ['rules'], params: z.object({ id: z.string() }) } }, async (req) => {
      const rule = deps.rules.rules().find((x) => x.id === req.params.id);
      if (!rule) throw new FmsError('FMS_ERR_RULE_NOT_FOUND', `no rule "${req.params.id}"`);
      return rule;
    });
  };
