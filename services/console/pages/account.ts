import type { ApiClient } from '../api-client.ts';
import { html } from '../html.ts';
import { messages, type Lang } from '../i18n.ts';
import { barePage, csrfField, page, type PageContext } from '../layout.ts';
import { errorBox, noticeBox } from '../widgets.ts';

/** Who is signed in, as GET /api/session says. */
interface SignedIn {
  kind: 'key' | 'account';
  user?: string;
  name: string;
  role: string;
  language: 'en' | 'zh' | null;
  mustSetPassword?: boolean;
}

/** The signed-in person's own account: their password (set it after a one-time link) and the console's language. */
export async function accountPage(
  api: ApiClient,
  ctx: PageContext,
  opts: { error?: { form: 'password' | 'language'; message: string } | undefined; notice?: string | undefined } = {},
): Promise<string> {
  const ap = ctx.m.accountPage;
  const me = await api.get<SignedIn>('/api/session');
  const setting = me.kind === 'account' && me.mustSetPassword === true;
  const title = setting ? ap.setTitle : ap.title;
  const errorOf = (form: 'password' | 'language') => (opts.error?.form === form ? errorBox(opts.error.message) : '');
  const choice = me.language ?? '';
  return page(
    ctx,
    title,
    html`<h1 id="title-h">${title}</h1>
      ${opts.notice ? noticeBox(opts.notice) : ''}
      <p>${ap.who(me.name, me.user ?? '', ctx.m.roles[me.role] ?? me.role)}</p>
      ${
        me.kind !== 'account'
          ? html`<p class="muted">${ap.keyNote}</p>`
          : html`<section class="todo" aria-labelledby="${setting ? 'title-h' : 'password-h'}">
                ${setting ? '' : html`<h2 id="password-h">${ap.changeTitle}</h2>`} ${setting ? html`<p>${ap.setLead}</p>` : ''}
                <p class="muted small" id="policy">${ap.policy}</p>
                ${errorOf('password')}
                <form method="post" action="/account/password" class="stack">
                  ${csrfField(ctx)}
                  <input type="text" name="username" autocomplete="username" value="${me.user ?? ''}" hidden />
                  ${
                    setting
                      ? ''
                      : html`<label for="old-password">${ap.old}</label>
                          <input id="old-password" name="oldPassword" type="password" autocomplete="current-password" required />`
                  }
                  <label for="new-password">${ap.new}</label>
                  <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="12" aria-describedby="policy" required />
                  <label for="repeat-password">${ap.repeat}</label>
                  <input id="repeat-password" name="repeat" type="password" autocomplete="new-password" minlength="12" required />
                  <button type="submit">${ap.save}</button>
                </form>
              </section>
              <section class="todo" aria-labelledby="language-h">
                <h2 id="language-h">${ap.languageTitle}</h2>
                <p class="muted small">${ap.languageLead}</p>
                ${errorOf('language')}
                <form method="post" action="/account/language" class="stack">
                  ${csrfField(ctx)}
                  <fieldset class="choices">
                    <legend class="visually-hidden">${ap.languageTitle}</legend>
                    ${[
                      { value: '', label: ap.browser },
                      { value: 'en', label: 'English' },
                      { value: 'zh', label: '中文' },
                    ].map(
                      (o) =>
                        html`<label class="check"
                          ><input type="radio" name="language" value="${o.value}" ${choice === o.value ? html` checked` : ''} /> ${o.label}</label
                        >`,
                    )}
                  </fieldset>
                  <button type="submit" class="secondary">${ap.saveLanguage}</button>
                </form>
              </section>`
      }
      ${setting ? '' : html`<p><a href="/">${ap.continue}</a></p>`}`,
  );
}

/**
 * Where a one-time sign-in link lands. Opening it spends nothing (chat apps and mail scanners open
 * links to preview them): the button posts the token, and only that signs the person in.
 */
export function linkPage(lang: Lang, token: string): string {
  const lp = messages[lang].linkPage;
  return barePage(
    lang,
    lp.title,
    html`<div class="signin">
      <h1>${lp.title}</h1>
      <p>${lp.lead}</p>
      <form method="post" action="/signin/link">
        <input type="hidden" name="token" value="${token}" />
        <button type="submit">${lp.button}</button>
      </form>
    </div>`,
    `/signin/link?token=${encodeURIComponent(token)}`,
  );
}

/** A link that signs in no more (expired, used, replaced), or another refusal of it (a disabled account, too many tries). */
export function linkRefusedPage(lang: Lang, message?: string): string {
  const lp = messages[lang].linkPage;
  return barePage(
    lang,
    lp.usedTitle,
    html`<div class="signin">
      <h1>${lp.usedTitle}</h1>
      ${message ? errorBox(message) : html`<p>${lp.usedText}</p>`}
      <p><a href="/signin">${lp.toSignIn}</a></p>
    </div>`,
  );
}
