import type { Lang } from '../console/i18n.ts';
import { when } from '../console/i18n.ts';
import { html, type Html } from '../console/html.ts';
import { bareDocument } from '../console/layout.ts';
import type { WorkOrder, WorkOrderEvent } from '../work-orders/work-order.ts';
import { residentMessages, type ResidentMessages } from './residents-i18n.ts';

/** The categories a resident chooses from (the process's request categories, in their words). */
export const residentCategories = ['repair', 'complaint', 'suggestion'] as const;

/** The honeypot: a field people never see or fill (hidden by CSS, skipped by the keyboard); bots fill it. */
export const HONEYPOT = 'website';

/** A resident's page: no navigation, the language switch, the residents' stylesheet after the console's. */
export function residentPage(lang: Lang, title: string, content: Html, path: string): string {
  const m = residentMessages[lang];
  // Not indexed: a request page is per site and a tracking page is one resident's.
  const head = html`<meta name="robots" content="noindex" /> <link rel="stylesheet" href="/residents/residents.css" />`;
  return bareDocument({ lang, title, content, next: path, brand: m.brand, otherLanguage: m.otherLanguage, head, bodyClass: 'bare resident' });
}

/** Where the request is about, as the poster's address says. */
export interface Where {
  site: string;
  siteName: string;
  asset?: { id: string; name: string; location: string | null; type: string } | undefined;
  place?: string | undefined;
}

/** What the resident typed, kept when the form comes back with a refusal. */
export type Fields = Partial<Record<'category' | 'description' | 'place' | 'name' | 'phone' | 'email' | 'unit' | 'language' | 'code', string>>;

export interface RequestFormOptions {
  lang: Lang;
  where: Where;
  action: string;
  formToken: string;
  photos: number;
  photoMb: number;
  verify: 'none' | 'email' | 'sms';
  hotline: string | undefined;
  /** Verification on: the contact a code was sent to (the form then asks for the code). */
  verifiedContact?: string | undefined;
  fields?: Fields;
  error?: string | undefined;
  notice?: string | undefined;
  path: string;
}

const whereBox = (m: ResidentMessages, w: Where) =>
  html`<p class="where">
    <span>${m.site}: <strong>${w.siteName}</strong></span>
    ${w.asset ? html`<span>${m.asset}: <strong>${w.asset.name}</strong>${w.asset.location ? ` · ${w.asset.location}` : ''}</span>` : ''}
  </p>`;

const box = (kind: 'error' | 'notice', text: string | undefined) =>
  text ? html`<p class="${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>` : '';

const honeypot = html`<div class="hp" aria-hidden="true">
  <label for="${HONEYPOT}">Website</label><input id="${HONEYPOT}" name="${HONEYPOT}" tabindex="-1" autocomplete="off" />
</div>`;

/** The first step when verification is on: the contact a code goes to. */
export function codeStepPage(o: RequestFormOptions): string {
  const m = residentMessages[o.lang];
  const f = o.fields ?? {};
  const sms = o.verify === 'sms';
  return residentPage(
    o.lang,
    m.requestTitle,
    html`<div class="resident-form">
      <h1>${m.requestTitle}</h1>
      ${whereBox(m, o.where)}
      <p class="urgent">${m.urgent(o.hotline)}</p>
      ${box('error', o.error)}
      <form method="post" action="${o.action}/code" class="stack">
        <input type="hidden" name="_form" value="${o.formToken}" />
        ${honeypot}
        <p>${m.codeFirst(m.via[o.verify] ?? '')}</p>
        <label for="contact">${sms ? m.phone : m.email}</label>
        <input
          id="contact"
          name="${sms ? 'phone' : 'email'}"
          type="${sms ? 'tel' : 'email'}"
          autocomplete="${sms ? 'tel' : 'email'}"
          required
          maxlength="254"
          value="${(sms ? f.phone : f.email) ?? ''}"
        />
        <button type="submit">${m.sendCode}</button>
      </form>
    </div>`,
    o.path,
  );
}

/** The request form: category, what and where, photos, who and how to reach them. */
export function requestFormPage(o: RequestFormOptions): string {
  const m = residentMessages[o.lang];
  const f = o.fields ?? {};
  const lang = f.language === 'en' || f.language === 'zh' ? f.language : o.lang;
  const fixedPhone = o.verify === 'sms' ? o.verifiedContact : undefined;
  const fixedEmail = o.verify === 'email' ? o.verifiedContact : undefined;
  return residentPage(
    o.lang,
    m.requestTitle,
    html`<div class="resident-form">
      <h1>${m.requestTitle}</h1>
      <p class="muted">${m.requestLead}</p>
      ${whereBox(m, o.where)}
      <p class="urgent">${m.urgent(o.hotline)}</p>
      ${box('notice', o.notice)}${box('error', o.error)}
      <form method="post" action="${o.action}" enctype="multipart/form-data" class="stack">
        <input type="hidden" name="_form" value="${o.formToken}" />
        ${honeypot}
        <fieldset class="choices categories">
          <legend>${m.category}</legend>
          ${residentCategories.map(
            (c, i) =>
              html`<label class="check"
                ><input type="radio" name="category" value="${c}" ${f.category === c || (!f.category && i === 0) ? html` checked` : ''} required />
                ${m.categories[c]}</label
              >`,
          )}
        </fieldset>
        <label for="description">${m.description}</label>
        <textarea id="description" name="description" rows="4" maxlength="2000" required aria-describedby="description-hint">${f.description ?? ''}</textarea>
        <span id="description-hint" class="small muted">${m.descriptionHint}</span>
        <label for="place">${m.place}</label>
        <input id="place" name="place" maxlength="200" value="${f.place ?? o.where.place ?? o.where.asset?.location ?? ''}" />
        ${
          o.photos > 0
            ? html`<label for="photo">${m.photos(o.photos, o.photoMb)}</label>
                <input id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp" multiple />`
            : ''
        }
        <label for="name">${m.name}</label>
        <input id="name" name="name" autocomplete="name" maxlength="100" required value="${f.name ?? ''}" />
        <p class="small muted" id="contact-hint">${m.contactHint}</p>
        <label for="phone">${m.phone}</label>
        ${
          fixedPhone
            ? html`<input id="phone" name="phone" type="tel" readonly value="${fixedPhone}" />`
            : html`<input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="20" aria-describedby="contact-hint" value="${f.phone ?? ''}" />`
        }
        <label for="email">${m.email}</label>
        ${
          fixedEmail
            ? html`<input id="email" name="email" type="email" readonly value="${fixedEmail}" />`
            : html`<input id="email" name="email" type="email" autocomplete="email" maxlength="254" aria-describedby="contact-hint" value="${f.email ?? ''}" />`
        }
        ${
          o.verify !== 'none'
            ? html`<label for="code">${m.code}</label>
                <input
                  id="code"
                  name="code"
                  inputmode="numeric"
                  autocomplete="one-time-code"
                  pattern="[0-9]{6}"
                  maxlength="6"
                  required
                  value="${f.code ?? ''}"
                />`
            : ''
        }
        <label for="unit">${m.unit}</label>
        <input id="unit" name="unit" maxlength="40" value="${f.unit ?? ''}" />
        <fieldset class="choices">
          <legend>${m.language}</legend>
          ${(['zh', 'en'] as const).map(
            (l) =>
              html`<label class="check" lang="${l === 'zh' ? 'zh-CN' : 'en'}"
                ><input type="radio" name="language" value="${l}" ${lang === l ? html` checked` : ''} /> ${m.languages[l]}</label
              >`,
          )}
        </fieldset>
        <p class="small muted">${m.privacy}</p>
        <button type="submit">${m.send}</button>
      </form>
    </div>`,
    o.path,
  );
}

/** A refusal or a link that leads nowhere: what happened and what to do, in the resident's language. */
export function messagePage(lang: Lang, title: string, text: string, path: string, back?: string): string {
  const m = residentMessages[lang];
  return residentPage(
    lang,
    title,
    html`<h1>${title}</h1>
      <p class="error" role="alert">${text}</p>
      ${back ? html`<p><a href="${back}">${m.requestTitle}</a></p>` : ''}`,
    path,
  );
}

export function quietThanksPage(lang: Lang, path: string): string {
  const m = residentMessages[lang];
  return residentPage(
    lang,
    m.receivedTitle,
    html`<h1>${m.receivedTitle}</h1>
      <p class="notice">${m.receivedQuiet}</p>`,
    path,
  );
}

const stepOrder = ['received', 'assigned', 'on_site', 'resolved', 'closed'] as const;
const stepOf: Record<string, number> = { new: 0, assigned: 1, acknowledged: 1, in_progress: 2, on_hold: 2, resolved: 3, verified: 3, closed: 4 };

/** Whether the order waits for its requester's confirmation now. */
export const awaitsRequester = (o: WorkOrder) =>
  o.state === 'resolved' && o.acceptance.required.includes('requester') && !o.acceptance.passed.some((p) => p.check === 'requester');

export interface TrackOptions {
  lang: Lang;
  order: WorkOrder;
  history: WorkOrderEvent[];
  zone: string;
  now: number;
  formToken: string;
  path: string;
  link: string;
  filed?: { link: string; toldTo: string } | undefined;
  error?: string | undefined;
}

/**
 * The tracking page: where the request stands (no staff names or phones: the process tells the requester
 * that it was received and asks them to confirm and rate, nothing about who), and the requester's steps.
 */
export function trackPage(o: TrackOptions): string {
  const m = residentMessages[o.lang];
  const order = o.order;
  const at = (t: number | null | undefined) => (t ? html`<time datetime="${new Date(t).toISOString()}">${when(t, o.zone, o.now)}</time>` : '');
  const firstAssigned = o.history.find((e) => e.type === 'assignment')?.at ?? (stepOf[order.state]! >= 1 ? order.updatedAt : null);
  const times: Record<string, number | null> = {
    received: order.createdAt,
    assigned: firstAssigned,
    on_site: order.startedAt,
    resolved: order.resolvedAt,
    closed: order.closedAt,
  };
  const current = stepOf[order.state] ?? -1;
  const mine = order.acceptance.passed.some((p) => p.check === 'requester');
  const reworked = o.history.some((e) => e.action === 'reject' && e.actor === 'requester') && current === 2;
  const canRate = (order.state === 'verified' || order.state === 'closed') && !order.rating;
  return residentPage(
    o.lang,
    m.trackTitle(order.id),
    html`<div class="resident-track">
      <h1>${m.trackTitle(order.id)}</h1>
      ${
        o.filed
          ? html`<div class="notice" role="status">
              <p><strong>${m.receivedTitle}</strong></p>
              <p>${m.received(order.id)}</p>
              <p>${m.receivedTold(o.filed.toldTo)}</p>
              <p class="link-url">${o.filed.link}</p>
            </div>`
          : ''
      }
      ${box('error', o.error)}
      ${
        order.state === 'cancelled'
          ? html`<p class="error">${m.cancelled}</p>`
          : html`<ol class="progress">
              ${stepOrder.map(
                (s, i) =>
                  html`<li class="${i < current ? 'step-done' : i === current ? 'step-now' : 'step-todo'}" ${i === current ? html` aria-current="step"` : ''}>
                    <span class="step-name">${m.steps[s]}</span> ${i <= current ? at(times[s]) : ''}
                    ${i === current && order.hold ? html`<span class="small">${m.paused(m.holdReasons[order.hold.reason] ?? '')}</span>` : ''}
                  </li>`,
              )}
            </ol>`
      }
      ${reworked ? html`<p class="notice">${m.reworked}</p>` : ''}
      ${
        awaitsRequester(order)
          ? html`<section class="confirm">
              <h2>${m.confirmTitle}</h2>
              <p>${m.confirmLead}</p>
              <form method="post" action="${o.path}" class="stack">
                <input type="hidden" name="_form" value="${o.formToken}" />
                <input type="hidden" name="action" value="confirm" />
                <button type="submit">${m.confirmYes}</button>
              </form>
              <form method="post" action="${o.path}" class="stack">
                <input type="hidden" name="_form" value="${o.formToken}" />
                <input type="hidden" name="action" value="reject" />
                <label for="note">${m.stillWrong}</label>
                <textarea id="note" name="note" rows="3" maxlength="2000" required></textarea>
                <button type="submit" class="secondary">${m.confirmNo}</button>
              </form>
            </section>`
          : ''
      }
      ${mine && order.state === 'resolved' ? html`<p class="notice">${m.confirmed} ${m.qcPending}</p>` : ''}
      ${
        canRate
          ? html`<section class="rate">
              <h2>${m.rateTitle}</h2>
              <form method="post" action="${o.path}" class="stack">
                <input type="hidden" name="_form" value="${o.formToken}" />
                <input type="hidden" name="action" value="rate" />
                <fieldset class="choices stars">
                  <legend>${m.score}</legend>
                  ${[5, 4, 3, 2, 1].map(
                    (n) =>
                      html`<label class="check"
                        ><input type="radio" name="score" value="${n}" required /> <span aria-hidden="true">${'★'.repeat(n)}</span>
                        <span class="visually-hidden">${m.stars(n)}</span></label
                      >`,
                  )}
                </fieldset>
                <label for="comment">${m.comment}</label>
                <textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea>
                <button type="submit">${m.rate}</button>
              </form>
            </section>`
          : ''
      }
      ${order.rating ? html`<p class="notice">${m.rated(order.rating.score)}${order.rating.score <= 2 ? ` ${m.lowRating}` : ''}</p>` : ''}
      ${order.category === 'complaint' && current >= 3 ? html`<p class="small muted">${m.followUp}</p>` : ''}
      <section>
        <h2>${m.reported}</h2>
        <p class="small muted">${m.filed} ${at(order.createdAt)}${order.location ? ` · ${order.location}` : ''}</p>
        <p class="desc">${order.description}</p>
      </section>
      <p class="small muted">${m.updated} ${at(order.updatedAt)} · ${m.keepLink}</p>
    </div>`,
    o.path,
  );
}
