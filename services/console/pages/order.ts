import { actionRules } from '../../work-orders/state-machine.ts';
import { holdReasons, type WorkOrder } from '../../work-orders/work-order.ts';
import type { ChecklistStep } from '../../shared/vocabulary.ts';
import { deliveriesTable, type Delivery } from './notifications.ts';
import type { ApiClient } from '../api-client.ts';
import { html, type Html } from '../html.ts';
import { when } from '../i18n.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { assetLabel, errorBox, metricLabel, noticeBox, priorityBadge, slaClocks, stateBadge, type AssetInfo } from '../widgets.ts';

type Order = WorkOrder & {
  allowedActions: string[];
  history: { at: number; type: string; action: string | null; from: string | null; to: string | null; actor: string; note: string | null }[];
  attachments: { id: string; filename: string; contentType: string; size: number; by: string; at: number }[];
};

interface Person {
  id: string;
  name: string;
  role: 'technician' | 'supervisor' | 'manager';
  skills: string[];
}

/** What the signed-in person may do on the order now: the state machine's own rules, as the API applies them. */
export function actionsFor(o: Pick<WorkOrder, 'state' | 'assignee'> & { allowedActions: string[] }, me: Person | undefined): string[] {
  if (!me) return [];
  return o.allowedActions.filter((a) => {
    const rule = actionRules[a as keyof typeof actionRules];
    if (!rule || !(rule.roles as readonly string[]).includes(me.role)) return false;
    if (rule.assigneeOnly && me.role === 'technician' && o.assignee !== me.id) return false;
    return true;
  });
}

type Step = { step: string; type: ChecklistStep['type']; unit?: string | undefined; min?: number | undefined; max?: number | undefined };

const stepInput = (ctx: PageContext, s: Step, i: number, done: WorkOrder['checklistResults'][number], editable: boolean): Html => {
  const id = `step-${i}`;
  const name = `step${i}`;
  const status = done ? html` <span class="${done.failed ? 'late' : 'met'}">${done.failed ? ctx.m.failed : ctx.m.done}</span>` : '';
  if (!editable) return html`<li><span>${s.step}</span>${status}${done?.value !== undefined ? html` · ${done.value}${s.unit ? ` ${s.unit}` : ''}` : ''}</li>`;
  switch (s.type) {
    case 'measurement':
      return html`<li>
        <label for="${id}"
          >${s.step}${s.unit ? ` (${s.unit})` : ''}${
            s.min !== undefined || s.max !== undefined ? html` <span class="muted">${s.min ?? '…'}–${s.max ?? '…'}</span>` : ''
          }</label
        >${status}
        <input id="${id}" name="${name}" type="number" step="any" inputmode="decimal" ${done?.value !== undefined ? html` value="${done.value}"` : ''} />
      </li>`;
    case 'pass_fail':
      // A named radio group rather than a fieldset: the step's name is the item's first line, beside its number.
      return html`<li>
        <span class="step-name" id="${id}">${s.step}</span>${status}
        <span class="choices" role="radiogroup" aria-labelledby="${id}">
          <label class="check"><input type="radio" name="${name}" value="pass" ${done?.passed === true ? html` checked` : ''} /> ${ctx.m.passed}</label>
          <label class="check"><input type="radio" name="${name}" value="fail" ${done?.passed === false ? html` checked` : ''} /> ${ctx.m.failed}</label>
        </span>
      </li>`;
    case 'photo':
      return html`<li>
        <label for="${id}">${s.step} <span class="muted">(${ctx.m.photoRequired})</span></label
        >${status} <input id="${id}" name="${name}" type="file" accept="image/jpeg,image/png,image/webp,image/heic" capture="environment" />
      </li>`;
    default:
      return html`<li>
        <label class="check"><input type="checkbox" name="${name}" value="done" ${done?.done ? html` checked` : ''} /> ${s.step}</label>${status}
      </li>`;
  }
};

export async function orderPage(
  api: ApiClient,
  ctx: PageContext,
  id: string,
  opts: { error?: string | undefined; notice?: string | undefined } = {},
): Promise<{ status: number; body: string }> {
  const o = await api.get<Order>(`/api/work-orders/${encodeURIComponent(id)}`);
  const tz = ctx.timeZoneOf(o.site);
  const weekAgo = ctx.now - 7 * 86_400_000;
  const [asset, latest, alarms, people, me, told] = await Promise.all([
    o.assetId ? api.get<AssetInfo>(`/api/assets/${encodeURIComponent(o.assetId)}`).catch(() => undefined) : undefined,
    o.assetId
      ? api
          .get<{ metrics: Record<string, { value: number | boolean; time: string; ts: number; unit: string }> }>(
            `/api/assets/${encodeURIComponent(o.assetId)}/latest`,
          )
          .catch(() => undefined)
      : undefined,
    o.assetId
      ? api
          .get<{ items: { id: number; ruleId: string; severity: string; message?: string; raisedAt: number; state: string }[] }>(
            `/api/alarms?assetId=${encodeURIComponent(o.assetId)}&limit=10${o.site ? `&site=${encodeURIComponent(o.site)}` : ''}`,
          )
          .catch(() => undefined)
      : undefined,
    api.get<{ items: Person[] }>('/api/people').catch(() => ({ items: [] as Person[] })),
    ctx.principal?.personId ? api.get<Person>(`/api/people/${encodeURIComponent(ctx.principal.personId)}`).catch(() => undefined) : undefined,
    // Who was told (a technician sees what reached them; overseers see everyone's).
    api.get<{ items: Delivery[] }>(`/api/notifications?subject=${encodeURIComponent(o.id)}&limit=100`).catch(() => undefined),
  ]);
  const names = new Map(people.items.map((p) => [p.id, p.name]));
  const who = (idOrRole: string) => names.get(idOrRole) ?? idOrRole;
  const can = actionsFor(o, me);
  const place = o.location ?? asset?.location;
  const form = (action: string, body: Html | '' = '', cls = '') =>
    html`<form method="post" action="/orders/${encodeURIComponent(o.id)}/act" class="act ${cls}">
      ${csrfField(ctx)} <input type="hidden" name="action" value="${action}" /><input type="hidden" name="version" value="${o.version}" />${body}
      <button type="submit" ${action === 'cancel' || action === 'reject' ? html` class="secondary"` : ''}>${ctx.m.actions[action]}</button>
    </form>`;
  const noteField = (required: boolean, idSuffix: string) =>
    html`<label for="note-${idSuffix}">${ctx.m.note}</label
      ><textarea id="note-${idSuffix}" name="note" rows="2" maxlength="4000" ${required ? html` required` : ''}></textarea>`;
  const working = can.includes('record') || can.includes('resolve');
  const simple = ['acknowledge', 'start', 'resume', 'close'].filter((a) => can.includes(a));
  // Acceptance: one button per check still outstanding that a person gives (the sensors give their own).
  const outstanding = o.acceptance.required.filter((c) => c !== 'sensor' && !o.acceptance.passed.some((p) => p.check === c));
  const technicians = people.items.filter((p) => p.role === 'technician');

  const acceptance = (() => {
    const a = o.acceptance;
    if (!['resolved', 'verified', 'closed'].includes(o.state) || a.required.length === 0) return '';
    const passed = new Set(a.passed.map((p) => p.check));
    const waiting = a.required.filter((c) => !passed.has(c));
    return html`<section aria-labelledby="acc">
      <h2 id="acc">${ctx.m.acceptance}</h2>
      ${a.required.includes('sensor') ? (passed.has('sensor') ? html`<p class="met">${ctx.m.sensorPassed}</p>` : a.sensorCheckAt ? html`<p class="soon">${ctx.m.sensorCheck(when(a.sensorCheckAt, tz, ctx.now))}</p>` : '') : ''}
      ${waiting.length ? html`<p>${ctx.m.waitingFor(waiting.map((c) => ctx.m.checks[c] ?? c).join(', '))}</p>` : ''}
    </section>`;
  })();

  const body = html` ${opts.error ? errorBox(opts.error) : ''}${opts.notice ? noticeBox(opts.notice) : ''}
    <p class="crumbs">
      <a href="${ctx.principal?.role === 'technician' ? '/orders' : '/board'}">← ${ctx.principal?.role === 'technician' ? ctx.m.myOrders : ctx.m.board}</a>
    </p>
    <h1>${o.title}</h1>
    <p class="badges">
      ${priorityBadge(ctx, o.priority)} ${stateBadge(ctx, o.state)} ${o.breached ? html`<span class="badge warn">${ctx.m.breached}</span>` : ''}
      ${o.reworkCount ? html`<span class="badge warn">${ctx.m.rework(o.reworkCount)}</span>` : ''}
    </p>
    <dl class="facts">
      <dt>${ctx.m.order}</dt>
      <dd>${o.id}</dd>
      <dt>${ctx.m.asset}</dt>
      <dd>${o.assetId ? html`<a href="/assets/${encodeURIComponent(o.assetId)}">${assetLabel(asset, o.assetId)}</a>` : '—'}</dd>
      <dt>${ctx.m.place}</dt>
      <dd>${place ?? '—'}${o.site ? ` · ${o.site}` : ''}</dd>
      <dt>${ctx.m.assignee}</dt>
      <dd>${o.assignee ? who(o.assignee) : ctx.m.unassigned}${o.team ? ` · ${o.team}` : ''}</dd>
      <dt>${ctx.m.opened}</dt>
      <dd>${when(o.createdAt, tz, ctx.now)} · ${ctx.m.sources[o.source] ?? o.source}</dd>
      ${
        o.requester
          ? html`<dt>${ctx.m.requester}</dt>
              <dd>
                ${o.requester.name}${o.requester.unit ? ` · ${o.requester.unit}` : ''}${o.requester.phone ? html` · <a href="tel:${o.requester.phone}">${o.requester.phone}</a>` : ''}
              </dd>`
          : ''
      }
    </dl>
    ${o.description ? html`<p class="desc">${o.description}</p>` : ''}
    <section aria-labelledby="sla">
      <h2 id="sla">${ctx.m.sla}</h2>
      ${slaClocks(ctx, o)}
    </section>
    ${acceptance}
    <section aria-labelledby="todo" class="todo">
      <h2 id="todo">${ctx.m.whatNext}</h2>
      ${can.filter((a) => a !== 'comment' && a !== 'attach').length === 0 ? html`<p class="muted">${ctx.m.nothingToDo}</p>` : ''}
      <div class="actions">${simple.map((a) => form(a))}</div>
      ${
        can.includes('verify')
          ? outstanding.map((c) =>
              form(
                'verify',
                html`<input type="hidden" name="check" value="${c}" />
                  <p class="muted">${ctx.m.checks[c] ?? c}</p>
                  ${noteField(false, `verify-${c}`)}`,
              ),
            )
          : ''
      }
      ${
        can.includes('assign') && technicians.length
          ? form(
              'assign',
              html`<label for="assignee">${ctx.m.reassignTo}</label
                ><select id="assignee" name="assignee" required>
                  ${technicians.map(
                    (p) =>
                      html`<option value="${p.id}" ${p.id === o.assignee ? html` selected` : ''}>
                        ${p.name}${p.skills.length ? ` (${p.skills.join(', ')})` : ''}
                      </option>`,
                  )}
                </select>
                ${
                  o.assignee ? html`<label for="note-assign">${ctx.m.reassignWhy}</label><input id="note-assign" name="note" maxlength="500" required />` : ''
                }`,
            )
          : ''
      }
      ${
        can.includes('hold')
          ? form(
              'hold',
              html`<label for="reason">${ctx.m.reason}</label
                ><select id="reason" name="reason" required>
                  ${holdReasons.map((r) => html`<option value="${r}">${ctx.m.holdReasons[r]}</option>`)}</select
                >${noteField(false, 'hold')}`,
            )
          : ''
      }
      ${can.includes('reject') ? form('reject', noteField(true, 'reject')) : ''} ${can.includes('cancel') ? form('cancel', noteField(true, 'cancel')) : ''}
      ${can.includes('reopen') ? form('reopen', noteField(true, 'reopen')) : ''}
    </section>
    ${
      o.checklist.length
        ? html`<section aria-labelledby="cl">
            <h2 id="cl">${ctx.m.checklist}</h2>
            ${
              working
                ? html`<form
                    method="post"
                    action="/orders/${encodeURIComponent(o.id)}/act${ctx.csrf ? `?_csrf=${encodeURIComponent(ctx.csrf)}` : ''}"
                    enctype="multipart/form-data"
                    class="checklist"
                  >
                    ${csrfField(ctx)}
                    <input type="hidden" name="version" value="${o.version}" />
                    <ol class="steps">
                      ${o.checklist.map((s, i) => stepInput(ctx, s, i, o.checklistResults[i] ?? null, true))}
                    </ol>
                    ${can.includes('record') ? html`<button type="submit" name="action" value="record" class="secondary" formnovalidate>${ctx.m.actions.record}</button>` : ''}
                    ${can.includes('resolve') ? html`<label for="note-resolve">${ctx.m.note}</label><textarea id="note-resolve" name="note" rows="2" maxlength="4000"></textarea><button type="submit" name="action" value="resolve">${ctx.m.actions.resolve}</button>` : ''}
                  </form>`
                : html`<ol class="steps">
                    ${o.checklist.map((s, i) => stepInput(ctx, s, i, o.checklistResults[i] ?? null, false))}
                  </ol>`
            }
          </section>`
        : working && can.includes('resolve')
          ? html`<section aria-labelledby="res">
              <h2 id="res">${ctx.m.actions.resolve}</h2>
              ${form('resolve', noteField(true, 'resolve'))}
            </section>`
          : ''
    }
    <section aria-labelledby="readings">
      <h2 id="readings">${ctx.m.latest}</h2>
      ${
        latest && Object.keys(latest.metrics).length
          ? html`<dl class="readings">
              ${Object.entries(latest.metrics).map(
                ([k, v]) =>
                  html`<dt>${metricLabel(ctx, asset?.type, k)}</dt>
                    <dd>
                      ${typeof v.value === 'boolean' ? (v.value ? ctx.m.assetPage.yes : ctx.m.assetPage.no) : String(v.value)} ${v.unit}
                      <span class="muted">${when(v.ts, tz, ctx.now)}</span>
                    </dd>`,
              )}
            </dl>`
          : html`<p class="muted">${ctx.m.noReadings}</p>`
      }
    </section>
    <section aria-labelledby="alarms">
      <h2 id="alarms">${ctx.m.recentAlarms}</h2>
      ${
        alarms && alarms.items.some((a) => a.raisedAt >= weekAgo)
          ? html`<ul class="plain">
              ${alarms.items
                .filter((a) => a.raisedAt >= weekAgo)
                .map(
                  (a) =>
                    html`<li>
                      <span class="badge sev-${a.severity}">${ctx.m.severity[a.severity] ?? a.severity}</span> ${a.message ?? a.ruleId}
                      <span class="muted">${when(a.raisedAt, tz, ctx.now)} · ${ctx.m.alarmStates[a.state] ?? a.state}</span>
                    </li>`,
                )}
            </ul>`
          : html`<p class="muted">${ctx.m.noAlarms}</p>`
      }
    </section>
    ${
      o.attachments.length || can.includes('attach')
        ? html`<section aria-labelledby="att">
            <h2 id="att">${ctx.m.attachments}</h2>
            ${
              o.attachments.length
                ? html`<ul class="thumbs">
                    ${o.attachments.map((a) => html`<li><a href="/api/work-orders/${encodeURIComponent(o.id)}/attachments/${a.id}">${a.contentType.startsWith('image/') ? html`<img src="/api/work-orders/${encodeURIComponent(o.id)}/attachments/${a.id}" alt="${a.filename}" loading="lazy" width="96" height="96" />` : a.filename}</a></li>`)}
                  </ul>`
                : ''
            }
            ${
              can.includes('attach')
                ? html`<form
                    method="post"
                    action="/orders/${encodeURIComponent(o.id)}/act${ctx.csrf ? `?_csrf=${encodeURIComponent(ctx.csrf)}` : ''}"
                    enctype="multipart/form-data"
                    class="act"
                  >
                    ${csrfField(ctx)} <input type="hidden" name="action" value="attach" /><label for="file">${ctx.m.takePhoto}</label
                    ><input
                      id="file"
                      name="file"
                      type="file"
                      accept="image/jpeg,image/png,image/webp,image/heic,application/pdf"
                      capture="environment"
                      required
                    />
                    <button type="submit" class="secondary">${ctx.m.actions.attach}</button>
                  </form>`
                : ''
            }
          </section>`
        : ''
    }
    ${
      can.includes('comment')
        ? html`<section aria-labelledby="cm">
            <h2 id="cm">${ctx.m.actions.comment}</h2>
            ${form('comment', noteField(true, 'comment'), 'secondary')}
          </section>`
        : ''
    }
    ${
      told
        ? html`<section aria-labelledby="told">
            <h2 id="told">${ctx.m.notices.whoWasTold}</h2>
            ${told.items.length === 0 ? html`<p class="empty">${ctx.m.notices.nobodyTold}</p>` : deliveriesTable(ctx, told.items, tz, names)}
          </section>`
        : ''
    }
    <section aria-labelledby="hist">
      <h2 id="hist">${ctx.m.history}</h2>
      <ol class="history">
        ${[...o.history].reverse().map(
          (e) =>
            html`<li>
              <time>${when(e.at, tz, ctx.now)}</time>
              <strong>${who(e.actor)}</strong> ${e.action ? (ctx.m.actions[e.action] ?? e.action) : (ctx.m.event[e.type] ?? e.type)}${
                e.to && e.from !== e.to ? html` → ${ctx.m.states[e.to] ?? e.to}` : ''
              }${e.note ? html`<br /><span class="note">${e.note}</span>` : ''}
            </li>`,
        )}
      </ol>
    </section>`;
  return {
    status: opts.error ? 400 : 200,
    body: page(ctx, `${o.id} ${o.title}`, body, { active: ctx.principal?.role === 'technician' ? 'orders' : 'board', live: true }),
  };
}
