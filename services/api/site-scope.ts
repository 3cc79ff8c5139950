import type { FastifyRequest } from 'fastify';
import { FmsError } from '../shared/errors.ts';
import type { ApiDeps } from './server.ts';

/**
 * What a request touches, for keys limited to some sites: the sites it reads or changes, `estate` when
 * it concerns the whole estate (keys, the audit log, rules, PM plans — only a key for the whole estate
 * may), or `any` when it is no site's business (the directory, the rules in force) or the resource
 * does not exist (the route answers 404). Every route has a line; a test checks it, as for the
 * permission table.
 */
type Touch = readonly string[] | 'estate' | 'any';
type Rule = (req: FastifyRequest, deps: ApiDeps, sites: readonly string[]) => Touch | Promise<Touch>;

const any: Rule = () => 'any';
const estate: Rule = () => 'estate';
const param = (req: FastifyRequest) => (req.params as { id: string }).id;

/** A list: filtered to the key's site (its only one, or the one asked for). */
const listed: Rule = (req, _deps, sites) => {
  const query = req.query as { site?: string };
  if (query.site === undefined) {
    if (sites.length > 1) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `this key sees the sites ${sites.join(', ')}: say which with site=`);
    query.site = sites[0];
  }
  return [query.site!];
};
const asset: Rule = (req, deps) => {
  const a = deps.assets.get(param(req));
  return a ? [a.site] : 'any';
};
const alarm: Rule = async (req, deps) => {
  const a = await deps.alarms.get(Number(param(req)));
  return a ? [a.site] : 'any';
};
const order: Rule = async (req, deps) => {
  const found = await deps.workOrders.get(param(req));
  return !found ? 'any' : found.order.site ? [found.order.site] : 'estate';
};
const report: Rule = async (req, deps) => {
  const site = await deps.reports.siteOf(param(req));
  return site === undefined ? 'any' : site === null ? 'estate' : [site];
};

export const siteScope: Record<string, Rule> = {
  'GET /api/health': any,
  'GET /metrics': any,
  'GET /api/docs': any,
  'GET /api/docs/static/index.html': any,
  'GET /api/docs/static/swagger-initializer.js': any,
  'GET /api/docs/static/*': any,
  'GET /api/docs/json': any,
  'GET /api/docs/yaml': any,

  'GET /api/assets': listed,
  'POST /api/assets': (req) => [(req.body as { site: string }).site],
  'GET /api/assets/:id': asset,
  'PATCH /api/assets/:id': (req, deps, sites) => {
    const to = (req.body as { site?: string }).site;
    const from = asset(req, deps, sites) as Touch;
    return from === 'any' ? from : to ? [...from, to] : from;
  },
  'DELETE /api/assets/:id': asset,
  'POST /api/assets/:id/maintenance': asset,
  'DELETE /api/assets/:id/maintenance': asset,
  'POST /api/assets/:id/credentials': asset,
  'GET /api/assets/:id/credentials': asset,
  'DELETE /api/assets/:id/credentials': asset,
  'GET /api/assets/:id/latest': asset,
  'GET /api/assets/:id/telemetry': asset,
  'GET /api/assets/:id/alarm-history': asset,

  'GET /api/alarms': listed,
  'GET /api/alarms/:id': alarm,
  'POST /api/alarms/:id/ack': alarm,
  // Filtered in the route: the key's sites' rejections only.
  'GET /api/ingest/rejected': any,

  'GET /api/rules': any,
  'POST /api/rules': estate,
  'GET /api/rules/:id': any,
  'PUT /api/rules/:id': estate,
  'DELETE /api/rules/:id': estate,
  'GET /api/rules/:id/history': any,

  'GET /api/work-orders': listed,
  'POST /api/work-orders': (req, deps) => {
    const body = req.body as { site?: string; assetId?: string };
    const site = body.site ?? (body.assetId ? deps.assets.get(body.assetId)?.site : undefined);
    return site ? [site] : 'estate';
  },
  'GET /api/work-orders/:id': order,
  'POST /api/work-orders/:id/actions': order,
  'GET /api/work-orders/:id/attachments/:attachmentId': order,
  'GET /api/people': any,
  'GET /api/people/:id': any,
  'GET /api/teams': any,
  'GET /api/teams/:id': any,

  'GET /api/pm-plans': any,
  'POST /api/pm-plans': estate,
  'GET /api/pm-plans/:id': any,
  'PUT /api/pm-plans/:id': estate,
  'DELETE /api/pm-plans/:id': estate,

  'GET /api/reports': listed,
  'POST /api/reports': (req) => {
    const site = (req.body as { site?: string }).site;
    return site ? [site] : 'estate';
  },
  'GET /api/reports/:id': report,
  'GET /api/reports/:id/:file': report,

  'GET /api/keys': estate,
  'POST /api/keys': estate,
  'DELETE /api/keys/:id': estate,
  'GET /api/audit': estate,
};

/** Refuses a request of a key limited to `sites` that touches another site or the whole estate. */
export async function checkSiteScope(req: FastifyRequest, deps: ApiDeps, sites: readonly string[]): Promise<void> {
  const route = `${req.method === 'HEAD' ? 'GET' : req.method} ${req.routeOptions.url}`;
  const rule = siteScope[route];
  // A route without a line is refused to site-limited keys: fail closed.
  const touched = rule ? await rule(req, deps, sites) : 'estate';
  if (touched === 'any') return;
  if (touched === 'estate')
    throw new FmsError(
      'FMS_ERR_API_FORBIDDEN',
      `this key is limited to the site${sites.length > 1 ? 's' : ''} ${sites.join(', ')}: ${route} concerns the whole estate`,
    );
  const outside = touched.filter((s) => !sites.includes(s));
  if (outside.length > 0)
    throw new FmsError(
      'FMS_ERR_API_FORBIDDEN',
      `this key is limited to the site${sites.length > 1 ? 's' : ''} ${sites.join(', ')}, not ${[...new Set(outside)].join(', ')}`,
    );
}
