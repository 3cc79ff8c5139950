import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { priorities } from '../../rules/rule-schema.ts';
import { FmsError } from '../../shared/errors.ts';
import { sources, workOrderStates } from '../../work-orders/work-order.ts';
import { listParam, pageParams } from '../params.ts';
import type { ApiDeps } from '../server.ts';

export const workOrderRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/work-orders',
      {
        schema: {
          summary: 'Work orders, newest first',
          tags: ['work orders'],
          querystring: z.strictObject({
            state: listParam(z.enum(workOrderStates)).optional(),
            assetId: z.string().optional(),
            priority: z.enum(priorities).optional(),
            source: z.enum(sources).optional(),
            ...pageParams,
          }),
        },
      },
      async (req) => deps.workOrders.list(req.query),
    );

    r.get('/work-orders/:id', { schema: { summary: 'One work order with its history', tags: ['work orders'], params: z.object({ id: z.string() }) } }, async (req) => {
      const found = await deps.workOrders.get(req.params.id);
      if (!found) throw new FmsError('FMS_ERR_WORK_ORDER_NOT_FOUND', `no work order "${req.params.id}"`);
      return { ...found.order, history: found.history };
    });
  };
