import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pageParams, timeParam } from '../params.ts';
import { adminOnly, wholeEstate } from '../access.ts';
import type { ApiDeps } from '../server.ts';

export const auditRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/audit',
      {
        config: { access: { roles: adminOnly, scope: wholeEstate } },
        schema: {
          summary:
            'The audit log, newest first: sign-ins, keys and credentials issued and revoked, rule changes, orders verified or cancelled, access denied — who, when, from where',
          tags: ['audit'],
          querystring: z.strictObject({
            from: timeParam.optional(),
            to: timeParam.optional(),
            /** An action (`key.issued`) or a prefix ending in a dot (`key.`). */
            action: z
              .string()
              .regex(/^[a-z_]+(\.[a-z_]*)?$/, 'expected an action such as key.issued, or a prefix such as key.')
              .optional(),
            /** `key:<id>`, `device:<asset id>`, `anonymous`, `system`. */
            actor: z.string().max(200).optional(),
            outcome: z.enum(['ok', 'denied', 'failed']).optional(),
            ...pageParams,
          }),
        },
      },
      async (req) => deps.audit.list(req.query),
    );
  };
