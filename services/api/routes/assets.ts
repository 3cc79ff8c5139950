import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { metricSpec } from '../../../devices/catalog.ts';
import { assetInputSchema, assetPatchSchema, deviceTypeSchema, idSchema, type Asset } from '../../assets/asset.ts';
import { FmsError } from '../../shared/errors.ts';
import { checkReading } from '../../ingest/payload.ts';
import { MAX_RISK } from '../../condition/health.ts';
import { aggregateFns } from '../../telemetry/telemetry-store.ts';
import { durationParam, timeParam } from '../params.ts';
import { adminOnly, everyone, listedSite, siteOf, type Role, type Scope } from '../access.ts';
import { auditRequest } from '../request-audit.ts';
import type { Principal } from '../principal.ts';
import type { ApiDeps } from '../server.ts';

const MAX_BUCKETS = 10_000;
/** Readings one import request may carry (about 1 MB of JSON). */
export const MAX_IMPORT_READINGS = 10_000;
/** Who imports history: an administrator, or an integration moving it from another system. */
const importers: readonly Role[] = ['admin', 'integration'];

export const assetRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const idParams = z.object({ id: idSchema });

    function found(id: string): Asset {
      const asset = deps.assets.get(id);
      if (!asset) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${id}"`);
      return asset;
    }
    const withStatus = (a: Asset) => ({ ...a, status: deps.assets.status(a.id) });
    const assetSite = siteOf((req) => deps.assets.get((req.params as { id: string }).id)?.site);
    /** A change of an asset: its site now, and the one it moves to. */
    const movedAssetSites: Scope = async (req, sites) => {
      const from = await assetSite(req, sites);
      const to = (req.body as { site?: string }).site;
      return from === 'any' || from === 'estate' ? from : to ? [...from, to] : from;
    };
    /**
     * A technician's key ends, or starts over, only the maintenance mode it started or that an order of
     * theirs did: the alarms it holds back belong to someone's work in progress. Starting over another's
     * would make it the technician's to end.
     */
    const ownMaintenance =
      (verb: 'end' | 'take over') =>
      async (req: FastifyRequest, key: Principal): Promise<void> => {
        if (key.role !== 'technician') return;
        const m = deps.assets.get((req.params as { id: string }).id)?.maintenance;
        if (!m || m.until <= deps.now() || m.by === key.personId) return;
        const order = await deps.workOrders.get(m.by);
        if (order?.order.assignee === key.personId) return;
        throw new FmsError(
          'FMS_ERR_API_FORBIDDEN',
          `${key.personId} may ${verb} only maintenance mode they started; this one is ${m.by}'s, until ${new Date(m.until).toISOString()}`,
        );
      };
    /** Who puts an asset in maintenance: a technician on site, or the office for them. */
    const onSite: readonly Role[] = ['admin', 'supervisor', 'technician'];

    r.get(
      '/assets',
      {
        config: { access: { roles: everyone, scope: listedSite } },
        schema: {
          summary: 'Registered assets',
          tags: ['assets'],
          querystring: z.strictObject({ site: z.string().optional(), type: deviceTypeSchema.optional() }),
        },
      },
      async (req) => ({ items: deps.assets.list(req.query).map(withStatus) }),
    );

    r.post(
      '/assets',
      {
        config: { access: { roles: adminOnly, scope: (req) => [(req.body as { site: string }).site] } },
        schema: { summary: 'Register an asset', tags: ['assets'], body: assetInputSchema },
      },
      async (req, reply) => {
        const asset = await deps.assets.create(req.body);
        auditRequest(deps.audit, req, 'asset.created', `asset ${asset.id}`);
        return reply.status(201).send(withStatus(asset));
      },
    );

    r.get(
      '/assets/:id',
      {
        config: { access: { roles: everyone, scope: assetSite } },
        schema: { summary: 'One asset with its connection status', tags: ['assets'], params: idParams },
      },
      async (req) => withStatus(found(req.params.id)),
    );

    r.patch(
      '/assets/:id',
      {
        config: { access: { roles: adminOnly, scope: movedAssetSites } },
        schema: { summary: 'Change an asset', tags: ['assets'], params: idParams, body: assetPatchSchema },
      },
      async (req) => {
        const asset = await deps.assets.update(req.params.id, req.body);
        auditRequest(deps.audit, req, 'asset.updated', `asset ${asset.id}`, `changed: ${Object.keys(req.body).join(', ')}`);
        return withStatus(asset);
      },
    );

    r.delete(
      '/assets/:id',
      {
        config: { access: { roles: adminOnly, scope: assetSite } },
        schema: { summary: 'Remove an asset (its telemetry stays in the store)', tags: ['assets'], params: idParams },
      },
      async (req, reply) => {
        await deps.assets.remove(req.params.id);
        auditRequest(deps.audit, req, 'asset.deleted', `asset ${req.params.id}`);
        return reply.status(204).send();
      },
    );

    r.post(
      '/assets/:id/maintenance',
      {
        config: {
          access: {
            roles: onSite,
            scope: assetSite,
            actsAs: (req) => (req.body as { by: string }).by,
            check: ownMaintenance('take over'),
          },
        },
        schema: {
          summary: 'A technician is on site: hold back the non-safety alarms of this asset for a while',
          tags: ['assets'],
          params: idParams,
          body: z.strictObject({
            by: z.string().min(1).max(100),
            minutes: z
              .number()
              .int()
              .min(1)
              .max(24 * 60)
              .default(60),
          }),
        },
      },
      async (req) => {
        const asset = await deps.assets.setMaintenance(req.params.id, { until: deps.now() + req.body.minutes * 60_000, by: req.body.by });
        auditRequest(deps.audit, req, 'asset.maintenance_started', `asset ${asset.id}`, `by ${req.body.by} for ${req.body.minutes} min`);
        return withStatus(asset);
      },
    );

    r.post(
      '/assets/:id/credentials',
      {
        config: { access: { roles: adminOnly, scope: assetSite } },
        schema: {
          summary: "Issue (or rotate) the device's MQTT credentials: user name = asset id; the secret is shown only in this answer",
          tags: ['assets'],
          params: idParams,
        },
      },
      async (req, reply) => {
        found(req.params.id);
        const before = await deps.credentials.info(req.params.id);
        const issued = await deps.credentials.issue(req.params.id);
        auditRequest(deps.audit, req, before && before.revokedAt === null ? 'credentials.rotated' : 'credentials.issued', `asset ${req.params.id}`);
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...issued, note: 'the secret is shown once: store it in the device now; FMS keeps only its hash' });
      },
    );
    r.get(
      '/assets/:id/credentials',
      {
        config: { access: { roles: adminOnly, scope: assetSite } },
        schema: { summary: 'Whether the device has credentials, issued when, revoked when (never the secret)', tags: ['assets'], params: idParams },
      },
      async (req) => {
        found(req.params.id);
        const info = await deps.credentials.info(req.params.id);
        if (!info)
          throw new FmsError(
            'FMS_ERR_ASSET_NOT_FOUND',
            `asset "${req.params.id}" has no credentials; issue them with POST /api/assets/${req.params.id}/credentials`,
          );
        return info;
      },
    );
    r.delete(
      '/assets/:id/credentials',
      {
        config: { access: { roles: adminOnly, scope: assetSite } },
        schema: {
          summary: 'Revoke the device credentials (its secret and its certificate sign-in); its open connections are closed at once',
          tags: ['assets'],
          params: idParams,
        },
      },
      async (req, reply) => {
        found(req.params.id);
        if (!(await deps.credentials.revoke(req.params.id)))
          throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `the credentials of asset "${req.params.id}" are revoked already; issue new ones with POST`);
        auditRequest(deps.audit, req, 'credentials.revoked', `asset ${req.params.id}`);
        return reply.status(204).send();
      },
    );

    r.delete(
      '/assets/:id/maintenance',
      {
        config: { access: { roles: onSite, scope: assetSite, check: ownMaintenance('end') } },
        schema: { summary: 'End maintenance mode', tags: ['assets'], params: idParams },
      },
      async (req) => {
        const before = found(req.params.id).maintenance;
        const asset = await deps.assets.setMaintenance(req.params.id, null);
        auditRequest(deps.audit, req, 'asset.maintenance_ended', `asset ${asset.id}`, before ? `started by ${before.by}` : 'was not in maintenance');
        return withStatus(asset);
      },
    );

    r.get(
      '/assets/:id/latest',
      {
        config: { access: { roles: everyone, scope: assetSite } },
        schema: { summary: 'Last value of each metric, with its time', tags: ['assets'], params: idParams },
      },
      async (req) => {
        const asset = found(req.params.id);
        const values = await deps.telemetry.latest(asset.id, asset.type);
        return {
          assetId: asset.id,
          metrics: Object.fromEntries(
            values.map((v) => [v.metric, { value: v.value, ts: v.ts, time: new Date(v.ts).toISOString(), unit: metricSpec(asset.type, v.metric)?.unit ?? '' }]),
          ),
        };
      },
    );

    r.get(
      '/assets/:id/telemetry',
      {
        config: { access: { roles: everyone, scope: assetSite } },
        schema: {
          summary: 'One metric aggregated in buckets over a time range',
          tags: ['assets'],
          params: idParams,
          querystring: z.strictObject({
            metric: z.string().min(1),
            from: timeParam.optional(),
            to: timeParam.optional(),
            every: durationParam.optional(),
            fn: z.enum(aggregateFns).default('mean'),
          }),
        },
      },
      async (req) => {
        const asset = found(req.params.id);
        const q = req.query;
        if (!metricSpec(asset.type, q.metric)) throw new FmsError('FMS_ERR_TELEMETRY_BAD_QUERY', `"${q.metric}" is not a ${asset.type} metric`);
        const to = q.to ?? deps.now();
        const from = q.from ?? to - 3_600_000;
        if (from >= to) throw new FmsError('FMS_ERR_TELEMETRY_BAD_QUERY', 'from must be before to');
        const every = q.every ?? Math.max(1000, Math.ceil((to - from) / 500 / 1000) * 1000);
        if ((to - from) / every > MAX_BUCKETS)
          throw new FmsError(
            'FMS_ERR_TELEMETRY_BAD_QUERY',
            `that range in buckets of ${every} ms makes more than ${MAX_BUCKETS} buckets: choose a larger "every"`,
          );
        const buckets = await deps.telemetry.aggregate({ asset: asset.id, measurement: asset.type, metric: q.metric, from, to, every, fn: q.fn });
        return { assetId: asset.id, metric: q.metric, fn: q.fn, from, to, every, buckets };
      },
    );

    r.post(
      '/assets/:id/telemetry',
      {
        bodyLimit: 4 * 1024 * 1024,
        config: { access: { roles: importers, scope: assetSite } },
        schema: {
          summary: 'Import recorded readings (a backfill from another system, a device’s buffer): stored and rolled up, not evaluated by rules',
          tags: ['assets'],
          params: idParams,
          body: z.strictObject({
            readings: z
              .array(z.unknown())
              .min(1, 'expected at least one reading')
              .max(MAX_IMPORT_READINGS, `at most ${MAX_IMPORT_READINGS} readings per request: send the rest in further requests`),
          }),
        },
      },
      async (req) => {
        const asset = found(req.params.id);
        const now = deps.now();
        const points = [];
        const problems: string[] = [];
        for (const [i, value] of req.body.readings.entries()) {
          if (!value || typeof value !== 'object' || !('ts' in value)) {
            problems.push(`readings[${i}]: expected an object with its ts (ISO-8601 or epoch ms): an imported reading has its own time`);
            continue;
          }
          const reading = checkReading(asset.type, value, now);
          if (reading.ok) points.push({ measurement: asset.type, site: asset.site, asset: asset.id, ts: reading.value.ts, fields: reading.value.fields });
          else problems.push(`readings[${i}]: ${reading.reason}`);
        }
        // All or nothing: a file with a bad line is corrected and sent again, not half stored.
        if (problems.length > 0)
          throw new FmsError(
            'FMS_ERR_TELEMETRY_BAD_QUERY',
            `${problems.length} of ${req.body.readings.length} readings refused, nothing stored: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? '; …' : ''}`,
          );
        deps.telemetry.write(points);
        await deps.telemetry.flush();
        const times = points.map((p) => p.ts);
        const from = Math.min(...times);
        const to = Math.max(...times);
        auditRequest(
          deps.audit,
          req,
          'asset.telemetry_imported',
          `asset ${asset.id}`,
          `${points.length} readings from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}`,
        );
        return { assetId: asset.id, stored: points.length, from, to };
      },
    );

    r.get(
      '/assets/:id/health',
      {
        config: { access: { roles: everyone, scope: assetSite } },
        schema: {
          summary: 'The asset’s health now: index, risk, what to do and why, each condition indicator’s level, trend and predicted limit crossing',
          tags: ['assets'],
          params: idParams,
        },
      },
      async (req) => {
        const asset = found(req.params.id);
        const h = await deps.assetHealth.of(asset);
        return { ...h, time: new Date(h.at).toISOString(), maxRisk: MAX_RISK };
      },
    );
  };
