import type { Account } from '../../accounts/account-store.ts';
import type { ApiClient } from '../api-client.ts';
import { html, type Html } from '../html.ts';
import { when } from '../i18n.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { errorBox, noticeBox, priorityBadge, stateBadge } from '../widgets.ts';

/** A person as GET /api/people lists them. */
export interface PersonItem {
  id: string;
  name: string;
  role: string;
  skills: string[];
  phone?: string;
  email?: string;
  onDuty?: { days: string[]; hours: string }[];
  notify?: string[];
  language?: string;
  quietHours?: string;
  enabled: boolean;
  openOrders: number;
  teams: string[];
}
export interface TeamItem {
  id: string;
  name: string;
  sites: string[];
  members: string[];
  supervisor?: string;
  manager?: string;
}
export type FormValues = Record<string, string | string[]>;
/** A form sent back with the API's refusal next to it and what was typed kept. */
export interface FormState {
  form: 'person' | 'team' | 'edit' | 'state' | 'account';
  error: string;
  values: FormValues;
}
/** A one-time sign-in link just made: shown on this page only, never stored. */
export interface LinkShown {
  url: string;
  expiresAt: number;
}
export interface AdminPageOpts {
  state?: FormState | undefined;
  notice?: string | undefined;
  link?: LinkShown | undefined;
  site?: string | undefined;
}

const enc = encodeURIComponent;
export const personRoles = ['technician', 'supervisor', 'manager'] as const;
const accountRoles = ['admin', 'manager', 'supervisor', 'technician', 'viewer'];

/** A form field's list value (checkboxes): none, one or several. */
export const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);

async function directory(api: ApiClient) {
  const [people, teams, accounts] = await Promise.all([
    api.get<{ items: PersonItem[] }>('/api/people'),
    api.get<{ items: TeamItem[] }>('/api/teams'),
    api.get<{ items: Account[] }>('/api/accounts'),
  ]);
  return {
    people: people.items,
    teams: teams.items,
    accounts: accounts.items,
    accountOf: new Map(accounts.items.filter((a) => a.personId).map((a) => [a.personId!, a])),
  };
}

/** The typed values of the form that was refused, or the given defaults. */
function valuesFor(state: FormState | undefined, form: FormState['form'], defaults: FormValues): { get: (k: string) => string; list: (k: string) => string[] } {
  const v = state?.form === form ? state.values : defaults;
  return { get: (k) => (typeof v[k] === 'string' ? (v[k] as string) : ''), list: (k) => listOf(v[k]) };
}
const errorFor = (state: FormState | undefined, form: FormState['form']) => (state?.form === form ? errorBox(state.error) : '');

const duty = (ctx: PageContext, p: Pick<PersonItem, 'onDuty'>) =>
  p.onDuty && p.onDuty.length > 0
    ? p.onDuty.map((w) => `${w.days.map((d) => ctx.m.peoplePage.days[d] ?? d).join(' ')} ${w.hours}`).join('; ')
    : ctx.m.peoplePage.always;

function checkboxes(name: string, legend: string, options: { value: string; label: string }[], checked: string[], hint?: string): Html {
  return html`<fieldset class="choices">
    <legend>${legend}</legend>
    ${hint ? html`<p class="muted small">${hint}</p>` : ''}
    ${options.map(
      (o) =>
        html`<label class="check"
          ><input type="checkbox" name="${name}" value="${o.value}" ${checked.includes(o.value) ? html` checked` : ''} /> ${o.label}</label
        >`,
    )}
  </fieldset>`;
}
const select = (name: string, id: string, options: { value: string; label: string }[], chosen: string) =>
  html`<select id="${id}" name="${name}">
    ${options.map((o) => html`<option value="${o.value}" ${o.value === chosen ? html` selected` : ''}>${o.label}</option>`)}
  </select>`;
/** The language a person's messages (or an account's pages) are in: the two the console speaks, or none to follow `none`. */
const languageSelect = (id: string, none: string, chosen: string) =>
  select(
    'language',
    id,
    [
      { value: '', label: none },
      { value: 'en', label: 'English' },
      { value: 'zh', label: '中文' },
    ],
    chosen,
  );

const field = (id: string, label: string, input: Html, hint?: string) =>
  html`<label for="${id}">${label}</label>${hint ? html`<span class="muted small" id="${id}-hint">${hint}</span>` : ''}${input}`;

/** The account of a person, in a line. */
function accountLine(ctx: PageContext, a: Account | undefined): Html {
  const pp = ctx.m.peoplePage;
  if (!a) return html`<span class="muted">${pp.noAccount}</span>`;
  const tz = ctx.timeZoneOf(null);
  return html`${pp.pair(pp.account, '')}<strong>${a.user}</strong> · ${ctx.m.roles[a.role] ?? a.role} · ${a.sites ? a.sites.join(', ') : pp.wholeEstate} ·
    ${a.disabledAt !== null ? html`<span class="badge warn">${ctx.m.accountAdmin.disabled}</span>` : ctx.m.accountAdmin.enabled} ·
    ${a.lastSignInAt !== null ? pp.lastSignIn(when(a.lastSignInAt, tz, ctx.now)) : pp.neverSignedIn}`;
}

function personCard(ctx: PageContext, p: PersonItem, account: Account | undefined): Html {
  const pp = ctx.m.peoplePage;
  return html`<li class="card person${p.enabled ? '' : ' off'}">
    <a class="card-link" href="/people/${enc(p.id)}">
      <span class="card-top"
        ><span class="badge">${ctx.m.roles[p.role] ?? p.role}</span> ${p.enabled ? '' : html`<span class="badge warn">${pp.disabled}</span>`}</span
      >
      <span class="card-title">${p.name}</span>
      <span class="card-meta">${p.id}${p.skills.length ? ` · ${pp.pair(pp.skills, p.skills.join(', '))}` : ''}</span>
      <span class="card-meta">${p.phone ? `${pp.pair(pp.phone, p.phone)} · ` : ''}${pp.pair(pp.onDuty, duty(ctx, p))} · ${pp.openOrders(p.openOrders)}</span>
      <span class="card-meta">${accountLine(ctx, account)}</span>
    </a>
  </li>`;
}

/** The directory by team (and site, filtered), with forms to add a person and a team. */
export async function peoplePage(api: ApiClient, ctx: PageContext, sites: readonly string[], opts: AdminPageOpts = {}): Promise<string> {
  const pp = ctx.m.peoplePage;
  const { people, teams, accountOf } = await directory(api);
  const byId = new Map(people.map((p) => [p.id, p]));
  const shownTeams = opts.site ? teams.filter((t) => t.sites.length === 0 || t.sites.includes(opts.site!)) : teams;
  const onTeam = new Set(teams.flatMap((t) => [...t.members, ...(t.supervisor ? [t.supervisor] : []), ...(t.manager ? [t.manager] : [])]));
  const loose = people.filter((p) => !onTeam.has(p.id));
  const nameOf = (id: string | undefined) => (id ? (byId.get(id)?.name ?? id) : '—');
  const person = valuesFor(opts.state, 'person', { role: 'technician' });
  const team = valuesFor(opts.state, 'team', {});
  const leaders = people.filter((p) => p.role !== 'technician' && p.enabled);

  return page(
    ctx,
    pp.title,
    html`<h1>${pp.title}</h1>
      <p class="muted">${pp.lead}</p>
      ${opts.notice ? noticeBox(opts.notice) : ''} ${opts.link ? linkBox(ctx, opts.link) : ''}
      ${opts.state?.form === 'account' ? errorBox(opts.state.error) : ''}
      <details class="todo make" id="add-person" ${opts.state?.form === 'person' ? html` open` : ''}>
        <summary>${pp.addPerson}</summary>
        ${errorFor(opts.state, 'person')}
        <form method="post" action="/people" class="stack">
          ${csrfField(ctx)}
          ${field(
            'p-id',
            pp.id,
            html`<input id="p-id" name="id" required autocapitalize="none" spellcheck="false" aria-describedby="p-id-hint" value="${person.get('id')}" />`,
            pp.idHint,
          )}
          ${field('p-name', pp.name, html`<input id="p-name" name="name" required value="${person.get('name')}" />`)}
          ${field(
            'p-role',
            pp.role,
            select(
              'role',
              'p-role',
              personRoles.map((r) => ({ value: r, label: ctx.m.roles[r] ?? r })),
              person.get('role'),
            ),
          )}
          ${field('p-skills', pp.skills, html`<input id="p-skills" name="skills" aria-describedby="p-skills-hint" value="${person.get('skills')}" />`, pp.skillsHint)}
          ${field('p-phone', pp.phone, html`<input id="p-phone" name="phone" type="tel" autocomplete="off" value="${person.get('phone')}" />`)}
          <button type="submit">${pp.add}</button>
        </form>
      </details>
      <details class="todo make" id="add-team" ${opts.state?.form === 'team' ? html` open` : ''}>
        <summary>${pp.addTeam}</summary>
        ${errorFor(opts.state, 'team')}
        <form method="post" action="/teams" class="stack">
          ${csrfField(ctx)}
          ${field(
            't-id',
            pp.id,
            html`<input id="t-id" name="id" required autocapitalize="none" spellcheck="false" aria-describedby="t-id-hint" value="${team.get('id')}" />`,
            pp.idHint,
          )}
          ${field('t-name', pp.teamName, html`<input id="t-name" name="name" required value="${team.get('name')}" />`)}
          ${teamFields(ctx, 't', team, people, leaders, sites)}
          <button type="submit">${pp.add}</button>
        </form>
      </details>
      <form method="get" action="/people" class="filters">
        <label
          >${ctx.m.filterSite}
          ${select('site', 'site-filter', [{ value: '', label: ctx.m.filterAll }, ...sites.map((s) => ({ value: s, label: s }))], opts.site ?? '')}</label
        >
        <button type="submit" class="secondary">${ctx.m.filter}</button>
      </form>
      ${shownTeams.map((t) => {
        const members = t.members.map((id) => byId.get(id)).filter((p): p is PersonItem => p !== undefined);
        return html`<section class="team" id="team-${t.id}" aria-labelledby="team-${t.id}-h">
          <h2 id="team-${t.id}-h">${t.name}</h2>
          <p class="card-meta">
            ${pp.sitesOf(t.sites.length ? t.sites.join(', ') : pp.allSites)} · ${pp.supervisor}:
            ${nameOf(t.supervisor)}${t.manager ? html` · ${pp.pair(pp.manager, nameOf(t.manager))}` : ''} ·
            <a href="/teams/${enc(t.id)}">${pp.editTeam}<span class="visually-hidden"> ${t.name}</span></a>
          </p>
          ${
            members.length
              ? html`<ul class="cards people">
                  ${members.map((p) => personCard(ctx, p, accountOf.get(p.id)))}
                </ul>`
              : html`<p class="empty">${pp.noMembers}</p>`
          }
        </section>`;
      })}
      <section aria-labelledby="leaders-h">
        <h2 id="leaders-h">${pp.supervisor} / ${pp.manager}</h2>
        <ul class="cards people">
          ${people.filter((p) => p.role !== 'technician' && onTeam.has(p.id)).map((p) => personCard(ctx, p, accountOf.get(p.id)))}
        </ul>
      </section>
      <section aria-labelledby="loose-h">
        <h2 id="loose-h">${pp.noTeam}</h2>
        ${
          loose.length
            ? html`<ul class="cards people">
                ${loose.map((p) => personCard(ctx, p, accountOf.get(p.id)))}
              </ul>`
            : html`<p class="empty">${pp.nobody}</p>`
        }
      </section> `,
    { active: 'people' },
  );
}

/** The fields a team has besides its id and name: sites, members, supervisor, manager. */
function teamFields(
  ctx: PageContext,
  prefix: string,
  v: { get: (k: string) => string; list: (k: string) => string[] },
  people: PersonItem[],
  leaders: PersonItem[],
  sites: readonly string[],
): Html {
  const pp = ctx.m.peoplePage;
  const nobody = { value: '', label: pp.none };
  return html`${checkboxes(
    'sites',
    pp.sites,
    sites.map((s) => ({ value: s, label: s })),
    v.list('sites'),
    pp.sitesHint,
  )}
  ${checkboxes(
    'members',
    pp.members,
    people
      .filter((p) => p.role === 'technician' && (p.enabled || v.list('members').includes(p.id)))
      .map((p) => ({ value: p.id, label: `${p.name} (${p.id})` })),
    v.list('members'),
  )}
  ${field(
    `${prefix}-supervisor`,
    pp.supervisor,
    select('supervisor', `${prefix}-supervisor`, [nobody, ...leaders.map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }))], v.get('supervisor')),
  )}
  ${field(
    `${prefix}-manager`,
    pp.manager,
    select('manager', `${prefix}-manager`, [nobody, ...leaders.map((p) => ({ value: p.id, label: `${p.name} (${p.id})` }))], v.get('manager')),
  )}`;
}

/** A one-time link, shown once with its expiry and a copy button (app.js; without script: select and copy). */
export function linkBox(ctx: PageContext, link: LinkShown): Html {
  const aa = ctx.m.accountAdmin;
  return html`<section class="link-box" aria-labelledby="link-h">
    <h2 id="link-h">${aa.linkTitle}</h2>
    <p>${aa.linkLead(when(link.expiresAt, ctx.timeZoneOf(null), ctx.now))}</p>
    <label for="link-url" class="visually-hidden">${aa.linkTitle}</label>
    <textarea id="link-url" class="link-url" readonly rows="3">${link.url}</textarea>
    <p class="actions">
      <button type="button" data-copy="link-url" hidden>${aa.copy}</button>
      <span class="muted" data-copied hidden role="status">${aa.copied}</span>
    </p>
  </section>`;
}

/** One person: what they are, edit, disable or enable, their console account (create, disable, reset). */
export async function personPage(api: ApiClient, ctx: PageContext, id: string, sites: readonly string[], opts: AdminPageOpts = {}): Promise<string> {
  const pp = ctx.m.peoplePage;
  const aa = ctx.m.accountAdmin;
  const [p, dir] = await Promise.all([
    api.get<Omit<PersonItem, 'teams' | 'openOrders'> & { orders: { id: string; title: string; priority: string; state: string }[] }>(`/api/people/${enc(id)}`),
    directory(api),
  ]);
  const account = dir.accountOf.get(p.id);
  // One person's answer has no team list of its own: the teams they are on, as member, supervisor or manager.
  const onTeams = dir.teams.filter((t) => t.members.includes(p.id) || t.supervisor === p.id || t.manager === p.id);
  const memberOf = dir.teams.filter((t) => t.members.includes(p.id)).map((t) => t.id);
  const edit = valuesFor(opts.state, 'edit', {
    name: p.name,
    role: p.role,
    skills: p.skills.join(', '),
    phone: p.phone ?? '',
    email: p.email ?? '',
    notify: p.notify ?? ['email'],
    language: p.language ?? '',
    quietHours: p.quietHours ?? '',
    teams: memberOf,
  });
  const acc = valuesFor(opts.state, 'account', { role: p.role, language: '' });
  const tz = ctx.timeZoneOf(null);
  const leads = dir.teams.filter((t) => t.supervisor === p.id || t.manager === p.id);
  const action = (path: string, label: string, cls = 'secondary') =>
    html`<form method="post" action="${path}" class="act">${csrfField(ctx)}<button type="submit" class="${cls}">${label}</button></form>`;

  return page(
    ctx,
    p.name,
    html`<p class="crumbs"><a href="/people">${pp.back}</a></p>
      <h1>${p.name}</h1>
      ${opts.notice ? noticeBox(opts.notice) : ''} ${opts.link ? linkBox(ctx, opts.link) : ''}
      <p class="badges">
        <span class="badge">${ctx.m.roles[p.role] ?? p.role}</span>
        ${p.enabled ? html`<span class="badge conn-online">${pp.active}</span>` : html`<span class="badge warn">${pp.disabled}</span>`}
      </p>
      <dl class="facts">
        <dt>${pp.id}</dt>
        <dd>${p.id}</dd>
        <dt>${pp.skills}</dt>
        <dd>${p.skills.join(', ') || '—'}</dd>
        <dt>${pp.phone}</dt>
        <dd>${p.phone ? html`<a href="tel:${p.phone}">${p.phone}</a>` : '—'}</dd>
        ${
          p.email
            ? html`<dt>${pp.email}</dt>
                <dd>${p.email}</dd>`
            : ''
        }
        <dt>${pp.onDuty}</dt>
        <dd>${duty(ctx, p)}</dd>
        <dt>${pp.notifyBy}</dt>
        <dd>
          ${[ctx.m.nav.notices, ...(p.notify ?? ['email']).map((c) => (c === 'sms' ? pp.sms : pp.email))].join(', ')}${p.quietHours ? ` · ${pp.pair(pp.quietHours, p.quietHours)}` : ''}
        </dd>
        <dt>${pp.teams}</dt>
        <dd>${onTeams.length ? onTeams.map((t, i) => html`${i ? ', ' : ''}<a href="/teams/${enc(t.id)}">${t.name}</a>`) : '—'}</dd>
      </dl>

      <section aria-labelledby="orders-h">
        <h2 id="orders-h">${pp.openOrdersTitle}</h2>
        ${
          p.orders.length
            ? html`<ul class="plain order-list">
                ${p.orders.map(
                  (o) => html`<li>${priorityBadge(ctx, o.priority)} ${stateBadge(ctx, o.state)} <a href="/orders/${enc(o.id)}">${o.title}</a> · ${o.id}</li>`,
                )}
              </ul>`
            : html`<p class="muted">${pp.noOpenOrders}</p>`
        }
      </section>

      <section class="todo" aria-labelledby="account-h">
        <h2 id="account-h">${pp.account}</h2>
        ${
          account
            ? html`<dl class="facts">
                  <dt>${aa.facts.user}</dt>
                  <dd>${account.user}</dd>
                  <dt>${aa.facts.role}</dt>
                  <dd>${ctx.m.roles[account.role] ?? account.role}</dd>
                  <dt>${aa.facts.sites}</dt>
                  <dd>${account.sites ? account.sites.join(', ') : pp.wholeEstate}</dd>
                  <dt>${aa.facts.language}</dt>
                  <dd>${account.language ? ctx.m.reportsPage.languageOf[account.language] : aa.browserLanguage}</dd>
                  <dt>${aa.facts.state}</dt>
                  <dd>${account.disabledAt !== null ? html`<span class="badge warn">${aa.disabled}</span>` : aa.enabled}</dd>
                  <dt>${aa.facts.password}</dt>
                  <dd>${account.passwordSetAt !== null ? aa.passwordSet : aa.noPassword}</dd>
                  <dt>${aa.facts.signIn}</dt>
                  <dd>${account.lastSignInAt !== null ? when(account.lastSignInAt, tz, ctx.now) : pp.neverSignedIn}</dd>
                </dl>
                ${errorFor(opts.state, 'account')}
                <div class="actions">
                  ${
                    account.disabledAt !== null
                      ? action(`/accounts/${enc(account.user)}/enable`, aa.enable)
                      : action(`/accounts/${enc(account.user)}/disable`, aa.disable)
                  }
                  ${action(`/accounts/${enc(account.user)}/password-reset`, aa.reset)}
                </div>
                <p class="muted small">${aa.disableLead} ${aa.resetLead}</p>`
            : html`<p class="muted">${pp.noAccount}</p>
                <h3>${aa.create}</h3>
                <p class="muted small">${aa.createLead}</p>
                ${errorFor(opts.state, 'account')}
                <form method="post" action="/people/${enc(p.id)}/account" class="stack">
                  ${csrfField(ctx)}
                  ${field(
                    'a-user',
                    aa.user,
                    html`<input
                      id="a-user"
                      name="user"
                      autocapitalize="none"
                      spellcheck="false"
                      autocomplete="off"
                      placeholder="${p.id.toLowerCase()}"
                      aria-describedby="a-user-hint"
                      value="${acc.get('user')}"
                    />`,
                    aa.userHint,
                  )}
                  ${field(
                    'a-role',
                    aa.role,
                    select(
                      'role',
                      'a-role',
                      accountRoles.filter((r) => r === p.role || r === 'admin' || r === 'viewer').map((r) => ({ value: r, label: ctx.m.roles[r] ?? r })),
                      acc.get('role'),
                    ),
                  )}
                  ${checkboxes(
                    'sites',
                    aa.sites,
                    sites.map((s) => ({ value: s, label: s })),
                    acc.list('sites'),
                    aa.sitesHint,
                  )}
                  ${field('a-language', aa.language, languageSelect('a-language', aa.browserLanguage, acc.get('language')))}
                  ${field(
                    'a-password',
                    aa.password,
                    html`<input id="a-password" name="password" type="password" autocomplete="new-password" aria-describedby="a-password-hint" />`,
                    aa.passwordHint,
                  )}
                  <button type="submit">${aa.submit}</button>
                </form>`
        }
      </section>

      <section class="todo" aria-labelledby="edit-h">
        <h2 id="edit-h">${pp.edit}</h2>
        ${errorFor(opts.state, 'edit')}
        <form method="post" action="/people/${enc(p.id)}" class="stack">
          ${csrfField(ctx)} ${field('e-name', pp.name, html`<input id="e-name" name="name" required value="${edit.get('name')}" />`)}
          ${field(
            'e-role',
            pp.role,
            select(
              'role',
              'e-role',
              personRoles.map((r) => ({ value: r, label: ctx.m.roles[r] ?? r })),
              edit.get('role'),
            ),
          )}
          ${field('e-skills', pp.skills, html`<input id="e-skills" name="skills" aria-describedby="e-skills-hint" value="${edit.get('skills')}" />`, pp.skillsHint)}
          ${field('e-phone', pp.phone, html`<input id="e-phone" name="phone" type="tel" autocomplete="off" value="${edit.get('phone')}" />`)}
          ${field('e-email', pp.email, html`<input id="e-email" name="email" type="email" autocomplete="off" value="${edit.get('email')}" />`)}
          ${checkboxes(
            'notify',
            pp.notifyBy,
            [
              { value: 'email', label: pp.byEmail },
              { value: 'sms', label: pp.bySms },
            ],
            edit.list('notify'),
            pp.notifyHint,
          )}
          ${field('e-language', pp.messagesLanguage, languageSelect('e-language', pp.siteLanguage, edit.get('language')), pp.messagesLanguageHint)}
          ${field(
            'e-quiet',
            pp.quietHours,
            html`<input id="e-quiet" name="quietHours" aria-describedby="e-quiet-hint" placeholder="22:00-07:00" value="${edit.get('quietHours')}" />`,
            pp.quietHoursHint,
          )}
          ${checkboxes(
            'teams',
            pp.teams,
            dir.teams.map((t) => ({ value: t.id, label: t.name })),
            edit.list('teams'),
          )}
          <button type="submit">${pp.save}</button>
        </form>
      </section>

      <section class="todo" aria-labelledby="state-h">
        <h2 id="state-h">${p.enabled ? pp.disable : pp.enable}</h2>
        ${errorFor(opts.state, 'state')}
        ${
          p.enabled
            ? html`<p class="muted small">${pp.disableLead}</p>
                ${leads.length ? html`<p class="muted small">${pp.pair(pp.supervisor, leads.map((t) => t.name).join(', '))}</p>` : ''}
                <form method="post" action="/people/${enc(p.id)}/disable" class="stack">
                  ${csrfField(ctx)}
                  ${field('d-note', pp.disableNote, html`<input id="d-note" name="note" maxlength="500" value="${valuesFor(opts.state, 'state', {}).get('note')}" />`)}
                  <button type="submit" class="secondary">${pp.disable}</button>
                </form>`
            : action(`/people/${enc(p.id)}/enable`, pp.enable, '')
        }
      </section>`,
    { active: 'people' },
  );
}

/** One team: name, sites, members, supervisor and manager, to change. */
export async function teamPage(api: ApiClient, ctx: PageContext, id: string, sites: readonly string[], opts: AdminPageOpts = {}): Promise<string> {
  const pp = ctx.m.peoplePage;
  const [team, dir] = await Promise.all([api.get<TeamItem>(`/api/teams/${enc(id)}`), directory(api)]);
  const v = valuesFor(opts.state, 'team', {
    name: team.name,
    sites: team.sites,
    members: team.members,
    supervisor: team.supervisor ?? '',
    manager: team.manager ?? '',
  });
  const leaders = dir.people.filter((p) => p.role !== 'technician' && (p.enabled || p.id === team.supervisor || p.id === team.manager));
  return page(
    ctx,
    team.name,
    html`<p class="crumbs"><a href="/people#team-${team.id}">${pp.back}</a></p>
      <h1>${team.name}</h1>
      <p class="muted">${pp.pair(pp.id, team.id)}</p>
      ${opts.notice ? noticeBox(opts.notice) : ''}
      <section class="todo" aria-labelledby="team-edit-h">
        <h2 id="team-edit-h">${pp.editTeam}</h2>
        ${errorFor(opts.state, 'team')}
        <form method="post" action="/teams/${enc(team.id)}" class="stack">
          ${csrfField(ctx)} ${field('t-name', pp.teamName, html`<input id="t-name" name="name" required value="${v.get('name')}" />`)}
          ${teamFields(ctx, 't', v, dir.people, leaders, sites)}
          <button type="submit">${pp.save}</button>
        </form>
      </section>`,
    { active: 'people' },
  );
}
