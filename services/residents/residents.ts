import { createHash, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { publicAccess } from '../api/access.ts';
import { checkSameOrigin } from '../api/session-cookie.ts';
import type { Asset } from '../assets/asset.ts';
import { languageOf, type Lang } from '../console/i18n.ts';
import { isFmsError } from '../shared/errors.ts';
import { sniffType } from '../work-orders/attachment-files.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import { isOpen } from '../work-orders/work-order.ts';
import { createFormTokens, newTrackingToken, type FormTokens } from './form-token.ts';
import { createHourlyLimit } from './hourly-limit.ts';
import type { Tell } from './message.ts';
import { registerPosterPages } from './poster-pages.ts';
import type { ResidentStore } from './resident-store.ts';
import {
  awaitsRequester,
  codeStepPage,
  HONEYPOT,
  messagePage,
  quietThanksPage,
  requestFormPage,
  residentCategories,
  trackPage,
  type Fields,
  type RequestFormOptions,
  type Where,
} from './resident-pages.ts';
import type { ResidentsConfig } from './residents-config.ts';
import { residentMessages } from './residents-i18n.ts';

export interface ResidentsDeps {
  config: ResidentsConfig;
  store: ResidentStore;
  workOrders: WorkOrderService;
  assets: { get(id: string): Asset | undefined; list(): Asset[] };
  /** The estate's sites, and a site's display name. */
  sites: () => string[];
  siteName: (site: string) => string;
  timeZoneOf: (site: string) => string;
  /** Tells a resident (the durable outbox: email or SMS). */
  tell: Tell;
  metrics: { registry: Registry };
  log: Logger;
  now: () => number;
}

/** Why a resident's submission or link was refused (the `reason` of fms_resident_refusals_total). */
export type RefusalReason =
  | 'site_closed'
  | 'asset_site'
  | 'form_token'
  | 'form_expired'
  | 'honeypot'
  | 'rate_address'
  | 'rate_contact'
  | 'invalid'
  | 'photo_type'
  | 'photo_size'
  | 'too_large'
  | 'wrong_form'
  | 'code_wrong'
  | 'code_expired'
  | 'code_tries'
  | 'unknown_token'
  | 'expired_token'
  | 'not_now';

/** A tracking link works this long after its order closed. */
export const LINK_DAYS_AFTER_CLOSING = 30;
const DAY = 86_400_000;
const CODE_MS = 10 * 60_000;
const CODE_TRIES = 5;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const asset = (name: string) => readFileSync(new URL(`./static/${name}`, import.meta.url));
const PHONE = /^(1\d{10}|\+\d{8,15})$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly status: number,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/**
 * The residents' channel (docs/residents.md): public request pages per site and per asset, reached from a
 * printed QR poster; the request becomes a work order of the service process (source `request`, channel
 * `app`); a tracking link follows it, and through it the resident confirms the work and rates it.
 */
export async function registerResidents(app: FastifyInstance, deps: ResidentsDeps): Promise<void> {
  const { config, store, log } = deps;
  const refusals =
    (deps.metrics.registry.getSingleMetric('fms_resident_refusals_total') as Counter<'reason'> | undefined) ??
    new Counter({
      name: 'fms_resident_refusals_total',
      help: "Residents' submissions and links refused, by reason",
      labelNames: ['reason'],
      registers: [deps.metrics.registry],
    });
  const filed =
    (deps.metrics.registry.getSingleMetric('fms_resident_requests_total') as Counter<'site'> | undefined) ??
    new Counter({ name: 'fms_resident_requests_total', help: 'Requests residents filed, by site', labelNames: ['site'], registers: [deps.metrics.registry] });
  const tokens: FormTokens = createFormTokens(await store.formSecret(() => randomBytes(32).toString('base64url')), deps.now);
  const byAddress = createHourlyLimit(() => config.perAddressPerHour, deps.now);
  const byContact = createHourlyLimit(() => config.perContactPerHour, deps.now);
  const photoMaxBytes = Math.round(config.photoMaxMb * 1024 * 1024);
  const css = asset('residents.css');
  const open = (site: string) => config.sites.includes(site) && deps.sites().includes(site);

  // The link of a closed order expires 30 days after it closed; reopened, it works again.
  deps.workOrders.on('changed', ({ event, order }) => {
    if (order.source !== 'request') return;
    if (event === 'resolve' && awaitsRequester(order)) void tellDone(order.id);
    if ((order.state === 'closed' || order.state === 'cancelled') && order.closedAt !== null)
      void store
        .setExpiry(order.id, order.closedAt + LINK_DAYS_AFTER_CLOSING * DAY)
        .catch((err) => log.warn({ err, workOrderId: order.id }, 'link expiry not set'));
    else if (event === 'reopen' || event === 'reopened' || (event === 'rate' && isOpen(order.state)))
      void store.setExpiry(order.id, null).catch((err) => log.warn({ err, workOrderId: order.id }, 'link expiry not cleared'));
  });

  /** The work is done: the resident is asked to check it (the link itself is theirs only, so the message points to it). */
  async function tellDone(workOrderId: string): Promise<void> {
    try {
      for (const r of await store.byOrder(workOrderId)) {
        const rm = residentMessages[r.language];
        await tellSafely(
          { ...(r.email ? { email: r.email } : {}), ...(r.phone ? { phone: r.phone } : {}) },
          { language: r.language, title: rm.doneTitle(workOrderId), text: rm.doneMessage(workOrderId), event: 'resident.resolved', subjectId: workOrderId },
        );
      }
    } catch (err) {
      log.warn({ err, workOrderId }, 'resident not told the work is done');
    }
  }

  const refuse = (req: FastifyRequest, reason: RefusalReason, extra: Record<string, unknown> = {}) => {
    refusals.labels(reason).inc();
    log.info({ reason, address: req.ip, url: req.url.split('?')[0]!.slice(0, 200), ...extra }, 'resident submission refused');
  };
  const baseUrl = (req: FastifyRequest) => (config.publicUrl ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
  const send = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  /** The place a request URL names: the site (open to residents) and the asset, which must be that site's. */
  function whereOf(req: FastifyRequest): Where {
    const { site, asset: assetId } = req.params as { site: string; asset?: string };
    const lang = languageOf(req);
    if (!open(site)) throw new Refusal('site_closed', 404, residentMessages[lang].refused.site_closed);
    const place = (req.query as { place?: unknown }).place;
    const where: Where = { site, siteName: deps.siteName(site), ...(typeof place === 'string' && place ? { place: place.slice(0, 200) } : {}) };
    if (assetId === undefined) return where;
    const a = deps.assets.get(assetId);
    if (!a || a.site !== site) throw new Refusal('asset_site', 404, residentMessages[lang].refused.asset_site);
    return { ...where, asset: { id: a.id, name: a.name || a.id, location: a.location ?? null, type: a.type } };
  }
  const actionOf = (w: Where) => `/request/${encodeURIComponent(w.site)}${w.asset ? `/${encodeURIComponent(w.asset.id)}` : ''}`;
  const scopeOf = (w: Where) => `request:${w.site}:${w.asset?.id ?? ''}`;
  const formOptions = (req: FastifyRequest, w: Where, over: Partial<RequestFormOptions> = {}): RequestFormOptions => ({
    lang: languageOf(req),
    where: w,
    action: actionOf(w),
    formToken: tokens.issue(scopeOf(w)),
    photos: config.photos,
    photoMb: config.photoMaxMb,
    verify: config.verify,
    hotline: config.hotline,
    path: req.url,
    ...over,
  });

  await app.register(async (c) => {
    await c.register(fastifyMultipart, {
      limits: { fileSize: photoMaxBytes, files: config.photos, fields: 20, fieldSize: 16 * 1024, parts: 20 + config.photos, headerPairs: 100 },
    });

    c.setErrorHandler((err, req, reply) => {
      const lang = languageOf(req);
      const m = residentMessages[lang];
      if (err instanceof Refusal) {
        refuse(req, err.reason);
        if (err.retryAfterS) reply.header('retry-after', String(err.retryAfterS));
        const title = err.reason === 'expired_token' ? m.expiredTitle : err.status === 404 ? m.notFoundTitle : m.refusedTitle;
        return send(reply, err.status, messagePage(lang, title, err.message, req.url));
      }
      if (isFmsError(err) && (err.code === 'FMS_ERR_API_UNAUTHENTICATED' || err.code === 'FMS_ERR_SESSION_EXPIRED'))
        return reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303); // a staff page (posters)
      if (isFmsError(err) && err.code === 'FMS_ERR_API_FORBIDDEN') return send(reply, 403, messagePage(lang, m.refusedTitle, err.message, req.url));
      const code = (err as { code?: string }).code ?? '';
      // Too many fields is no resident's form (it has a dozen): the form was forged or altered.
      if (code === 'FST_FIELDS_LIMIT') {
        refuse(req, 'wrong_form', { code });
        return send(reply, 400, messagePage(lang, m.refusedTitle, m.refused.wrong_form, req.url));
      }
      if (/^FST_(REQ_FILE_TOO_LARGE|FILES_LIMIT|PARTS_LIMIT)$/.test(code)) {
        refuse(req, 'photo_size', { code });
        return send(reply, 413, messagePage(lang, m.refusedTitle, m.refused.photo_size(config.photos, config.photoMaxMb), req.url));
      }
      const status = isFmsError(err) ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
      if (status === 413) {
        refuse(req, 'too_large');
        return send(reply, 413, messagePage(lang, m.refusedTitle, m.refused.too_large, req.url));
      }
      if (status >= 400 && status < 500) {
        // A body that is no form (JSON nested too deep, not parseable) or a same-origin check that failed.
        refuse(req, isFmsError(err) && err.code === 'FMS_ERR_API_CSRF' ? 'form_token' : 'wrong_form', { code });
        return send(
          reply,
          status,
          messagePage(lang, m.refusedTitle, isFmsError(err) && err.code === 'FMS_ERR_API_CSRF' ? m.refused.form_token : m.refused.wrong_form, req.url),
        );
      }
      log.error({ err, url: req.url.split('?')[0] }, 'resident page failed');
      return send(reply, 500, messagePage(lang, m.refusedTitle, 'Error · 出错了', req.url));
    });

    const config_ = { access: publicAccess };
    const schema = { hide: true };

    c.get('/residents/residents.css', { config: config_, schema }, async (_req, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(css),
    );

    const showForm = async (req: FastifyRequest, reply: FastifyReply) => {
      const w = whereOf(req);
      const o = formOptions(req, w);
      return send(reply, 200, config.verify === 'none' ? requestFormPage(o) : codeStepPage(o));
    };
    c.get('/request/:site', { config: config_, schema }, showForm);
    c.get('/request/:site/:asset', { config: config_, schema }, showForm);

    /**
     * What both posts begin with: a post from a page of another origin refused, the place and the
     * language read, `beforeRead`'s checks, the form read; a bot that filled the honeypot is told it
     * worked and learns nothing (the count and the log say otherwise), and there is nothing more to do.
     */
    const openSubmission = async (req: FastifyRequest, reply: FastifyReply, beforeRead: (m: (typeof residentMessages)[Lang]) => void) => {
      checkSameOrigin(req);
      const w = whereOf(req);
      const lang = languageOf(req);
      const m = residentMessages[lang];
      beforeRead(m);
      const form = await readForm(req, m);
      if (!form.fields[HONEYPOT]) return { w, lang, m, form };
      refuse(req, 'honeypot');
      await send(reply, 200, quietThanksPage(lang, req.url));
      return undefined;
    };

    const sendCode = async (req: FastifyRequest, reply: FastifyReply) => {
      const opened = await openSubmission(req, reply, (m) => {
        if (config.verify === 'none') throw new Refusal('wrong_form', 404, m.refused.wrong_form);
      });
      if (!opened) return reply;
      const { w, lang, m, form } = opened;
      checkToken(form.fields._form, scopeOf(w), m);
      const sms = config.verify === 'sms';
      const contact = (sms ? form.fields.phone : form.fields.email)?.trim().replace(/[\s-]/g, sms ? '' : ' ') ?? '';
      const fields: Fields = sms ? { phone: contact } : { email: contact };
      const invalid = sms ? !PHONE.test(contact) && m.refused.phone : !EMAIL.test(contact) && m.refused.email;
      if (invalid) {
        refuse(req, 'invalid', { field: sms ? 'phone' : 'email' });
        return send(reply, 400, codeStepPage(formOptions(req, w, { fields, error: invalid })));
      }
      limit(req, contact, m);
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const key = sha256(`${config.verify}:${contact.toLowerCase()}`);
      await store.putCode(key, { codeHash: sha256(`${key}:${code}`), tries: 0, expiresAt: deps.now() + CODE_MS });
      byAddress.use(`a:${req.ip}`);
      byContact.use(`c:${sha256(contact.toLowerCase())}`);
      const language = lang;
      await tellSafely(sms ? { phone: contact } : { email: contact }, {
        language,
        title: residentMessages[language].codeTitle,
        text: residentMessages[language].codeMessage(code),
        event: 'resident.code',
        subjectId: w.site,
      });
      return send(reply, 200, requestFormPage(formOptions(req, w, { verifiedContact: contact, fields, notice: m.codeSent(contact) })));
    };
    c.post('/request/:site/code', { config: config_, schema }, sendCode);
    c.post('/request/:site/:asset/code', { config: config_, schema }, sendCode);

    const fileRequest = async (req: FastifyRequest, reply: FastifyReply) => {
      const opened = await openSubmission(req, reply, (m) => {
        // Checked before the body is read too: a full address does not get its photos held in memory.
        const early = byAddress.check(`a:${req.ip}`);
        if (!early.ok) throw new Refusal('rate_address', 429, m.refused.rate_address(Math.ceil(early.retryAfterS / 60)), early.retryAfterS);
      });
      if (!opened) return reply;
      const { w, lang, m, form } = opened;
      const f = form.fields;
      const fields: Fields = {
        category: f.category,
        description: f.description,
        place: f.place,
        name: f.name,
        phone: f.phone,
        email: f.email,
        unit: f.unit,
        language: f.language,
      };
      const again = (status: number, reason: RefusalReason, error: string, extra: Partial<RequestFormOptions> = {}) => {
        refuse(req, reason);
        const verifiedContact = config.verify === 'sms' ? f.phone : config.verify === 'email' ? f.email : undefined;
        return send(reply, status, requestFormPage(formOptions(req, w, { fields, error, ...(verifiedContact ? { verifiedContact } : {}), ...extra })));
      };
      const checked = tokens.check(f._form, scopeOf(w));
      if (checked === 'expired') return again(403, 'form_expired', m.refused.form_expired);
      if (checked !== 'ok') throw new Refusal('form_token', 403, m.refused.form_token);
      const addressOk = byAddress.check(`a:${req.ip}`);
      if (!addressOk.ok) throw new Refusal('rate_address', 429, m.refused.rate_address(Math.ceil(addressOk.retryAfterS / 60)), addressOk.retryAfterS);

      const category = residentCategories.find((k) => k === f.category);
      const description = (f.description ?? '').trim();
      const name = (f.name ?? '').trim();
      const phone = (f.phone ?? '').trim().replace(/[\s-]/g, '');
      const email = (f.email ?? '').trim();
      const place = (f.place ?? '').trim() || w.place || w.asset?.location || undefined;
      const unit = (f.unit ?? '').trim();
      const language: Lang = f.language === 'zh' || f.language === 'en' ? f.language : lang;
      if (!category) return again(400, 'invalid', m.refused.category);
      if (!description || description.length > 2000) return again(400, 'invalid', m.refused.description);
      if (!name || name.length > 100) return again(400, 'invalid', m.refused.name);
      if (!phone && !email) return again(400, 'invalid', m.refused.contact);
      if (phone && !PHONE.test(phone)) return again(400, 'invalid', m.refused.phone);
      if (email && (!EMAIL.test(email) || email.length > 254)) return again(400, 'invalid', m.refused.email);
      if ((place?.length ?? 0) > 200 || unit.length > 40) return again(400, 'invalid', m.refused.long);
      for (const p of form.files) {
        const kind = sniffType(p.data);
        if (!kind || !['image/jpeg', 'image/png', 'image/webp'].includes(kind.type)) return again(400, 'photo_type', m.refused.photo_type(p.filename));
      }
      const contacts = [phone, email.toLowerCase()].filter(Boolean).map((x) => `c:${sha256(x)}`);
      for (const key of contacts) {
        const ok = byContact.check(key);
        if (!ok.ok) throw new Refusal('rate_contact', 429, m.refused.rate_contact(Math.ceil(ok.retryAfterS / 60)), ok.retryAfterS);
      }
      if (config.verify !== 'none') {
        const contact = config.verify === 'sms' ? phone : email.toLowerCase();
        const problem = await checkCode(contact, (f.code ?? '').trim(), m);
        if (problem) return again(problem.status, problem.reason, problem.text);
      }

      const title = description.split('\n')[0]!.slice(0, 80);
      const order = await deps.workOrders.open({
        source: 'request',
        // The residents' own digital channel: a web form on their phone is what `app` stands for among the
        // process's channels (hotline, WeChat, app, front desk); `wechat` is kept for a WeChat integration.
        channel: 'app',
        category,
        title,
        description,
        site: w.site,
        ...(w.asset ? { assetId: w.asset.id } : {}),
        ...(place ? { location: place } : {}),
        requester: { name, ...(phone ? { phone } : {}), ...(email ? { email } : {}), ...(unit ? { unit } : {}) },
        by: 'requester',
      });
      for (const p of form.files) {
        await deps.workOrders.act(order.id, { action: 'attach', by: 'requester', filename: p.filename, data: p.data.toString('base64') });
      }
      const token = newTrackingToken();
      await store.add({
        tokenHash: sha256(token),
        workOrderId: order.id,
        site: w.site,
        name,
        phone: phone || null,
        email: email || null,
        language,
        createdAt: deps.now(),
        expiresAt: null,
      });
      byAddress.use(`a:${req.ip}`);
      for (const key of contacts) byContact.use(key);
      filed.labels(w.site).inc();
      log.info({ workOrderId: order.id, site: w.site, assetId: w.asset?.id, category, photos: form.files.length }, 'resident request filed');
      const link = `${baseUrl(req)}/track/${token}`;
      const rm = residentMessages[language];
      await tellSafely(
        { ...(email ? { email } : {}), ...(phone ? { phone } : {}) },
        { language, title: rm.receivedMessageTitle(order.id), text: rm.receivedMessage(order.id), link, event: 'resident.received', subjectId: order.id },
      );
      void store.purge(deps.now()).catch((err) => log.warn({ err }, 'expired resident requests not purged'));
      return reply.redirect(`/track/${token}?filed=1`, 303);
    };
    c.post('/request/:site', { config: config_, schema }, fileRequest);
    c.post('/request/:site/:asset', { config: config_, schema }, fileRequest);

    /** The request a tracking link names, or the refusal for an unknown or expired link. */
    async function tracked(req: FastifyRequest) {
      const token = (req.params as { token: string }).token;
      const m = residentMessages[languageOf(req)];
      const r = TOKEN.test(token) ? await store.byToken(sha256(token)) : undefined;
      const found = r ? await deps.workOrders.get(r.workOrderId) : undefined;
      if (!r || !found) throw new Refusal('unknown_token', 404, m.refused.unknown_token);
      const { order } = found;
      const closedFor = !isOpen(order.state) && order.closedAt !== null ? deps.now() - order.closedAt : 0;
      if ((r.expiresAt !== null && r.expiresAt <= deps.now()) || closedFor > LINK_DAYS_AFTER_CLOSING * DAY)
        throw new Refusal('expired_token', 410, m.refused.expired_token);
      return { token, request: r, ...found };
    }

    const showTrack = async (req: FastifyRequest, reply: FastifyReply, status = 200, error?: string) => {
      const t = await tracked(req);
      // The resident's own language for their own page, unless they switched it here.
      const lang = /(?:^|;\s*)fms_lang=(en|zh)\b/.test(req.headers.cookie ?? '') ? languageOf(req) : t.request.language;
      const path = `/track/${t.token}`;
      const justFiled = (req.query as { filed?: string }).filed === '1' && deps.now() - t.request.createdAt < 3_600_000;
      const toldTo = [t.request.email, t.request.phone].filter(Boolean).join(', ');
      return send(
        reply,
        status,
        trackPage({
          lang,
          order: t.order,
          history: t.history,
          zone: deps.timeZoneOf(t.request.site),
          now: deps.now(),
          formToken: tokens.issue(`track:${sha256(t.token)}`),
          path,
          link: `${baseUrl(req)}${path}`,
          ...(justFiled ? { filed: { link: `${baseUrl(req)}${path}`, toldTo } } : {}),
          ...(error ? { error } : {}),
        }),
      );
    };
    c.get('/track/:token', { config: config_, schema }, (req, reply) => showTrack(req, reply));

    c.post('/track/:token', { config: config_, schema }, async (req, reply) => {
      checkSameOrigin(req); // a browser's post from a page of another origin
      const t = await tracked(req);
      const m = residentMessages[languageOf(req)];
      if (
        req.isMultipart() ||
        typeof req.body !== 'object' ||
        req.body === null ||
        !(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      )
        throw new Refusal('wrong_form', 415, m.refused.wrong_form);
      const b = req.body as Record<string, unknown>;
      const field = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');
      checkToken(b._form, `track:${sha256(t.token)}`, m);
      const action = field('action');
      const note = field('note');
      const comment = field('comment');
      const score = Number(field('score'));
      const id = t.order.id;
      try {
        if (action === 'confirm')
          await deps.workOrders.act(id, { action: 'verify', check: 'requester', by: 'requester', note: 'confirmed on the tracking page' });
        else if (action === 'reject') {
          if (!note || note.length > 2000) {
            refuse(req, 'invalid', { field: 'note' });
            return showTrack(req, reply, 400, m.refused.note);
          }
          await deps.workOrders.act(id, { action: 'reject', by: 'requester', note });
        } else if (action === 'rate') {
          if (!Number.isInteger(score) || score < 1 || score > 5 || comment.length > 2000) {
            refuse(req, 'invalid', { field: 'score' });
            return showTrack(req, reply, 400, comment.length > 2000 ? m.refused.long : m.refused.score);
          }
          await deps.workOrders.act(id, { action: 'rate', by: 'requester', score, ...(comment ? { comment } : {}) });
        } else throw new Refusal('wrong_form', 400, m.refused.wrong_form);
      } catch (err) {
        if (!isFmsError(err) || err.status >= 500) throw err;
        // Someone else acted first (the order is no longer waiting for this): the page shows what is possible now.
        refuse(req, 'not_now', { code: err.code, workOrderId: id });
        return showTrack(req, reply, 409, m.refused.not_now);
      }
      log.info({ workOrderId: id, action }, 'resident acted on their request');
      return reply.redirect(`/track/${t.token}`, 303);
    });

    registerPosterPages(c, { config, assets: deps.assets, sites: deps.sites, siteName: deps.siteName, now: deps.now, timeZoneOf: deps.timeZoneOf });
  });

  function checkToken(token: unknown, scope: string, m: (typeof residentMessages)[Lang]): void {
    const checked = tokens.check(token, scope);
    if (checked === 'expired') throw new Refusal('form_expired', 403, m.refused.form_expired);
    if (checked !== 'ok') throw new Refusal('form_token', 403, m.refused.form_token);
  }

  function limit(req: FastifyRequest, contact: string, m: (typeof residentMessages)[Lang]): void {
    const a = byAddress.check(`a:${req.ip}`);
    if (!a.ok) throw new Refusal('rate_address', 429, m.refused.rate_address(Math.ceil(a.retryAfterS / 60)), a.retryAfterS);
    const cc = byContact.check(`c:${sha256(contact.toLowerCase())}`);
    if (!cc.ok) throw new Refusal('rate_contact', 429, m.refused.rate_contact(Math.ceil(cc.retryAfterS / 60)), cc.retryAfterS);
  }

  async function checkCode(contact: string, code: string, m: (typeof residentMessages)[Lang]) {
    if (!/^\d{6}$/.test(code)) return { status: 400, reason: 'code_wrong' as const, text: m.refused.code_missing };
    const key = sha256(`${config.verify}:${contact}`);
    const kept = await store.getCode(key);
    if (!kept || kept.expiresAt <= deps.now()) return { status: 403, reason: 'code_expired' as const, text: m.refused.code_expired };
    if (kept.tries >= CODE_TRIES) return { status: 403, reason: 'code_tries' as const, text: m.refused.code_tries };
    if (kept.codeHash !== sha256(`${key}:${code}`)) {
      const tries = await store.addTry(key);
      return tries >= CODE_TRIES
        ? { status: 403, reason: 'code_tries' as const, text: m.refused.code_tries }
        : { status: 400, reason: 'code_wrong' as const, text: m.refused.code_wrong(CODE_TRIES - tries) };
    }
    await store.dropCode(key);
    return undefined;
  }

  async function tellSafely(...args: Parameters<Tell>): Promise<void> {
    try {
      await deps.tell(...args);
    } catch (err) {
      // The order stands; the resident still sees the link on the page.
      log.warn({ err, event: args[1].event, subjectId: args[1].subjectId }, 'resident not told');
    }
  }

  /** A posted form: multipart (with photos) or URL-encoded; anything else is refused. */
  async function readForm(req: FastifyRequest, m: (typeof residentMessages)[Lang]) {
    const fields: Record<string, string> = {};
    const files: { filename: string; data: Buffer }[] = [];
    const type = req.headers['content-type'] ?? '';
    if (req.isMultipart()) {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const data = await part.toBuffer();
          if (data.length > 0) files.push({ filename: (part.filename || 'photo').slice(0, 200), data });
        } else if (typeof part.value === 'string' && !(part.fieldname in fields)) fields[part.fieldname] = part.value;
      }
    } else if (type.startsWith('application/x-www-form-urlencoded') && req.body && typeof req.body === 'object') {
      for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) if (typeof v === 'string') fields[k] = v;
    } else throw new Refusal('wrong_form', 415, m.refused.wrong_form);
    return { fields, files };
  }
}
