import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Access } from '../api/access.ts';
import { ApiRefusal, type ApiClient } from './api-client.ts';
import type { PageContext } from './layout.ts';
import { assetPage, rangeOf } from './pages/asset.ts';
import { assetLabelPage, siteLabelsPage } from './pages/labels.ts';
import { pmPage } from './pages/pm.ts';
import { periodOf, reportsPage, type ReportForm } from './pages/reports.ts';

export type PageResult = string | { status: number; body: string } | { redirect: string };
/** routes.ts's page runner: an API refusal becomes the matching page. */
export type RenderPage = (req: FastifyRequest, reply: FastifyReply, make: (api: ApiClient, ctx: PageContext) => Promise<PageResult>) => Promise<unknown>;

export interface AssetPagesDeps {
  render: RenderPage;
  /** Who may open a console page (the API's own access decides what it shows). */
  access: Access;
  /** The estate's sites. */
  sites: () => string[];
}

/**
 * Where this FMS is reached, as the browser asked for it (behind a proxy, FMS_HTTP_TRUST_PROXY lets
 * fastify take the proxy's X-Forwarded-Proto and -Host): the address a printed label's QR code holds.
 */
export const baseUrlOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The console's pages about assets and their upkeep: an asset with its live values, trends, health
 * and orders; the preventive-maintenance calendar; the reports; printable QR labels.
 */
export function registerAssetPages(c: FastifyInstance, d: AssetPagesDeps): void {
  const config = { access: d.access, page: true };
  const schema = { hide: true };

  c.get('/assets/:id', { config, schema }, (req, reply) => {
    const id = (req.params as { id: string }).id;
    return d.render(req, reply, (api, ctx) => assetPage(api, ctx, id, rangeOf((req.query as { range?: string }).range)));
  });

  c.get('/assets/:id/label', { config, schema }, (req, reply) => {
    const id = (req.params as { id: string }).id;
    return d.render(req, reply, (api, ctx) => assetLabelPage(api, ctx, id, baseUrlOf(req)));
  });

  c.get('/labels', { config, schema }, (req, reply) =>
    d.render(req, reply, (api, ctx) => siteLabelsPage(api, ctx, text((req.query as { site?: string }).site), d.sites(), baseUrlOf(req))),
  );

  c.get('/pm', { config, schema }, (req, reply) =>
    d.render(req, reply, (api, ctx) => pmPage(api, ctx, { site: text((req.query as { site?: string }).site) }, d.sites())),
  );

  // Reports: the roles that read and make them through the API (a technician's menu has no reports).
  const readers = { ...config, access: { ...d.access, roles: ['admin', 'manager', 'supervisor', 'viewer'] as const } };
  const makers = { ...config, access: { ...d.access, roles: ['admin', 'manager', 'supervisor'] as const } };
  c.get('/reports', { config: readers, schema }, (req, reply) => {
    const made = text((req.query as { made?: string }).made);
    return d.render(req, reply, (api, ctx) => reportsPage(api, ctx, d.sites(), made ? { made, notice: ctx.m.reportsPage.made } : {}));
  });

  c.post('/reports', { config: makers, schema }, (req, reply) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const form: ReportForm = { site: text(b.site), from: text(b.from), to: text(b.to), language: b.language === 'zh' ? 'zh' : 'en' };
    return d.render(req, reply, async (api, ctx) => {
      const answer = await api.call<{ id?: string; error?: { message?: string } }>('POST', '/api/reports', {
        ...(form.site ? { site: form.site } : {}),
        ...periodOf(form, ctx.timeZoneOf(form.site ?? null)),
        language: form.language,
      });
      if (answer.status < 300 && answer.body.id)
        return { redirect: `/reports?made=${encodeURIComponent(answer.body.id)}#${encodeURIComponent(answer.body.id)}` };
      // Not signed in, or not one who makes reports: the same pages as any refusal.
      if (answer.status === 401 || answer.status === 403)
        throw new ApiRefusal(
          answer.status,
          answer.status === 401 ? 'FMS_ERR_API_UNAUTHENTICATED' : 'FMS_ERR_API_FORBIDDEN',
          answer.body.error?.message ?? `HTTP ${answer.status}`,
        );
      const message = answer.body.error?.message ?? `HTTP ${answer.status}`;
      const retry = Number(answer.headers['retry-after']);
      const error =
        answer.status === 429 ? ctx.m.reportsPage.busy(message) + (Number.isFinite(retry) && retry > 0 ? ctx.m.reportsPage.retryIn(retry) : '') : message;
      if (answer.status === 429 && Number.isFinite(retry)) reply.header('retry-after', String(retry));
      return { status: answer.status, body: await reportsPage(api, ctx, d.sites(), { error, form }) };
    });
  });
}
