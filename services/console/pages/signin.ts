import { html } from '../html.ts';
import { messages, type Lang } from '../i18n.ts';
import { barePage } from '../layout.ts';
import { errorBox, noticeBox } from '../widgets.ts';

/** The one page anyone may open: user name (or phone) and password. */
export function signInPage(lang: Lang, opts: { next: string; user?: string; error?: string; notice?: string }): string {
  const m = messages[lang];
  return barePage(
    lang,
    m.signIn,
    html`<div class="signin">
      <h1>${m.signIn}</h1>
      <p class="muted">${m.signInLead}</p>
      ${opts.notice ? noticeBox(opts.notice) : ''}${opts.error ? errorBox(opts.error) : ''}
      <form method="post" action="/signin">
        <input type="hidden" name="next" value="${opts.next}" />
        <label for="user">${m.user}</label>
        <input
          id="user"
          name="user"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          value="${opts.user ?? ''}"
          ${opts.user ? '' : html` autofocus`}
        />
        <label for="password">${m.password}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required${opts.user ? html` autofocus` : ''} />
        <button type="submit">${m.signIn}</button>
      </form>
    </div>`,
  );
}
