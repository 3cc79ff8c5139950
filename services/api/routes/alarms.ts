import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { alarmStates } from '../../alarms/alarm.ts';
import { FmsError } from '../../shared/errors.ts';
import { listParam, pageParams } from '../params.ts';
import { everyone, field, listedSite, once, siteOf } from '../access.ts';
import { auditRequest, requesterName } from '../request-audit.ts';
import type { ApiDeps } from '../server.ts';

export const alarmRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const idParams = z.object({ id: z.coerce.number().int().min(1) });
    /** The alarm a request names, read once for the site check and the route. */
    const alarmOf = (req: FastifyRequest) => once(req, 'alarm', () => deps.alarms.get(Number((req.params as { id: string }).id)));
    const alarmSite = siteOf(async (req) => (await alarmOf(req))?.site);
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

    /**
     * Who acknowledges: a person's key, its person (access.ts refuses another `by`); an admin's key of no
     * person, whoever `by` names among people (someone phoned it in); any other key of no person, the key
     * itself — it names nobody else. Without keys (FMS_API_AUTH=off), `by` says who.
     */
    const acknowledger = (req: FastifyRequest, by: string | undefined): string => {
      const key = req.principal;
      if (key?.personId) return key.personId;
      if (key && key.role !== 'admin') {
        if (by !== undefined)
          throw new FmsError(
            'FMS_ERR_API_FORBIDDEN',
            `this key belongs to no person: it acknowledges as itself ("${requesterName(req)}"), not as "${by}"; leave by out, or issue the person a key with personId`,
          );
        return requesterName(req);
      }
      if (by === undefined) throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'by: expected the id of the person who acknowledges');
      if (key && !deps.workOrders.person(by))
        throw new FmsError('FMS_ERR_PERSON_UNKNOWN', `"${by}" is not listed under people: an admin's key acknowledges for a person of GET /api/people`);
      return by;
    };

    r.post(
      '/alarms/:id/ack',
      {
        config: { access: { roles: field, scope: alarmSite, actsAs: (req) => (req.body as { by?: string }).by } },
        schema: {
          summary: 'Acknowledge an alarm, as the key’s person (or, with an admin’s key, as the person `by` names); recorded in the audit log',
          tags: ['alarms'],
          params: idParams,
          body: z.strictObject({ by: z.string().min(1).max(100).optional(), note: z.string().max(2000).optional() }),
        },
      },
      async (req) => {
        const by = acknowledger(req, req.body.by);
        const before = await alarmOf(req);
        const alarm = await deps.alarms.acknowledge(req.params.id, by, req.body.note ?? null);
        if (!alarm) throw new FmsError('FMS_ERR_ALARM_NOT_FOUND', `no alarm ${req.params.id}`);
        const already = before?.acknowledgedBy ? ` (acknowledged already by ${before.acknowledgedBy})` : '';
        auditRequest(
          deps.audit,
          req,
          'alarm.acknowledged',
          `alarm ${alarm.id}`,
          `by ${by}${already}${req.body.note ? `: ${req.body.note.slice(0, 200)}` : ''}`,
        );
        return alarm;
      },
    );
  };
