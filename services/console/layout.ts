import type { FastifyRequest } from 'fastify';
import type { Role } from '../api/access.ts';
import { html, type Html } from './html.ts';
import { languageOf, messages, type Lang, type Messages } from './i18n.ts';

/** Who is signed in, as the API's access control saw them (a session or an API key: the same principal). */
export interface Principal {
  name: string;
  role: Role;
  personId: string | null;
  sites: readonly string[] | null;
}

export interface PageContext {
  lang: Lang;
  m: Messages;
  /** Null when FMS runs without sign-in (FMS_API_AUTH=off). */
  principal: Principal | null;
  now: number;
  /** The token every form posts back (CSRF); empty when the browser signs in by a key header. */
  csrf: string;
  path: string;
  timeZoneOf: (site: string | null) => string;
  /** The signed-in person's unseen notifications (the bell), when known. */
  unseen?: number | undefined;
}

export function principalOf(req: FastifyRequest): Principal | null {
  const k = req.principal;
  return k ? { name: k.name, role: k.role, personId: k.personId, sites: k.sites } : null;
}

/** The CSRF token of the request's session (set by the session sign-in), if it came with one. */
export function csrfOf(req: FastifyRequest): string {
  return req.session?.csrfToken ?? '';
}

export function contextOf(req: FastifyRequest, now: number, timeZoneOf: (site: string | null) => string): PageContext {
  const lang = languageOf(req);
  return { lang, m: messages[lang], principal: principalOf(req), now, csrf: csrfOf(req), path: req.url, timeZoneOf };
}

type NavKey = keyof Messages['nav'];
const navFor = (p: Principal | null): NavKey[] => {
  const role = p?.role ?? 'admin';
  const items: NavKey[] = [];
  if (role === 'technician' || (p?.personId && role !== 'viewer')) items.push('orders');
  if (role !== 'technician') items.push('board');
  items.push('alarms', 'status', 'pm');
  if (role !== 'technician') items.push('reports');
  if (role === 'admin') items.push('people');
  if (p?.personId || role === 'admin' || role === 'manager' || role === 'supervisor') items.push('notices');
  return items;
};
const navHref: Record<NavKey, string> = {
  orders: '/orders',
  board: '/board',
  alarms: '/alarms',
  status: '/sites',
  pm: '/pm',
  reports: '/reports',
  people: '/people',
  notices: '/notifications',
  signOut: '/signout',
};

/** A form field carrying the CSRF token. */
export const csrfField = (ctx: PageContext) => (ctx.csrf ? html`<input type="hidden" name="_csrf" value="${ctx.csrf}" />` : '');

/** The whole page: header with navigation, language switch and sign-out; the page's content in <main>. */
export function page(ctx: PageContext, title: string, content: Html, opts: { active?: NavKey; live?: boolean } = {}): string {
  const { m, principal } = ctx;
  const other: Lang = ctx.lang === 'en' ? 'zh' : 'en';
  const nav = principal || ctx.principal === null ? navFor(principal) : [];
  return html`<!doctype html>
<html lang="${ctx.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · FMS</title>
<link rel="icon" href="/console/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/app.css">
<script src="/console/app.js" defer></script>
</head>
<body${opts.live ? html` data-live="1"` : ''}>
<a class="skip" href="#main">${m.skip}</a>
<header class="top">
  <a class="brand" href="/">FMS</a>
  <nav aria-label="FMS">
    <ul>
      ${nav.map(
        (k) =>
          html`<li>
            <a href="${navHref[k]}" ${opts.active === k ? html` aria-current="page"` : ''}
              >${m.nav[k]}${k === 'notices' && ctx.unseen ? html` <span class="unseen-count" title="${m.unseenCount(ctx.unseen)}">${ctx.unseen}<span class="visually-hidden">, ${m.unseenCount(ctx.unseen)}</span></span>` : ''}</a
            >
          </li>`,
      )}
    </ul>
  </nav>
  <div class="who">
    ${
      // Signed in with a session: the switch also saves the language on the account (a form: a GET changes nothing).
      ctx.csrf
        ? html`<form method="post" action="/account/language" class="inline">
            ${csrfField(ctx)}<input type="hidden" name="language" value="${other}" /><input type="hidden" name="next" value="${ctx.path}" /><button
              type="submit"
              class="link lang"
              lang="${other === 'zh' ? 'zh-CN' : 'en'}"
            >
              ${m.otherLanguage}
            </button>
          </form>`
        : html`<a
            class="lang"
            href="/lang/${other}?next=${encodeURIComponent(ctx.path)}"
            hreflang="${other === 'zh' ? 'zh-CN' : 'en'}"
            lang="${other === 'zh' ? 'zh-CN' : 'en'}"
            >${m.otherLanguage}</a
          >`
    }
    ${
      principal
        ? html`<a class="me" href="/account">${m.signedInAs(principal.name, m.roles[principal.role] ?? principal.role)}</a>
            <form method="post" action="/signout" class="inline">${csrfField(ctx)}<button type="submit" class="link">${m.nav.signOut}</button></form>`
        : ''
    }
  </div>
</header>
<main id="main" tabindex="-1">
${content}
</main>
</body>
</html>
`.value;
}

/** A page without the console's navigation: a brand, the language switch, the content (sign-in pages, the residents' pages). */
export function bareDocument(o: {
  lang: Lang;
  title: string;
  content: Html;
  /** Where the language switch returns to. */
  next: string;
  brand: string;
  otherLanguage: string;
  /** What the head carries beyond the console's stylesheet and icon (a script, another stylesheet). */
  head: Html | string;
  bodyClass: string;
}): string {
  const other: Lang = o.lang === 'en' ? 'zh' : 'en';
  return html`<!doctype html>
    <html lang="${o.lang === 'zh' ? 'zh-CN' : 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title}</title>
        <link rel="icon" href="/console/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/console/app.css" />
        ${o.head}
      </head>
      <body class="${o.bodyClass}">
        <header class="top">
          <span class="brand">${o.brand}</span>
          <div class="who">
            <a class="lang" href="/lang/${other}?next=${encodeURIComponent(o.next)}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${o.otherLanguage}</a>
          </div>
        </header>
        <main id="main" tabindex="-1">${o.content}</main>
      </body>
    </html> `.value;
}

/** A page without navigation (sign-in, errors before sign-in). */
export function barePage(lang: Lang, title: string, content: Html, next = '/signin'): string {
  const m = messages[lang];
  const head = html`<script src="/console/app.js" defer></script>`;
  return bareDocument({ lang, title: `${title} · FMS`, content, next, brand: 'FMS', otherLanguage: m.otherLanguage, head, bodyClass: 'bare' });
}
