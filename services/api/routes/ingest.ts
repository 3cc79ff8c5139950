import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { siteOf } from '../../shared/topics.ts';
import { anySite, staff } from '../access.ts';
import type { ApiDeps } from '../server.ts';

export const ingestRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/ingest/rejected',
      {
        config: { access: { roles: staff, scope: anySite } },
        schema: {
          summary: 'The most recent rejected device messages, newest first, each with the reason',
          tags: ['ingest'],
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        },
      },
      async (req) => {
        const sites = req.principal?.sites;
        if (!sites) return { total: deps.rejected.total, items: deps.rejected.recent(req.query.limit) };
        // A key limited to sites sees the rejections of their topics only (not other sites', not the broker's refusals).
        const items = deps.rejected.recent(1000).filter((r) => sites.includes(siteOf(r.topic) ?? ''));
        return { total: items.length, items: items.slice(0, req.query.limit) };
      },
    );
  };
