import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FmsError } from '../../shared/errors.ts';
import { auditRequest } from '../request-audit.ts';
import { anySite, staff, wholeEstate, type Role } from '../access.ts';

/** Who plans preventive maintenance. */
const planners: readonly Role[] = ['admin', 'manager'];
import type { ApiDeps } from '../server.ts';

export const pmPlanRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const idParams = z.object({ id: z.string() });
    // Plans are validated by the plan schema (with messages that name the field), not by the route.
    const planBody = z.record(z.string(), z.unknown());

    r.get(
      '/pm-plans',
      {
        config: { access: { roles: staff, scope: anySite } },
        schema: { summary: 'Preventive-maintenance plans in force (templates, the estate file, the API)', tags: ['preventive maintenance'] },
      },
      async () => ({ items: deps.pmPlans.list() }),
    );

    r.get(
      '/pm-plans/:id',
      {
        config: { access: { roles: staff, scope: (req) => ((req.query as { site?: string }).site ? [(req.query as { site: string }).site] : 'any') } },
        schema: {
          summary: 'A plan with, per asset, the next due, the last done and compliance history (of one site or one asset when asked)',
          tags: ['preventive maintenance'],
          params: idParams,
          querystring: z.strictObject({ site: z.string().optional(), assetId: z.string().optional() }),
        },
      },
      async (req) => {
        const plan = deps.pmPlans.get(req.params.id);
        if (!plan) throw new FmsError('FMS_ERR_PM_PLAN_NOT_FOUND', `no PM plan "${req.params.id}"`);
        // A key limited to sites sees the plan's assets (and their orders) on those sites only.
        const sites = req.query.site ? [req.query.site] : req.principal?.sites;
        return deps.pm.report(plan, deps.now(), sites, req.query.assetId);
      },
    );

    r.post(
      '/pm-plans',
      { config: { access: { roles: planners, scope: wholeEstate } }, schema: { summary: 'Create a plan', tags: ['preventive maintenance'], body: planBody } },
      async (req, reply) => {
        const plan = await deps.pmPlans.create(req.body);
        deps.pm.reset();
        auditRequest(deps.audit, req, 'pm_plan.created', `pm plan ${plan.id}`);
        reply.status(201).header('location', `/api/pm-plans/${plan.id}`);
        return plan;
      },
    );

    r.put(
      '/pm-plans/:id',
      {
        config: { access: { roles: planners, scope: wholeEstate } },
        schema: {
          summary: 'Replace a plan (a template or file plan too: the API version wins)',
          tags: ['preventive maintenance'],
          params: idParams,
          body: planBody,
        },
      },
      async (req) => {
        const plan = await deps.pmPlans.replace(req.params.id, req.body);
        deps.pm.reset();
        auditRequest(deps.audit, req, 'pm_plan.updated', `pm plan ${plan.id}`);
        return plan;
      },
    );

    r.delete(
      '/pm-plans/:id',
      {
        config: { access: { roles: planners, scope: wholeEstate } },
        schema: { summary: 'Delete a plan (a template stays deleted)', tags: ['preventive maintenance'], params: idParams },
      },
      async (req, reply) => {
        await deps.pmPlans.remove(req.params.id);
        deps.pm.reset();
        auditRequest(deps.audit, req, 'pm_plan.deleted', `pm plan ${req.params.id}`);
        return reply.status(204).send();
      },
    );
  };
