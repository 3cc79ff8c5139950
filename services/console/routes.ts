import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarm-service.ts';
import { publicAccess, staff, anySite, type Access } from '../api/access.ts';
import { auditRefusal } from '../api/request-audit.ts';
import { checkSameOrigin } from '../api/session-cookie.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { isFmsError } from '../shared/errors.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import { technicianSeesOrder } from '../work-orders/people.ts';
import { ApiRefusal, apiClient, type ApiClient } from './api-client.ts';
import { registerAssetPages } from './asset-routes.ts';
import { registerPeoplePages } from './people-routes.ts';
import { html } from './html.ts';
import { duration, languageOf, LANG_COOKIE, messages, type Lang } from './i18n.ts';
import { barePage, contextOf, page, principalOf, type PageContext } from './layout.ts';
import { notificationsPage } from './pages/notifications.ts';
import { alarmsPage, sitesPage } from './pages/alarms.ts';
import { orderPage } from './pages/order.ts';
import { boardPage, myOrdersPage } from './pages/orders.ts';
import { signInPage } from './pages/signin.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console page: answered in HTML, a visitor who is not signed in is sent to the sign-in page. */
    page?: boolean;
  }
}

export interface ConsoleDeps {
  workOrders: WorkOrderService;
  alarms: AlarmService;
  audit: AuditLog;
  log: Logger;
  now: () => number;
  /** The estate's sites. */
  sites: () => string[];
  timeZoneOf: (site: string) => string;
  /** Largest attachment accepted (FMS_ATTACHMENT_MAX_MB). */
  attachmentMaxBytes: number;
  /** A person's unseen in-app notifications (the bell), and news of a new one (live updates). */
  notices?: { unseen(recipient: string): Promise<number>; on(name: 'inapp', listener: (e: { personId: string }) => void): () => void };
}

/** Live-update streams one principal may hold (tabs and phone), and all of them together. */
export const LIVE_STREAMS_PER_PRINCIPAL = 8;
export const LIVE_STREAMS_IN_ALL = 2000;
const LIVE_HEARTBEAT_MS = 25_000;

const asset = (name: string) => readFileSync(new URL(`./static/${name}`, import.meta.url));
/** A path on this server to go back to after signing in or switching language; anything else goes home. */
export const localPath = (next: unknown) => (typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/');
/** A request's address for the log, without the CSRF token a multipart form carries in it. */
const loggedUrl = (url: string) => url.replace(/([?&]_csrf=)[^&]*/g, '$1…');

/**
 * The console: server-rendered pages at `/` for the people of the service process. Pages read and act
 * through the HTTP API in process (api-client.ts), so every rule, access check and audit record is the
 * API's own. Plain HTML forms work without JavaScript; /console/app.js adds live updates and little more.
 */
export async function registerConsole(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const files = {
    css: asset('app.css'),
    js: asset('app.js'),
    icon: asset('icon.svg'),
  };
  const etag = (b: Buffer) => `"${createHash('sha256').update(b).digest('base64url').slice(0, 16)}"`;
  const pageAccess: Access = { roles: staff, scope: anySite };
  const zone = (site: string | null) => (site ? deps.timeZoneOf(site) : deps.timeZoneOf(deps.sites()[0] ?? ''));

  await app.register(async (c) => {
    // URL-encoded forms are parsed by the API's own parser (server.ts); photos come as multipart.
    await c.register(fastifyMultipart, {
      limits: { fileSize: deps.attachmentMaxBytes, files: 30, fields: 100, fieldSize: 8 * 1024, parts: 130 },
    });

    c.setErrorHandler((err, req, reply) => {
      const lang = languageOf(req);
      const m = messages[lang];
      if (isFmsError(err) && (err.code === 'FMS_ERR_API_UNAUTHENTICATED' || err.code === 'FMS_ERR_SESSION_EXPIRED')) {
        // The access check cleared a cookie that signs in no more; the sign-in page says why when it expired.
        const expired = err.code === 'FMS_ERR_SESSION_EXPIRED' ? '&expired=1' : '';
        return reply.redirect(`/signin?next=${encodeURIComponent(localPath(req.url))}${expired}`, 303);
      }
      if (isFmsError(err) && err.code === 'FMS_ERR_API_FORBIDDEN') {
        auditRefusal(deps.audit, req, err);
        return reply
          .status(403)
          .type('text/html; charset=utf-8')
          .send(errorPage(req, lang, m.forbidden, err.message));
      }
      const status = isFmsError(err) ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
      if (status >= 500) deps.log.error({ err, url: loggedUrl(req.url) }, 'console page failed');
      return reply
        .status(status)
        .type('text/html; charset=utf-8')
        .send(errorPage(req, lang, status === 404 ? m.notFound : m.error, status >= 500 ? m.error : (err as Error).message));
    });

    const errorPage = (req: FastifyRequest, lang: Lang, title: string, text: string) => {
      const content = html`<h1>${title}</h1>
        <p>${text}</p>
        <p><a href="/">${messages[lang].back}</a></p>`;
      return principalOf(req) ? page(contextOf(req, deps.now(), zone), title, content) : barePage(lang, title, content);
    };

    /** Runs a page: an API refusal becomes the matching page (sign in again, not found, not allowed). */
    const render = async (
      req: FastifyRequest,
      reply: FastifyReply,
      make: (api: ApiClient, ctx: PageContext) => Promise<string | { status: number; body: string } | { redirect: string }>,
    ) => {
      const ctx = contextOf(req, deps.now(), zone);
      const person = req.principal?.personId;
      if (person && deps.notices) ctx.unseen = await deps.notices.unseen(`person:${person}`).catch(() => undefined);
      try {
        const out = await make(apiClient(app, req), ctx);
        if (typeof out !== 'string' && 'redirect' in out) return reply.redirect(out.redirect, 303);
        const { status, body } = typeof out === 'string' ? { status: 200, body: out } : out;
        return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
      } catch (err) {
        if (!(err instanceof ApiRefusal)) throw err;
        if (err.status === 401) return reply.redirect(`/signin?next=${encodeURIComponent(localPath(req.url))}`, 303);
        const title = err.status === 404 ? ctx.m.notFound : err.status === 403 ? ctx.m.forbidden : ctx.m.error;
        const text = err.status === 404 ? ctx.m.notFoundText : err.message;
        return reply
          .status(err.status)
          .type('text/html; charset=utf-8')
          .send(
            page(
              ctx,
              title,
              html`<h1>${title}</h1>
                <p>${text}</p>
                <p><a href="/">${ctx.m.back}</a></p>`,
            ),
          );
      }
    };

    // Static files: the stylesheet and the progressive script, public (the sign-in page uses them).
    for (const [name, body, type] of [
      ['app.css', files.css, 'text/css; charset=utf-8'],
      ['app.js', files.js, 'text/javascript; charset=utf-8'],
      ['icon.svg', files.icon, 'image/svg+xml'],
    ] as const) {
      const tag = etag(body);
      c.get(`/console/${name}`, { config: { access: publicAccess }, schema: { hide: true } }, async (req, reply) => {
        reply.header('etag', tag).header('cache-control', 'no-cache').type(type);
        if (req.headers['if-none-match'] === tag) return reply.status(304).send();
        return reply.send(body);
      });
    }

    c.get('/lang/:lang', { config: { access: publicAccess }, schema: { hide: true } }, async (req, reply) => {
      const lang = (req.params as { lang: string }).lang === 'zh' ? 'zh' : 'en';
      reply.header('set-cookie', `${LANG_COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax`);
      return reply.redirect(localPath((req.query as { next?: string }).next), 303);
    });

    c.get('/', { config: { access: pageAccess, page: true }, schema: { hide: true } }, async (req, reply) => {
      const p = principalOf(req);
      const home = !p ? '/board' : p.role === 'technician' ? '/orders' : p.role === 'viewer' ? '/sites' : '/board';
      return reply.redirect(home, 303);
    });

    c.get('/signin', { config: { access: publicAccess }, schema: { hide: true } }, async (req, reply) => {
      const q = req.query as { next?: string; expired?: string };
      const lang = languageOf(req);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(signInPage(lang, { next: localPath(q.next), ...(q.expired ? { notice: messages[lang].sessionExpired } : {}) }));
    });

    c.post('/signin', { config: { access: publicAccess }, schema: { hide: true } }, async (req, reply) => {
      // A public route: the origin check the access control makes on signed-in requests is made here.
      checkSameOrigin(req);
      const b = (req.body ?? {}) as { user?: string; password?: string; next?: string };
      const lang = languageOf(req);
      const answer = await apiClient(app, req).call('POST', '/api/session', { user: String(b.user ?? ''), password: String(b.password ?? '') });
      if (answer.status >= 400) {
        const e = (answer.body as { error?: { code?: string; message?: string; retryAfter?: number } }).error;
        const m = messages[lang];
        // The person's own language for what they can act on; the API's words for anything else.
        const error =
          e?.code === 'FMS_ERR_SESSION_SIGN_IN_FAILED'
            ? m.signInWrong
            : e?.code === 'FMS_ERR_SESSION_LOCKED'
              ? m.signInLocked(duration(Math.max(1, Number(e.retryAfter) || 1) * 1000, m))
              : e?.code === 'FMS_ERR_ACCOUNT_DISABLED'
                ? m.signInDisabled
                : (e?.message ?? `HTTP ${answer.status}`);
        const retry = answer.headers['retry-after'];
        if (retry) reply.header('retry-after', String(retry));
        return reply
          .status(answer.status)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(signInPage(lang, { next: localPath(b.next), user: String(b.user ?? ''), error }));
      }
      const cookie = answer.headers['set-cookie'];
      if (cookie) reply.header('set-cookie', cookie);
      return reply.redirect(localPath(b.next), 303);
    });

    c.post('/signout', { config: { access: publicAccess }, schema: { hide: true } }, async (req, reply) => {
      checkSameOrigin(req);
      const answer = await apiClient(app, req).call('DELETE', '/api/session');
      const cookie = answer.headers['set-cookie'];
      if (cookie) reply.header('set-cookie', cookie);
      return reply.redirect('/signin', 303);
    });

    c.get('/orders', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) => render(req, reply, myOrdersPage));

    c.get('/board', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) => {
      const q = req.query as { site?: string; priority?: string; breached?: string; offset?: string };
      return render(req, reply, (api, ctx) =>
        boardPage(
          api,
          ctx,
          { site: q.site || undefined, priority: q.priority || undefined, breached: q.breached, offset: Number(q.offset) || 0 },
          deps.sites(),
        ),
      );
    });

    c.get('/orders/:id', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) =>
      render(req, reply, (api, ctx) => orderPage(api, ctx, (req.params as { id: string }).id)),
    );

    c.post('/orders/:id/act', { config: { access: pageAccess, page: true }, schema: { hide: true } }, async (req, reply) => {
      const id = (req.params as { id: string }).id;
      return render(req, reply, async (api, ctx) => {
        const by = ctx.principal?.personId;
        // Who may act is settled before a byte of the form is read, and a form with photos may bring at most
        // one per photo step of the order's checklist and one more (the "attach a photo" form): an upload is
        // held in memory while it is read, so nobody else's form can make FMS hold more than the order needs.
        if (!by) {
          const refusal = 'only a person of the directory acts on orders: sign in with your own account';
          return { ...(await orderPage(api, ctx, id, { error: refusal })), status: 403 };
        }
        let form: Form;
        if (req.isMultipart()) {
          const order = await api.get<{ checklist: { type: string }[] }>(`/api/work-orders/${encodeURIComponent(id)}`);
          const photos = order.checklist.filter((st) => st.type === 'photo').length + 1;
          form = await readForm(req, {
            files: photos,
            fileBytes: deps.attachmentMaxBytes,
            tooMuch: ctx.m.photosTooMuch(photos, Math.floor(deps.attachmentMaxBytes / 1048576)),
          });
        } else form = await readForm(req);
        const action = String(form.fields.action ?? '');
        const version = Number(form.fields.version) || undefined;
        try {
          if (action === 'attach') {
            const file = form.files.file;
            if (!file) throw new ApiRefusal(400, 'FMS_ERR_API_BAD_REQUEST', ctx.m.takePhoto);
            await api.post(`/api/work-orders/${encodeURIComponent(id)}/actions`, {
              action: 'attach',
              by,
              filename: file.filename,
              data: file.data.toString('base64'),
            });
          } else if (action === 'record' || action === 'resolve') {
            const results = await checklistResults(api, id, by, form);
            const note = String(form.fields.note ?? '').trim();
            if (action === 'record') {
              if (results.length) await api.post(`/api/work-orders/${encodeURIComponent(id)}/actions`, { action, by, version, results });
            } else {
              await api.post(`/api/work-orders/${encodeURIComponent(id)}/actions`, { action, by, version, note: note || ctx.m.actions.resolve, results });
            }
          } else {
            const body: Record<string, unknown> = { action, by };
            if (version) body.version = version;
            for (const k of ['note', 'reason', 'assignee', 'check'] as const) {
              const v = String(form.fields[k] ?? '').trim();
              if (v) body[k] = v;
            }
            await api.post(`/api/work-orders/${encodeURIComponent(id)}/actions`, body);
          }
        } catch (err) {
          if (!(err instanceof ApiRefusal) || err.status === 401 || err.status === 404) throw err;
          const text = err.code === 'FMS_ERR_WORK_ORDER_CONFLICT' ? ctx.m.conflict : err.message;
          return orderPage(api, ctx, id, { error: text });
        }
        return { redirect: `/orders/${encodeURIComponent(id)}` };
      });
    });

    c.get('/alarms', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) =>
      render(req, reply, (api, ctx) => alarmsPage(api, ctx)),
    );

    c.post('/alarms/:id/ack', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) => {
      const id = (req.params as { id: string }).id;
      return render(req, reply, async (api, ctx) => {
        const by = ctx.principal?.personId;
        const answer = by ? await api.call('POST', `/api/alarms/${encodeURIComponent(id)}/ack`, { by }) : null;
        if (answer && answer.status < 300) return { redirect: '/alarms' };
        const message = answer
          ? ((answer.body as { error?: { message?: string } }).error?.message ?? `HTTP ${answer.status}`)
          : 'only a person of the directory acknowledges alarms';
        return alarmsPage(api, ctx, message);
      });
    });

    c.get('/notifications', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) =>
      render(req, reply, (api, ctx) => notificationsPage(api, ctx)),
    );

    c.get('/sites', { config: { access: pageAccess, page: true }, schema: { hide: true } }, (req, reply) =>
      render(req, reply, (api, ctx) => sitesPage(api, ctx)),
    );

    registerAssetPages(c, { render, access: pageAccess, sites: deps.sites });
    registerPeoplePages(c, { render, access: pageAccess, sites: deps.sites, api: (req) => apiClient(app, req), localPath });

    // An address that is no page (a mistyped or an old link), asked for by a browser: a page that says so
    // in the person's language. The API's addresses, and whoever does not ask for HTML, get the API's JSON 404.
    c.get('/*', { config: { access: publicAccess }, schema: { hide: true } }, async (req, reply) => {
      if (req.url.startsWith('/api/') || !(req.headers.accept ?? '').includes('text/html')) return reply.callNotFound();
      const lang = languageOf(req);
      return reply
        .status(404)
        .type('text/html; charset=utf-8')
        .send(errorPage(req, lang, messages[lang].notFound, messages[lang].notFoundText));
    });

    // Live updates: a server-sent event whenever an order or an alarm the principal may see changes;
    // the page's script then reloads its content (app.js). A few streams per principal (a person's tabs
    // and phone) and a bounded number in all: each holds a connection; a stream ends with its session.
    const streams = new Map<string, number>();
    let streaming = 0;
    c.get('/console/events', { config: { access: pageAccess }, schema: { hide: true } }, async (req, reply) => {
      const p = req.principal;
      const who = p ? `${p.kind}:${p.id}` : `address:${req.ip}`;
      if ((streams.get(who) ?? 0) >= LIVE_STREAMS_PER_PRINCIPAL || streaming >= LIVE_STREAMS_IN_ALL) {
        // The page keeps working without live updates; its script tries again later (retry below).
        return reply.status(429).header('retry-after', '60').type('text/plain; charset=utf-8').send('too many live-update streams open; try again later');
      }
      const sites = p?.sites ?? null;
      const technician = p?.role === 'technician' && p.personId ? p.personId : null;
      const visible = (site: string | null) => sites === null || (site !== null && sites.includes(site));
      const seesOrder = (o: { site: string | null; assignee: string | null; team: string | null }) =>
        visible(o.site) && (technician === null || technicianSeesOrder(o, technician, deps.workOrders.teams()));
      streams.set(who, (streams.get(who) ?? 0) + 1);
      streaming++;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 5000\n\n');
      const send = (kind: string, id: string, show: boolean): void => {
        if (show) res.write(`event: change\ndata: ${JSON.stringify({ kind, id })}\n\n`);
      };
      const off = [
        deps.workOrders.on('changed', ({ order }) => send('order', order.id, seesOrder(order))),
        deps.alarms.on('raised', ({ alarm }) => send('alarm', String(alarm.id), visible(alarm.site))),
        deps.alarms.on('acknowledged', ({ alarm }) => send('alarm', String(alarm.id), visible(alarm.site))),
        deps.alarms.on('cleared', ({ alarm }) => send('alarm', String(alarm.id), visible(alarm.site))),
        deps.alarms.on('escalated', ({ alarm }) => send('alarm', String(alarm.id), visible(alarm.site))),
        ...(deps.notices ? [deps.notices.on('inapp', ({ personId }) => send('notice', personId, personId === p?.personId))] : []),
      ];
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(beat);
        for (const f of off) f();
        const left = (streams.get(who) ?? 1) - 1;
        if (left > 0) streams.set(who, left);
        else streams.delete(who);
        streaming--;
        res.end();
      };
      // The heartbeat keeps the connection open through proxies, and asks whether its credentials still
      // sign in: a stream of a session that ended (signed out, expired, account disabled) or a revoked key ends too.
      const beat = setInterval(() => {
        res.write(': keep-alive\n\n');
        void apiClient(app, req)
          .call('GET', '/api/session')
          .then(
            (a) => a.status === 401 && close(),
            () => undefined,
          );
      }, LIVE_HEARTBEAT_MS);
      beat.unref();
      req.raw.on('close', close);
      res.on('error', close);
    });
  });
}

interface Form {
  fields: Record<string, string>;
  files: Record<string, { filename: string; data: Buffer }>;
}

/**
 * A posted form, URL-encoded or multipart (with photos), as fields and files. A multipart form may bring
 * at most `limits.files` files of `limits.fileBytes` each; past either, reading stops and the person is
 * told (`limits.tooMuch`) — 413, nothing acted on.
 */
async function readForm(req: FastifyRequest, limits?: { files: number; fileBytes: number; tooMuch: string }): Promise<Form> {
  const form: Form = { fields: {}, files: {} };
  if (!req.isMultipart()) {
    for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) form.fields[k] = Array.isArray(v) ? String(v[0]) : String(v);
    return form;
  }
  const tooMuch = () => new ApiRefusal(413, 'FMS_ERR_API_BAD_REQUEST', limits?.tooMuch ?? 'too many or too large files');
  let files = 0;
  try {
    for await (const part of req.parts({ limits: { files: limits?.files ?? 1, fileSize: limits?.fileBytes ?? 0 } })) {
      if (part.type === 'file') {
        if (++files > (limits?.files ?? 0)) throw tooMuch();
        const data = await part.toBuffer();
        if (data.length > 0) form.files[part.fieldname] = { filename: part.filename || 'photo', data };
      } else form.fields[part.fieldname] = String(part.value);
    }
  } catch (err) {
    if (err instanceof ApiRefusal) throw err;
    // @fastify/multipart's own limits: a file too large, too many files or parts.
    if (/^FST_(REQ_FILE_TOO_LARGE|FILES_LIMIT|PARTS_LIMIT|FIELDS_LIMIT)$/.test((err as { code?: string }).code ?? '')) throw tooMuch();
    throw err;
  }
  return form;
}

/** The checklist form's steps as the API's results; each photo is attached first and named by its id. */
async function checklistResults(api: ApiClient, id: string, by: string, form: Form): Promise<Record<string, unknown>[]> {
  const order = await api.get<{ checklist: { type: string }[]; attachments: { id: string; sha256: string }[] }>(`/api/work-orders/${encodeURIComponent(id)}`);
  const results: Record<string, unknown>[] = [];
  for (let i = 0; i < order.checklist.length; i++) {
    const type = order.checklist[i]!.type;
    const v = form.fields[`step${i}`];
    const file = form.files[`step${i}`];
    if (type === 'photo' && file) {
      await api.post(`/api/work-orders/${encodeURIComponent(id)}/actions`, {
        action: 'attach',
        by,
        filename: file.filename,
        data: file.data.toString('base64'),
      });
      const sha = createHash('sha256').update(file.data).digest('hex');
      const after = await api.get<{ attachments: { id: string; sha256: string }[] }>(`/api/work-orders/${encodeURIComponent(id)}`);
      const photo = after.attachments.find((a) => a.sha256 === sha);
      if (photo) results.push({ step: i, done: true, photo: photo.id });
    } else if (type === 'measurement' && v !== undefined && v.trim() !== '') results.push({ step: i, done: true, value: Number(v) });
    else if (type === 'pass_fail' && (v === 'pass' || v === 'fail')) results.push({ step: i, done: true, passed: v === 'pass' });
    else if (type === 'check' && v === 'done') results.push({ step: i, done: true });
  }
  return results;
}
