import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idSchema } from '../../assets/asset.ts';
import { categories, checklistStepSchema, priorities } from '../../shared/vocabulary.ts';
import { FmsError } from '../../shared/errors.ts';
import type { Principal } from '../principal.ts';
import { allowedActions } from '../../work-orders/state-machine.ts';
import { actionSchema } from '../../work-orders/work-order-actions.ts';
import { channels, sources, workOrderStates } from '../../work-orders/work-order.ts';
import { listParam, pageParams, timeParam } from '../params.ts';
import { auditRequest } from '../request-audit.ts';
import { everyone, field, listedSite, once, staff, type Scope } from '../access.ts';
import type { ApiDeps } from '../server.ts';
import { technicianSeesOrder } from '../../work-orders/people.ts';

const requesterSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    phone: z.string().max(50).optional(),
    email: z.string().max(200).optional(),
    wechat: z.string().max(100).optional(),
    unit: z.string().max(100).optional(),
  })
  .refine((r) => r.phone || r.email || r.wechat, 'expected at least one contact: phone, email or wechat');

/** A time in a JSON body: epoch milliseconds or an ISO-8601 date-time. */
const bodyTime = z.union([
  z.number().int().min(0),
  z.iso
    .datetime({ offset: true, error: 'expected epoch milliseconds or an ISO-8601 date-time such as 2026-12-01T18:00:00+08:00' })
    .transform((s) => Date.parse(s)),
]);

const intakeSchema = z
  .strictObject({
    /** `alarm` orders come from rules only. */
    source: z.enum(['request', 'inspection', 'pm']).default('request'),
    channel: z.enum(channels.filter((c) => c !== 'sensor') as [string, ...string[]], {
      error: 'expected hotline, wechat, app, front_desk or inspection (sensor orders come from rules)',
    }),
    category: z.enum(categories),
    /** Default by category: repair, complaint and inspection P3; suggestion and preventive P4. */
    priority: z.enum(priorities).optional(),
    title: z.string().min(1).max(200),
    description: z.string().max(4000).optional(),
    assetId: z.string().optional(),
    site: idSchema.optional(),
    location: z.string().max(200).optional(),
    requester: requesterSchema.optional(),
    dueAt: bodyTime.optional(),
    checklist: z.array(checklistStepSchema).max(100).optional(),
    parentId: z.string().optional(),
    /** Who registers it: a person id, or `requester` for self-service channels (app, WeChat). */
    by: z.string().min(1).max(100),
  })
  .refine((b) => b.source !== 'request' || b.channel !== 'inspection', { path: ['channel'], message: 'a request comes by hotline, wechat, app or front_desk' });

export const workOrderRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const idParams = z.object({ id: z.string() });
    const audited = new Map([
      ['verify', 'verified'],
      ['reject', 'rejected'],
      ['cancel', 'cancelled'],
      ['close', 'closed'],
      ['reopen', 'reopened'],
    ]);

    /** The order a request names, read once however many of its steps need it. */
    const orderOf = (req: FastifyRequest) => once(req, 'order', () => deps.workOrders.get((req.params as { id: string }).id));
    const orderSite: Scope = async (req) => {
      const found = await orderOf(req);
      return !found ? 'any' : found.order.site ? [found.order.site] : 'estate';
    };
    /**
     * What a new order touches: the site of its asset (the order takes it from there, whatever the body
     * says), else the site named; and the site of the order it follows up. Never what the client says
     * about an object it names.
     */
    const intakeSite: Scope = async (req) => {
      const body = req.body as { site?: string; assetId?: string; parentId?: string };
      const sites: string[] = [];
      if (body.assetId !== undefined) {
        const asset = deps.assets.get(body.assetId);
        if (!asset) return 'any'; // the service answers 404
        sites.push(asset.site);
      } else if (body.site !== undefined) sites.push(body.site);
      if (body.parentId !== undefined) {
        const parent = await deps.workOrders.get(body.parentId);
        if (parent?.order.site) sites.push(parent.order.site);
      }
      return sites.length > 0 ? sites : 'estate';
    };
    /** An integration registers orders for the requester (a resident app), never in a staff member's name. */
    const intakeBy = (req: FastifyRequest, key: Principal) => {
      const by = (req.body as { by: string }).by;
      if (key.role === 'integration' && by !== 'requester') {
        throw new FmsError('FMS_ERR_API_FORBIDDEN', `an integration's key registers orders for the requester (by: "requester"), not as "${by}"`);
      }
    };

    /**
     * A technician reads the orders assigned to them or to their team (and those of a teammate), not
     * another team's by its address: what the console's "my orders" and an order's page show them.
     * Without teams in the directory, every order of their sites.
     */
    async function technicianSees(req: FastifyRequest, key: Principal): Promise<void> {
      if (key.role !== 'technician' || !key.personId) return;
      const found = await orderOf(req);
      if (!found) return; // the route answers 404
      const all = deps.workOrders.teams();
      const teams = all.filter((t) => t.members.includes(key.personId!));
      if (!technicianSeesOrder(found.order, key.personId, all))
        throw new FmsError(
          'FMS_ERR_API_FORBIDDEN',
          `${key.personId} reads orders assigned to them or their team (${teams.map((t) => t.id).join(', ') || 'no team'}); ${found.order.id} is another team's`,
        );
    }

    /**
     * What a key may do on an order beyond its role: a technician's only on orders of theirs or their
     * team's; an integration's only for the requester (a resident app relaying a confirmation or a
     * rating), and only on orders it registered itself — not on the hotline's or another app's.
     */
    async function mayAct(req: FastifyRequest, key: Principal): Promise<void> {
      const by = (req.body as { by: string }).by;
      const refuse = (why: string) => {
        throw new FmsError('FMS_ERR_API_FORBIDDEN', why);
      };
      if (key.role === 'integration' && by !== 'requester') refuse(`an integration's key acts only for the requester (by: "requester"), not as "${by}"`);
      if (key.role === 'integration') {
        const orderId = (req.params as { id: string }).id;
        const found = await orderOf(req);
        if (!found) throw new FmsError('FMS_ERR_WORK_ORDER_NOT_FOUND', `no work order "${orderId}"`);
        const registeredBy = found.history.find((e) => e.type === 'opened')?.data['key'];
        if (registeredBy !== key.id)
          refuse(`an integration's key acts for the requester only on orders it registered; ${orderId} was not registered with this key`);
        return;
      }
      if (key.role !== 'technician') return;
      if (!key.personId) refuse("a technician's key must belong to a person (issue it with personId)");
      const orderId = (req.params as { id: string }).id;
      const found = await orderOf(req);
      if (!found) throw new FmsError('FMS_ERR_WORK_ORDER_NOT_FOUND', `no work order "${orderId}"`);
      const { assignee, team } = found.order;
      const teams = deps.workOrders.teams().filter((t) => t.members.includes(key.personId!));
      const ours = assignee === key.personId || teams.some((t) => t.id === team || (assignee !== null && t.members.includes(assignee)));
      if (!ours) {
        refuse(
          `${key.personId} acts only on orders assigned to them or their team (${teams.map((t) => t.id).join(', ') || 'no team'}); ${orderId} is assigned to ${assignee ?? 'nobody'}${team ? ` of team ${team}` : ''}`,
        );
      }
    }

    r.get(
      '/work-orders',
      {
        config: { access: { roles: everyone, scope: listedSite } },
        schema: {
          summary: 'Work orders, newest first, with filters and paging',
          tags: ['work orders'],
          querystring: z.strictObject({
            state: listParam(z.enum(workOrderStates)).optional(),
            assetId: z.string().optional(),
            priority: z.enum(priorities).optional(),
            source: z.enum(sources).optional(),
            category: z.enum(categories).optional(),
            channel: z.enum(channels).optional(),
            site: z.string().optional(),
            assignee: z.string().optional(),
            team: z.string().optional(),
            /** `true`: orders that missed an SLA deadline (met late, or still running past it). */
            breached: z
              .enum(['true', 'false'])
              .transform((v) => v === 'true')
              .optional(),
            from: timeParam.optional(),
            to: timeParam.optional(),
            ...pageParams,
          }),
        },
      },
      async (req) => deps.workOrders.list(req.query),
    );

    r.post(
      '/work-orders',
      {
        config: { access: { roles: [...field, 'integration'], scope: intakeSite, actsAs: (req) => (req.body as { by: string }).by, check: intakeBy } },
        schema: { summary: 'Register a request, an inspection finding or planned work', tags: ['work orders'], body: intakeSchema },
      },
      async (req, reply) => {
        // The key that registers it is recorded with it: an integration acts only on orders it registered.
        const order = await deps.workOrders.open({
          ...req.body,
          channel: req.body.channel as never,
          key: req.principal?.kind === 'key' ? req.principal.id : undefined,
        });
        reply.status(201).header('location', `/api/work-orders/${order.id}`);
        return order;
      },
    );

    r.get(
      '/work-orders/:id',
      {
        config: { access: { roles: everyone, scope: orderSite, check: technicianSees } },
        schema: { summary: 'One work order with its history, attachments and the actions allowed now', tags: ['work orders'], params: idParams },
      },
      async (req) => {
        const found = await orderOf(req);
        if (!found) throw new FmsError('FMS_ERR_WORK_ORDER_NOT_FOUND', `no work order "${req.params.id}"`);
        return { ...found.order, allowedActions: allowedActions(found.order), history: found.history, attachments: found.attachments };
      },
    );

    r.post(
      '/work-orders/:id/actions',
      {
        config: { access: { roles: [...field, 'integration'], scope: orderSite, actsAs: (req) => (req.body as { by: string }).by, check: mayAct } },
        // Attachments arrive base64-encoded in the body: a third larger than the file.
        bodyLimit: Math.ceil((deps.attachmentMaxBytes * 4) / 3) + 64 * 1024,
        schema: {
          summary:
            'Act on a work order: assign, acknowledge, start, hold, resume, record, resolve, verify, reject, close, cancel, reopen, comment, rate, attach',
          tags: ['work orders'],
          params: idParams,
          body: actionSchema,
        },
      },
      async (req) => {
        // The order as the access checks read it: the service acts on it unless it changed meanwhile.
        const order = await deps.workOrders.act(req.params.id, req.body, await orderOf(req));
        // Acceptance and the end of an order are what an auditor asks about.
        const action = req.body.action;
        if (audited.has(action)) {
          const check = 'check' in req.body && req.body.check ? ` (${req.body.check})` : '';
          auditRequest(
            deps.audit,
            req,
            `work_order.${audited.get(action)}`,
            `work order ${req.params.id}`,
            `by ${req.body.by}${check}${'note' in req.body && req.body.note ? `: ${req.body.note}` : ''}`,
          );
        }
        return order;
      },
    );

    r.get(
      '/work-orders/:id/attachments/:attachmentId',
      {
        config: { access: { roles: staff, scope: orderSite, check: technicianSees } },
        schema: { summary: 'Download an attachment', tags: ['work orders'], params: z.object({ id: z.string(), attachmentId: z.string() }) },
      },
      async (req, reply) => {
        const a = await deps.workOrders.attachment(req.params.id, req.params.attachmentId);
        reply.header('content-type', a.contentType);
        // An ASCII name for every client and the real one (a photo named in Chinese) for those that read RFC 6266;
        // a header with other characters is refused by Node (the download failed with 500).
        const ascii = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
        reply.header(
          'content-disposition',
          `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
        );
        // Personal and never changing: the browser keeps it to itself and not after the session.
        reply.header('cache-control', 'private, no-store');
        reply.header('etag', `"${a.sha256}"`);
        reply.header('x-checksum-sha256', a.sha256);
        return reply.send(a.bytes);
      },
    );
  };
