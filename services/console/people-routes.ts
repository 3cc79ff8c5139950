import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminOnly, publicAccess, type Access } from '../api/access.ts';
import { SIGN_IN_LINK_PATH } from '../api/routes/accounts.ts';
import { checkSameOrigin } from '../api/session-cookie.ts';
import { ApiRefusal, type ApiAnswer, type ApiClient } from './api-client.ts';
import type { RenderPage } from './asset-routes.ts';
import { baseUrlOf } from './asset-routes.ts';
import { languageOf, LANG_COOKIE } from './i18n.ts';
import type { PageContext } from './layout.ts';
import { accountPage, linkPage, linkRefusedPage } from './pages/account.ts';
import { listOf, peoplePage, personPage, teamPage, type AdminPageOpts, type FormState, type FormValues } from './pages/people.ts';

export interface PeoplePagesDeps {
  render: RenderPage;
  /** Who may open a console page at all (the staff roles). */
  access: Access;
  /** The estate's sites. */
  sites: () => string[];
  /** The in-process API with the request's own credentials. */
  api: (req: FastifyRequest) => ApiClient;
  /** A path on this server (or home), for `next`. */
  localPath: (next: unknown) => string;
}

const enc = encodeURIComponent;
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const bodyOf = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
/** What was typed, to send back with a refusal: never a password. */
const typed = (b: Record<string, unknown>): FormValues => {
  const out: FormValues = {};
  for (const [k, v] of Object.entries(b)) if (k !== '_csrf' && !/password|repeat/i.test(k)) out[k] = Array.isArray(v) ? v.map(String) : String(v);
  return out;
};
const messageOf = (a: ApiAnswer) => (a.body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${a.status}`;
/**
 * A session that ended goes to the sign-in page, as on any page; any other refusal (a wrong current
 * password's 401 too) is shown beside its form.
 */
function signedOut(a: ApiAnswer): void {
  const code = (a.body as { error?: { code?: string } } | undefined)?.error?.code;
  if (code === 'FMS_ERR_API_UNAUTHENTICATED' || code === 'FMS_ERR_SESSION_EXPIRED') throw new ApiRefusal(401, code, messageOf(a));
}
const skillsOf = (v: unknown) =>
  text(v)
    .split(/[,，、]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The notices a page shows after a change, named in its address (`?done=`). */
function noticeOf(ctx: PageContext, q: { done?: string; n?: string }): string | undefined {
  const pp = ctx.m.peoplePage;
  const aa = ctx.m.accountAdmin;
  const notices: Record<string, string> = {
    saved: pp.saved,
    personAdded: pp.personAdded,
    teamAdded: pp.teamAdded,
    personDisabled: pp.personDisabled,
    personEnabled: pp.personEnabled,
    created: aa.created,
    accountEnabled: aa.accountEnabled,
    accountDisabled: aa.accountDisabled(Number(q.n) || 0),
    password: ctx.m.accountPage.passwordSaved,
    language: ctx.m.accountPage.languageSaved,
  };
  return q.done ? notices[q.done] : undefined;
}

/**
 * The console's pages for administrators — people, teams and their console accounts — and every
 * person's own: their account (password, language) and the page a one-time sign-in link lands on.
 * Every change goes through the API (people.ts, accounts.ts, session.ts), which decides and audits.
 */
export function registerPeoplePages(c: FastifyInstance, d: PeoplePagesDeps): void {
  const schema = { hide: true };
  const admins = { access: { ...d.access, roles: adminOnly }, page: true };
  const anyone = { access: d.access, page: true };
  const query = (req: FastifyRequest) => req.query as { done?: string; n?: string; site?: string };
  const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;
  /** The one-time link at the console's page, on the address the admin reached FMS by (the API's answer names its in-process host). */
  const linkFrom = (req: FastifyRequest, link: { token: string; expiresAt: number }) => ({
    url: `${baseUrlOf(req)}${SIGN_IN_LINK_PATH}?token=${enc(link.token)}`,
    expiresAt: link.expiresAt,
  });
  const state = (form: FormState['form'], a: ApiAnswer | string, b: Record<string, unknown>): FormState => ({
    form,
    error: typeof a === 'string' ? a : messageOf(a),
    values: typed(b),
  });
  const refused = async (a: ApiAnswer, body: Promise<string>) => ({ status: a.status, body: await body });

  c.get('/people', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, (api, ctx) => {
      const site = text(query(req).site);
      return peoplePage(api, ctx, d.sites(), { notice: noticeOf(ctx, query(req)), site: site || undefined });
    }),
  );

  c.post('/people', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const b = bodyOf(req);
      const phone = text(b.phone);
      const a = await api.call('POST', '/api/people', {
        id: text(b.id),
        name: text(b.name),
        role: text(b.role) || 'technician',
        skills: skillsOf(b.skills),
        ...(phone ? { phone } : {}),
      });
      signedOut(a);
      if (a.status >= 400) return refused(a, peoplePage(api, ctx, d.sites(), { state: state('person', a, b) }));
      return { redirect: `/people/${enc(text(b.id))}?done=personAdded` };
    }),
  );

  c.get('/people/:id', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, (api, ctx) => personPage(api, ctx, idOf(req), d.sites(), { notice: noticeOf(ctx, query(req)) })),
  );

  // Name, role, skills, contacts, how they are told, and the teams they are a member of (each team's members changed in turn).
  c.post('/people/:id', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const id = idOf(req);
      const b = bodyOf(req);
      const phone = text(b.phone);
      const again = (a: ApiAnswer | string) => personPage(api, ctx, id, d.sites(), { state: state('edit', a, b) });
      const a = await api.call('PATCH', `/api/people/${enc(id)}`, {
        name: text(b.name),
        role: text(b.role),
        skills: skillsOf(b.skills),
        phone: phone || null,
        email: text(b.email) || null,
        notify: listOf(b.notify).filter((c) => c === 'email' || c === 'sms'),
        language: text(b.language) || null,
        quietHours: text(b.quietHours) || null,
      });
      signedOut(a);
      if (a.status >= 400) return refused(a, again(a));
      const wanted = new Set(listOf(b.teams));
      const { items: teams } = await api.get<{ items: { id: string; members: string[] }[] }>('/api/teams');
      for (const t of teams) {
        const isMember = t.members.includes(id);
        if (isMember === wanted.has(t.id)) continue;
        const members = isMember ? t.members.filter((m) => m !== id) : [...t.members, id];
        const changed = await api.call('PATCH', `/api/teams/${enc(t.id)}`, { members });
        signedOut(changed);
        if (changed.status >= 400) return refused(changed, again(changed));
      }
      return { redirect: `/people/${enc(id)}?done=saved` };
    }),
  );

  for (const [verb, done] of [
    ['disable', 'personDisabled'],
    ['enable', 'personEnabled'],
  ] as const) {
    c.post(`/people/:id/${verb}`, { config: admins, schema }, (req, reply) =>
      d.render(req, reply, async (api, ctx) => {
        const id = idOf(req);
        const b = bodyOf(req);
        const note = text(b.note);
        const a = await api.call('POST', `/api/people/${enc(id)}/${verb}`, note ? { note } : {});
        signedOut(a);
        if (a.status >= 400) return refused(a, personPage(api, ctx, id, d.sites(), { state: state('state', a, b) }));
        return { redirect: `/people/${enc(id)}?done=${done}` };
      }),
    );
  }

  // A console account for the person: with a password, or a one-time link shown on this answer only.
  c.post('/people/:id/account', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const id = idOf(req);
      const b = bodyOf(req);
      const user = text(b.user);
      const sites = listOf(b.sites);
      const language = text(b.language);
      const password = typeof b.password === 'string' ? b.password : '';
      const a = await api.call<{ link?: { token: string; expiresAt: number } }>('POST', '/api/accounts', {
        personId: id,
        role: text(b.role),
        ...(user ? { user } : {}),
        ...(sites.length ? { sites } : {}),
        ...(language ? { language } : {}),
        ...(password ? { password } : {}),
      });
      signedOut(a);
      if (a.status >= 400) return refused(a, personPage(api, ctx, id, d.sites(), { state: state('account', a, b) }));
      if (!a.body.link) return { redirect: `/people/${enc(id)}?done=created` };
      return personPage(api, ctx, id, d.sites(), { notice: ctx.m.accountAdmin.created, link: linkFrom(req, a.body.link) });
    }),
  );

  /** After an account's change: its person's page (an admin's own account without a person: the directory). */
  const pageOfAccount = (api: ApiClient, ctx: PageContext, personId: string | null, opts: AdminPageOpts) =>
    personId ? personPage(api, ctx, personId, d.sites(), opts) : peoplePage(api, ctx, d.sites(), opts);

  for (const verb of ['disable', 'enable', 'password-reset'] as const) {
    c.post(`/accounts/:user/${verb}`, { config: admins, schema }, (req, reply) =>
      d.render(req, reply, async (api, ctx) => {
        const user = (req.params as { user: string }).user;
        const a = await api.call<{ personId?: string | null; sessionsEnded?: number; link?: { token: string; expiresAt: number } }>(
          'POST',
          `/api/accounts/${enc(user)}/${verb}`,
        );
        signedOut(a);
        // The reset's answer names no person: the account does.
        const { personId } = await api.get<{ personId: string | null }>(`/api/accounts/${enc(user)}`);
        if (a.status >= 400) return refused(a, pageOfAccount(api, ctx, personId, { state: state('account', a, {}) }));
        if (verb === 'password-reset' && a.body.link) return pageOfAccount(api, ctx, personId, { link: linkFrom(req, a.body.link) });
        const done = verb === 'disable' ? `accountDisabled&n=${a.body.sessionsEnded ?? 0}` : 'accountEnabled';
        return { redirect: personId ? `/people/${enc(personId)}?done=${done}` : `/people?done=${done}` };
      }),
    );
  }

  c.post('/teams', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const b = bodyOf(req);
      const a = await api.call('POST', '/api/teams', {
        id: text(b.id),
        name: text(b.name),
        sites: listOf(b.sites),
        members: listOf(b.members),
        ...(text(b.supervisor) ? { supervisor: text(b.supervisor) } : {}),
        ...(text(b.manager) ? { manager: text(b.manager) } : {}),
      });
      signedOut(a);
      if (a.status >= 400) return refused(a, peoplePage(api, ctx, d.sites(), { state: state('team', a, b) }));
      return { redirect: `/people?done=teamAdded#team-${enc(text(b.id))}` };
    }),
  );

  c.get('/teams/:id', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, (api, ctx) => teamPage(api, ctx, idOf(req), d.sites(), { notice: noticeOf(ctx, query(req)) })),
  );

  c.post('/teams/:id', { config: admins, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const id = idOf(req);
      const b = bodyOf(req);
      const a = await api.call('PATCH', `/api/teams/${enc(id)}`, {
        name: text(b.name),
        sites: listOf(b.sites),
        members: listOf(b.members),
        supervisor: text(b.supervisor) || null,
        manager: text(b.manager) || null,
      });
      signedOut(a);
      if (a.status >= 400) return refused(a, teamPage(api, ctx, id, d.sites(), { state: state('team', a, b) }));
      return { redirect: `/people?done=saved#team-${enc(id)}` };
    }),
  );

  // Every signed-in person: their own password and language.
  c.get('/account', { config: anyone, schema }, (req, reply) =>
    d.render(req, reply, (api, ctx) => accountPage(api, ctx, { notice: noticeOf(ctx, query(req)) })),
  );

  c.post('/account/password', { config: anyone, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const b = bodyOf(req);
      const password = typeof b.password === 'string' ? b.password : '';
      const oldPassword = typeof b.oldPassword === 'string' ? b.oldPassword : '';
      if (password !== b.repeat)
        return { status: 400, body: await accountPage(api, ctx, { error: { form: 'password', message: ctx.m.accountPage.mismatch } }) };
      // After a one-time link no old password is asked; the API decides whether one is needed.
      const a = await api.call('POST', '/api/session/password', { password, ...(oldPassword ? { oldPassword } : {}) });
      signedOut(a);
      if (a.status >= 400) return refused(a, accountPage(api, ctx, { error: { form: 'password', message: messageOf(a) } }));
      return { redirect: '/account?done=password' };
    }),
  );

  // The account page's language form and the header's switch: saved on the account, and in the cookie for
  // the pages before signing in (the sign-in page).
  c.post('/account/language', { config: anyone, schema }, (req, reply) =>
    d.render(req, reply, async (api, ctx) => {
      const b = bodyOf(req);
      const language = b.language === 'en' || b.language === 'zh' ? b.language : null;
      const a = await api.call('PATCH', '/api/session', { language });
      signedOut(a);
      // A key has no account to save it on: the cookie alone keeps it.
      if (a.status >= 400 && b.next === undefined) return refused(a, accountPage(api, ctx, { error: { form: 'language', message: messageOf(a) } }));
      reply.header(
        'set-cookie',
        language ? `${LANG_COOKIE}=${language}; Path=/; Max-Age=31536000; SameSite=Lax` : `${LANG_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`,
      );
      return { redirect: b.next === undefined ? '/account?done=language' : d.localPath(b.next) };
    }),
  );

  // The one-time link's page: opening it spends nothing; its button signs in (same origin only, as /signin).
  c.get(SIGN_IN_LINK_PATH, { config: { access: publicAccess }, schema }, async (req, reply) => {
    const token = text((req.query as { token?: unknown }).token);
    const lang = languageOf(req);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!/^fmsl_[A-Za-z0-9_-]{43}$/.test(token)) return reply.status(404).send(linkRefusedPage(lang));
    return reply.send(linkPage(lang, token));
  });

  c.post(SIGN_IN_LINK_PATH, { config: { access: publicAccess }, schema }, async (req: FastifyRequest, reply: FastifyReply) => {
    checkSameOrigin(req);
    const lang = languageOf(req);
    const a = await d.api(req).call('POST', '/api/session', { token: text(bodyOf(req).token) });
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (a.status >= 400) {
      const code = (a.body as { error?: { code?: string } }).error?.code;
      const retry = a.headers['retry-after'];
      if (retry !== undefined) reply.header('retry-after', String(retry));
      return reply.status(a.status).send(linkRefusedPage(lang, code === 'FMS_ERR_SESSION_SIGN_IN_FAILED' ? undefined : messageOf(a)));
    }
    const cookie = a.headers['set-cookie'];
    if (cookie) reply.header('set-cookie', cookie);
    return reply.redirect('/account', 303);
  });
}
