import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiDeps } from '../server.ts';

const DAY = 86_400_000;
const time = z.union([z.number().int().min(0), z.iso.datetime({ offset: true, error: 'expected epoch milliseconds or an ISO-8601 date-time' }).transform((s) => Date.parse(s))]);

export const reportRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/reports',
      {
        schema: {
          summary: 'Generate a maintenance report (default: the last 7 days, every site, English)',
          tags: ['reports'],
          body: z.strictObject({ site: z.string().optional(), from: time.optional(), to: time.optional(), language: z.enum(['en', 'zh']).default('en') }).prefault({}),
        },
      },
      async (req, reply) => {
        const to = req.body.to ?? deps.now();
        const { id, report } = await deps.reports.generate({ site: req.body.site, from: req.body.from ?? to - 7 * DAY, to, language: req.body.language });
        reply.status(201).header('location', `/api/reports/${id}`);
        return { id, links: { html: `/api/reports/${id}/report.html`, json: `/api/reports/${id}/report.json`, csv: ['health.csv', 'reliability.csv', 'sla.csv', 'bad-actors.csv', 'rule-precision.csv'].map((f) => `/api/reports/${id}/${f}`) }, risks: report.risks.slice(0, 5).map((x) => ({ assetId: x.assetId, risk: x.risk, action: x.action, because: x.because })) };
      },
    );

    r.get('/reports', { schema: { summary: 'Generated reports, newest first', tags: ['reports'] } }, async () => ({ items: await deps.reports.list() }));

    r.get('/reports/:id', { schema: { summary: 'A report: HTML when the client asks for text/html, JSON otherwise', tags: ['reports'], params: z.object({ id: z.string() }) } }, async (req, reply) => {
      const html = (req.headers.accept ?? '').includes('text/html');
      const body = await deps.reports.file(req.params.id, html ? 'report.html' : 'report.json');
      reply.header('content-type', html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8');
      return reply.send(body);
    });

    r.get('/reports/:id/:file', { schema: { summary: 'One file of a report: report.html, report.json or a table as CSV', tags: ['reports'], params: z.object({ id: z.string(), file: z.string() }) } }, async (req, reply) => {
      const body = await deps.reports.file(req.params.id, req.params.file);
      const ext = req.params.file.split('.').pop();
      reply.header('content-type', ext === 'html' ? 'text/html; charset=utf-8' : ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      return reply.send(body);
    });
  };
