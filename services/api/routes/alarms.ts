import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { alarmStates } from '../../alarms/alarm.ts';
import { FmsError } from '../../shared/errors.ts';
import { listParam, pageParams } from '../params.ts';
import { everyone, field, listedSite, siteOf } from '../access.ts';
import type { ApiDeps } from '../server.ts';

export const alarmRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const idParams = z.object({ id: z.coerce.number().int().min(1) });
    const alarmSite = siteOf(async (req) => (await deps.alarms.get(Number((req.params as { id: string }).id)))?.site);
    const assetSite = siteOf((req) => deps.assets.get((req.params as { id: string }).id)?.site);

    r.get(
      '/alarms',
      {
        config: { access: { roles: everyone, scope: listedSite } },
        schema: {
          summary: 'Alarms, newest first',
          tags: ['alarms'],
          querystring: z.strictObject({
            state: listParam(z.enum(alarmStates)).optional(),
            assetId: z.string().optional(),
            site: z.string().optional(),
            ...pageParams,
          }),
        },
      },
      async (req) => deps.alarms.list(req.query),
    );

    r.get(
      '/alarms/:id',
      { config: { access: { roles: everyone, scope: alarmSite } }, schema: { summary: 'One alarm with its history', tags: ['alarms'], params: idParams } },
      async (req) => {
        const alarm = await deps.alarms.get(req.params.id);
        if (!alarm) throw new FmsError('FMS_ERR_ALARM_NOT_FOUND', `no alarm ${req.params.id}`);
        return { ...alarm, history: await deps.alarms.history({ alarmId: alarm.id, limit: 1000 }) };
      },
    );

    r.get(
      '/assets/:id/alarm-history',
      {
        config: { access: { roles: everyone, scope: assetSite } },
        schema: {
          summary: 'Every alarm transition of one asset (raised, repeat, acknowledged, cleared), oldest first',
          tags: ['alarms'],
          params: z.object({ id: z.string() }),
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(500) }),
        },
      },
      async (req) => {
        if (!deps.assets.get(req.params.id)) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${req.params.id}"`);
        return { assetId: req.params.id, items: await deps.alarms.history({ assetId: req.params.id, limit: req.query.limit }) };
      },
    );

    r.post(
      '/alarms/:id/ack',
      {
        config: { access: { roles: field, scope: alarmSite, actsAs: (req) => (req.body as { by: string }).by } },
        schema: {
          summary: 'Acknowledge an alarm',
          tags: ['alarms'],
          params: idParams,
          body: z.strictObject({ by: z.string().min(1).max(100), note: z.string().max(2000).optional() }),
        },
      },
      async (req) => {
        const alarm = await deps.alarms.acknowledge(req.params.id, req.body.by, req.body.note ?? null);
        if (!alarm) throw new FmsError('FMS_ERR_ALARM_NOT_FOUND', `no alarm ${req.params.id}`);
        return alarm;
      },
    );
  };
