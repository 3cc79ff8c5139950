import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listedSite, siteOf, type Role } from '../access.ts';

/** Who reads reports, and who makes one on demand. */
const reportReaders: readonly Role[] = ['admin', 'manager', 'supervisor', 'viewer'];
const reportMakers: readonly Role[] = ['admin', 'manager', 'supervisor'];
import type { ApiDeps } from '../server.ts';

const DAY = 86_400_000;
const time = z.union([
  z.number().int().min(0),
  z.iso.datetime({ offset: true, error: 'expected epoch milliseconds or an ISO-8601 date-time' }).transform((s) => Date.parse(s)),
]);

export const reportRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const reportSite = siteOf((req) => deps.reports.siteOf((req.params as { id: string }).id));

    r.post(
      '/reports',
      {
        config: {
          access: {
            roles: reportMakers,
            scope: (req) => {
              const site = (req.body as { site?: string }).site;
              return site ? [site] : 'estate';
            },
          },
        },
        schema: {
          summary: 'Generate a maintenance report (default: the last 7 days, every site, English)',
          tags: ['reports'],
          body: z
            .strictObject({ site: z.string().optional(), from: time.optional(), to: time.optional(), language: z.enum(['en', 'zh']).default('en') })
            .prefault({}),
        },
      },
      async (req, reply) => {
        const to = req.body.to ?? deps.now();
        const { id, report, summary } = await deps.reports.generate({
          site: req.body.site,
          from: req.body.from ?? to - 7 * DAY,
          to,
          language: req.body.language,
        });
        reply.status(201).header('location', `/api/reports/${id}`);
        return {
          id,
          files: Object.fromEntries(summary.files.map((f) => [f, `/api/reports/${id}/${f}`])),
          ...(summary.pdfError ? { pdfError: summary.pdfError } : {}),
          risks: report.risks
            .slice(0, 5)
            .map((x) => ({ assetId: x.assetId, name: x.name, risk: x.risk, action: x.action, reason: x.reason, facts: x.reasonFacts })),
        };
      },
    );

    r.get(
      '/reports',
      {
        config: { access: { roles: reportReaders, scope: listedSite } },
        schema: {
          summary: 'Archived reports, newest first',
          tags: ['reports'],
          querystring: z.strictObject({
            site: z.string().optional(),
            kind: z.enum(['on_demand', 'weekly', 'monthly']).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
        },
      },
      async (req) => ({ items: await deps.reports.list(req.query) }),
    );

    r.get(
      '/reports/:id',
      {
        config: { access: { roles: reportReaders, scope: reportSite } },
        schema: {
          summary: 'A report: HTML or PDF when the client asks for text/html or application/pdf, JSON otherwise',
          tags: ['reports'],
          params: z.object({ id: z.string() }),
        },
      },
      async (req, reply) => {
        const accept = req.headers.accept ?? '';
        const name = accept.includes('text/html') ? 'report.html' : accept.includes('application/pdf') ? 'report.pdf' : 'report.json';
        const { body, contentType } = await deps.reports.file(req.params.id, name);
        return reply.header('content-type', contentType).send(body);
      },
    );

    r.get(
      '/reports/:id/:file',
      {
        config: { access: { roles: reportReaders, scope: reportSite } },
        schema: {
          summary: 'One file of a report: report.html, report.pdf, report.json or a table as CSV',
          tags: ['reports'],
          params: z.object({ id: z.string(), file: z.string() }),
        },
      },
      async (req, reply) => {
        const { body, contentType } = await deps.reports.file(req.params.id, req.params.file);
        if (contentType === 'application/pdf') reply.header('content-disposition', `inline; filename="${req.params.id}.pdf"`);
        return reply.header('content-type', contentType).send(body);
      },
    );
  };
