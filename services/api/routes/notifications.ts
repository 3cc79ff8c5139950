import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OutboxEntry, OutboxStore } from '../../notifications/outbox-store.ts';
import { outboxStates } from '../../notifications/outbox-store.ts';
import { FmsError } from '../../shared/errors.ts';
import { staff, type Role } from '../access.ts';
import { pageParams } from '../params.ts';
import type { Principal } from '../principal.ts';

/** Who reads everyone's notifications; others read only their own. */
const overseers: readonly Role[] = ['admin', 'manager', 'supervisor'];

/** A delivery as the API shows it: what, to whom, by which channel, and what became of it (not the message body). */
function view(e: OutboxEntry) {
  const p = e.payload as { address?: string; message?: { title?: string; urgent?: boolean; link?: string } };
  return {
    id: e.id,
    event: e.event,
    channel: e.channel,
    recipient: e.recipient,
    address: e.channel === 'webhook' || e.channel === 'robot' ? null : (p.address ?? null),
    subjectId: e.subjectId,
    title: p.message?.title ?? null,
    urgent: p.message?.urgent ?? false,
    link: p.message?.link ?? null,
    state: e.state,
    attempts: e.attempts,
    lastError: e.lastError,
    createdAt: e.createdAt,
    nextAttemptAt: e.state === 'pending' ? e.nextAttemptAt : null,
    sentAt: e.sentAt,
    readAt: e.readAt,
  };
}

const own = (p: Principal | undefined) => (p?.personId ? `person:${p.personId}` : undefined);
const oversees = (p: Principal | undefined) => p === undefined || (overseers.includes(p.role) && p.sites === null);

export const notificationRoutes =
  (deps: { outbox: OutboxStore; now: () => number }): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/notifications',
      {
        // Overseers of the whole estate read every delivery; anyone else reads their own (the scope below).
        config: { access: { roles: staff, scope: (req) => (oversees(req.principal) ? 'estate' : 'any') } },
        schema: {
          summary:
            'Notifications and webhook deliveries, newest first: event, recipient, channel, state (pending, sending, sent, dead, cancelled), attempts and last error. Supervisors, managers and admins of the whole estate read all; everyone else their own.',
          tags: ['notifications'],
          querystring: z.strictObject({
            state: z.enum(outboxStates).optional(),
            channel: z.enum(['inapp', 'email', 'sms', 'robot', 'webhook']).optional(),
            /** `person:<id>`, `robot:<id>`, `hook:<id>`, `email:<address>`. */
            recipient: z.string().max(300).optional(),
            /** The order, alarm or report it is about. */
            subject: z.string().max(100).optional(),
            event: z.string().max(100).optional(),
            ...pageParams,
          }),
        },
      },
      async (req) => {
        const q = req.query;
        let recipient = q.recipient;
        if (!oversees(req.principal)) {
          const mine = own(req.principal);
          if (!mine)
            throw new FmsError(
              'FMS_ERR_API_FORBIDDEN',
              'only people (and supervisors, managers and admins of the whole estate) read notifications: this key is no person’s',
            );
          if (recipient !== undefined && recipient !== mine)
            throw new FmsError('FMS_ERR_API_FORBIDDEN', `you read only your own notifications (recipient ${mine})`);
          recipient = mine;
        }
        const { items, total } = await deps.outbox.list({
          state: q.state,
          channel: q.channel,
          recipient,
          subjectId: q.subject,
          event: q.event,
          limit: q.limit,
          offset: q.offset,
        });
        return { items: items.map(view), total };
      },
    );

    r.post(
      '/notifications/read',
      {
        config: { access: { roles: staff, scope: () => 'any' } },
        schema: { summary: 'Marks the caller’s in-app notifications seen (the console’s bell).', tags: ['notifications'] },
      },
      async (req) => {
        const mine = own(req.principal);
        if (!mine) throw new FmsError('FMS_ERR_API_FORBIDDEN', 'only a person has in-app notifications');
        return { seen: await deps.outbox.markRead(mine, deps.now()) };
      },
    );
  };
