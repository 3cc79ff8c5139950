import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { keyedApi, launchChromium, openTab } from '../testing/console.ts';
import { requireProgram, startTestFms } from '../testing/harness.ts';

const browserProgram = requireProgram('chromium', 'chromium');
const ADMIN_KEY = 'admin-key-for-the-console-people-tests-0123456';
const BOSS = { user: 'boss', password: 'quiet harbour lantern 7' };
const SUPERVISOR = { user: 'zhang-min', password: 'copper valve ledger 55' };
const TECHNICIAN = { user: 'li-wei', password: 'orange lift cable 42' };

const estate = {
  sites: [
    { id: 'riverside', timeZone: 'Asia/Shanghai' },
    { id: 'lakeview', timeZone: 'Asia/Shanghai' },
  ],
  assets: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Booster pump' }],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'], phone: '13900000001' },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'], onDuty: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '08:00-20:00' }] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [
    { id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' },
    { id: 'lv-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: [], supervisor: 'zhang-min' },
  ],
};

/**
 * People, teams and console accounts managed in the console by an administrator, in a real Chromium at
 * phone size, everyone signed in with their own account (sessions, CSRF tokens and all); and the
 * one-time sign-in link from the administrator's page to the person's first password.
 */
describe.skipIf(!browserProgram.available)(`people and accounts in the console, in Chromium ${browserProgram.reason}`, () => {
  let browser: Browser;
  let fms: Fms & { records: Record<string, unknown>[] };
  const api = keyedApi(() => fms.httpUrl, ADMIN_KEY);

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN_KEY });
    for (const account of [
      { user: BOSS.user, name: 'Facility admin', role: 'admin', password: BOSS.password },
      { personId: 'zhang-min', role: 'supervisor', password: SUPERVISOR.password },
      { personId: 'li-wei', role: 'technician', password: TECHNICIAN.password },
    ])
      expect((await api('POST', '/api/accounts', account)).status).toBe(201);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  /**
   * A phone-sized browser of its own (no cookies), English unless told; what it complains about is kept
   * (script errors, refusals by the security policy), apart from the answers' statuses a test expects.
   */
  async function phone(opts: { language?: string } = {}): Promise<{ context: BrowserContext; page: Page; problems: () => string[] }> {
    const language = opts.language ?? 'en-GB,en;q=0.9';
    const { context, page, problems } = await openTab(browser, {
      locale: language.split(',')[0],
      acceptLanguage: language,
      expected: (m) => /Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()),
    });
    // A step that fails says which, well before the test's own time is up.
    context.setDefaultTimeout(10_000);
    return { context, page, problems: () => problems };
  }
  const signIn = async (page: Page, who: { user: string; password: string }) => {
    await page.goto(`${fms.httpUrl}/signin`);
    await page.locator('#user').fill(who.user);
    await page.locator('#password').fill(who.password);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/signin'), page.locator('form[action="/signin"] button[type=submit]').click()]);
  };
  const noSidewaysScroll = async (page: Page) => {
    const w = (await page.evaluate('({ content: document.documentElement.scrollWidth, window: window.innerWidth })')) as { content: number; window: number };
    expect(w.content, page.url()).toBeLessThanOrEqual(w.window);
  };
  /** The text a person reads, its white space as the browser shows it. */
  const textOf = async (l: { textContent(): Promise<string | null> }) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const signedIn = async (context: BrowserContext) => (await context.cookies()).some((c) => c.name.includes('fms_session'));

  it('an admin adds a person, puts them on a team and gives them an account by a one-time link; the person sets a password and signs in with it', async () => {
    const admin = await phone();
    const person = await phone();
    try {
      const { page } = admin;
      await signIn(page, BOSS);
      await page.getByRole('link', { name: 'People', exact: true }).click();
      await page.waitForURL('**/people');
      expect(await page.locator('h1').textContent()).toBe('People and teams');
      expect(await textOf(page.locator('#team-rs-eng'))).toMatch(/Chen Jie .*On duty: Mon Tue Wed Thu Fri 08:00-20:00/);
      expect(await textOf(page.locator('#team-rs-eng'))).toMatch(/Account: li-wei · technician · whole estate · enabled · never signed in/);
      await noSidewaysScroll(page);

      // Add Sun Yu…
      await page.locator('#add-person summary').click();
      await page.locator('#p-id').fill('sun-yu');
      await page.locator('#p-name').fill('Sun Yu');
      await page.locator('#p-skills').fill('pump, electrical');
      await page.locator('#p-phone').fill('13700000003');
      await page.getByRole('button', { name: 'Add', exact: true }).first().click();
      await page.waitForURL('**/people/sun-yu?done=personAdded');
      expect(await page.locator('h1').textContent()).toBe('Sun Yu');
      await expect(page.locator('.notice').textContent()).resolves.toMatch(/Person added/);
      await noSidewaysScroll(page);
      // …on the Riverside team, told by email and SMS in Chinese, quiet at night…
      const edit = page.locator('form[action="/people/sun-yu"]');
      await edit.getByLabel('Riverside engineering').check();
      await edit.getByLabel('Email', { exact: true }).fill('sun.yu@estate.example');
      await edit.getByLabel('By SMS').check();
      await edit.getByLabel('Messages in').selectOption('zh');
      await edit.getByLabel('Quiet hours').fill('25:00-07:00');
      await page.getByRole('button', { name: 'Save' }).click();
      // A mistyped time is said beside the form, and what was typed is kept.
      await expect(page.locator('.error').first().textContent()).resolves.toMatch(/quietHours: expected hours such as 22:00-07:00/);
      await expect(edit.getByLabel('Email', { exact: true }).inputValue()).resolves.toBe('sun.yu@estate.example');
      await edit.getByLabel('Quiet hours').fill('22:00-07:00');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL('**/people/sun-yu?done=saved');
      expect((await api('GET', '/api/teams/rs-eng')).body.members).toEqual(['li-wei', 'chen-jie', 'sun-yu']);
      expect((await api('GET', '/api/people/sun-yu')).body).toMatchObject({
        email: 'sun.yu@estate.example',
        notify: ['email', 'sms'],
        language: 'zh',
        quietHours: '22:00-07:00',
      });
      await expect(textOf(page.locator('dl.facts'))).resolves.toMatch(/Told by Notifications, Email, SMS · Quiet hours: 22:00-07:00/);
      await page.goto(`${fms.httpUrl}/teams/rs-eng`);
      expect(await page.getByLabel('Sun Yu (sun-yu)').isChecked()).toBe(true);
      await noSidewaysScroll(page);

      // …with an account and no password: the page shows the link once, and is not kept by the browser.
      await page.goto(`${fms.httpUrl}/people/sun-yu`);
      const [made] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/people/sun-yu/account') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Create account' }).click(),
      ]);
      expect(made.headers()['cache-control']).toBe('no-store');
      const url = await page.locator('#link-url').inputValue();
      expect(url).toMatch(new RegExp(`^${fms.httpUrl}/signin/link\\?token=fmsl_[A-Za-z0-9_-]{43}$`));
      await expect(page.locator('.link-box').textContent()).resolves.toMatch(/works once, until \d\d:\d\d/);
      expect(await page.getByRole('button', { name: 'Copy link' }).isVisible()).toBe(true);
      await noSidewaysScroll(page);
      const token = new URL(url).searchParams.get('token')!;
      // Never stored or logged: not in the log, not in the audit log.
      expect(JSON.stringify(fms.records)).not.toContain(token);
      expect(JSON.stringify((await api('GET', '/api/audit?limit=1000')).body)).not.toContain(token);

      // The person opens the link — as a chat app's preview would, twice: nothing is spent, nobody signed in.
      const p = person.page;
      for (let i = 0; i < 2; i++) {
        const opened = await p.goto(url);
        expect(opened!.status()).toBe(200);
        expect(opened!.headers()['cache-control']).toBe('no-store');
      }
      expect(await signedIn(person.context)).toBe(false);
      await p.goto(`${fms.httpUrl}/orders`);
      expect(new URL(p.url()).pathname).toBe('/signin');
      await p.goto(url);
      await noSidewaysScroll(p);
      await p.getByRole('button', { name: 'Sign in and set your password' }).click();
      await p.waitForURL('**/account');
      expect(await p.locator('h1').textContent()).toBe('Set your password');
      // After a link no old password is asked.
      expect(await p.locator('input[name=oldPassword]').count()).toBe(0);
      await noSidewaysScroll(p);
      // Two different passwords: said, and nothing set.
      await p.getByLabel('New password', { exact: true }).fill('tidal copper window 93');
      await p.getByLabel('New password again').fill('tidal copper window 94');
      await p.getByRole('button', { name: 'Save password' }).click();
      await expect(p.locator('.error').textContent()).resolves.toMatch(/differ/);
      await p.getByLabel('New password', { exact: true }).fill('tidal copper window 93');
      await p.getByLabel('New password again').fill('tidal copper window 93');
      await p.getByRole('button', { name: 'Save password' }).click();
      await p.waitForURL('**/account?done=password');
      await expect(p.locator('.notice').textContent()).resolves.toMatch(/password is set/);
      expect(await p.locator('h1').textContent()).toBe('My account');
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL('**/signin');
      await signIn(p, { user: 'sun-yu', password: 'tidal copper window 93' });
      expect(new URL(p.url()).pathname).toBe('/orders');
      await expect(p.locator('.me').textContent()).resolves.toMatch(/Sun Yu · technician/);

      // The link once used says so, and what to do.
      const again = await person.context.newPage();
      await again.goto(url);
      await again.getByRole('button', { name: 'Sign in and set your password' }).click();
      await again.waitForSelector('h1:has-text("This link no longer works")');
      await expect(again.locator('main').textContent()).resolves.toMatch(/Ask an administrator for a new one/);
      await noSidewaysScroll(again);

      // The admin's directory shows the account and its sign-in.
      await page.goto(`${fms.httpUrl}/people`);
      expect(await textOf(page.locator('#team-rs-eng'))).toMatch(/Account: sun-yu · technician · whole estate · enabled · last signed in \d\d:\d\d/);
      expect(admin.problems()).toEqual([]);
      expect(person.problems()).toEqual([]);
    } finally {
      await admin.context.close();
      await person.context.close();
    }
  });

  it('shows the API’s refusal beside the form and keeps what the admin typed', async () => {
    const { context, page, problems } = await phone();
    try {
      await signIn(page, BOSS);
      await page.goto(`${fms.httpUrl}/people/chen-jie`);
      await page.getByLabel('User name', { exact: true }).fill('chen jie');
      await page.locator('form[action="/people/chen-jie/account"]').getByLabel('lakeview').check();
      await page.getByLabel('Language').selectOption('zh');
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Create account' }).click(),
      ]);
      expect(answer.status()).toBe(400);
      await page.waitForSelector('.error');
      await expect(
        page
          .locator('section', { has: page.locator('#account-h') })
          .locator('.error')
          .textContent(),
      ).resolves.toMatch(/user: expected 1-64 of a-z 0-9 \. _ -/);
      expect(await page.getByLabel('User name', { exact: true }).inputValue()).toBe('chen jie');
      expect(await page.locator('form[action="/people/chen-jie/account"]').getByLabel('lakeview').isChecked()).toBe(true);
      expect(await page.getByLabel('Language').inputValue()).toBe('zh');
      await noSidewaysScroll(page);
      expect((await api('GET', '/api/accounts')).body.items.some((a: any) => a.personId === 'chen-jie')).toBe(false);
      expect(problems()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an admin adds a team and disables and enables a person; what the directory refuses is said beside its form', async () => {
    const { context, page, problems } = await phone();
    try {
      await signIn(page, BOSS);
      await page.goto(`${fms.httpUrl}/people`);
      await page.locator('#add-team summary').click();
      const form = page.locator('form[action="/teams"]');
      await page.locator('#t-id').fill('lv night');
      await page.locator('#t-name').fill('Lakeview night shift');
      await form.getByLabel('lakeview').check();
      await form.getByLabel('Chen Jie (chen-jie)').check();
      await page.locator('#t-supervisor').selectOption('zhang-min');
      await form.getByRole('button', { name: 'Add' }).click();
      await page.waitForSelector('#add-team .error');
      expect(await textOf(page.locator('#add-team .error'))).toMatch(/id: expected 1-64 of A-Z a-z 0-9 _ -/);
      expect(await page.locator('#t-name').inputValue()).toBe('Lakeview night shift');
      expect(await form.getByLabel('Chen Jie (chen-jie)').isChecked()).toBe(true);
      await page.locator('#t-id').fill('lv-night');
      await form.getByRole('button', { name: 'Add' }).click();
      await page.waitForURL('**/people?done=teamAdded#team-lv-night');
      expect(await textOf(page.locator('#team-lv-night'))).toMatch(/Sites: lakeview · Supervisor: Zhang Min .*Chen Jie/);
      expect((await api('GET', '/api/teams/lv-night')).body).toMatchObject({ sites: ['lakeview'], members: ['chen-jie'], supervisor: 'zhang-min' });

      // A team's supervisor cannot be disabled: the directory's reason, beside the form.
      await page.goto(`${fms.httpUrl}/people/zhang-min`);
      await page.getByRole('button', { name: 'Disable person' }).click();
      await page.waitForSelector('.error');
      expect(await textOf(page.locator('section', { has: page.locator('#state-h') }).locator('.error'))).toMatch(/zhang-min/);
      // A technician can, with a note; and enabled again.
      await page.goto(`${fms.httpUrl}/people/chen-jie`);
      await page.getByLabel('Note (why, until when)').fill('on leave until March');
      await page.getByRole('button', { name: 'Disable person' }).click();
      await page.waitForURL('**/people/chen-jie?done=personDisabled');
      expect(await textOf(page.locator('.badges'))).toMatch(/disabled/);
      expect((await api('GET', '/api/people/chen-jie')).body.enabled).toBe(false);
      await page.getByRole('button', { name: 'Enable person' }).click();
      await page.waitForURL('**/people/chen-jie?done=personEnabled');
      expect((await api('GET', '/api/people/chen-jie')).body.enabled).toBe(true);
      await noSidewaysScroll(page);
      expect(problems()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('an admin disables an account and its open session is refused on the next page; enabled again and reset, the new link works', async () => {
    const admin = await phone();
    const tech = await phone();
    try {
      await signIn(tech.page, TECHNICIAN);
      expect(new URL(tech.page.url()).pathname).toBe('/orders');

      const { page } = admin;
      await signIn(page, BOSS);
      await page.goto(`${fms.httpUrl}/people/li-wei`);
      await page.getByRole('button', { name: 'Disable account' }).click();
      await page.waitForURL('**/people/li-wei?done=accountDisabled*');
      await expect(page.locator('.notice').textContent()).resolves.toBe('Account disabled; 1 open session(s) ended.');
      await tech.page.goto(`${fms.httpUrl}/orders`);
      expect(new URL(tech.page.url()).pathname).toBe('/signin');
      // Its password no longer signs in (said to whoever knows it).
      await tech.page.locator('#user').fill(TECHNICIAN.user);
      await tech.page.locator('#password').fill(TECHNICIAN.password);
      await tech.page.getByRole('button', { name: 'Sign in' }).click();
      await expect(tech.page.locator('.error').textContent()).resolves.toMatch(/disabled/);

      await page.getByRole('button', { name: 'Enable account' }).click();
      await page.waitForURL('**/people/li-wei?done=accountEnabled');
      await page.getByRole('button', { name: 'Reset password' }).click();
      const url = await page.locator('#link-url').inputValue();
      expect(url).toContain('/signin/link?token=fmsl_');
      await noSidewaysScroll(page);

      // The old password stopped working; the link sets a new one.
      const old = await fetch(`${fms.httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: TECHNICIAN.user, password: TECHNICIAN.password }),
      });
      expect(old.status).toBe(401);
      await tech.page.goto(url);
      await tech.page.getByRole('button', { name: 'Sign in and set your password' }).click();
      await tech.page.waitForURL('**/account');
      await tech.page.getByLabel('New password', { exact: true }).fill('brass pulley window 61');
      await tech.page.getByLabel('New password again').fill('brass pulley window 61');
      await tech.page.getByRole('button', { name: 'Save password' }).click();
      await tech.page.waitForURL('**/account?done=password');
      TECHNICIAN.password = 'brass pulley window 61';
      await tech.page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(tech.page, TECHNICIAN);
      expect(new URL(tech.page.url()).pathname).toBe('/orders');
      // With a password set, changing it asks for the old one.
      await tech.page.goto(`${fms.httpUrl}/account`);
      expect(await tech.page.locator('h1').textContent()).toBe('My account');
      await tech.page.getByLabel('Current password').fill('not my password at all');
      await tech.page.getByLabel('New password', { exact: true }).fill('green ladder signal 28');
      await tech.page.getByLabel('New password again').fill('green ladder signal 28');
      await tech.page.getByRole('button', { name: 'Save password' }).click();
      await tech.page.waitForSelector('.error');
      await noSidewaysScroll(tech.page);
      expect(admin.problems()).toEqual([]);
      expect(tech.problems()).toEqual([]);
    } finally {
      await admin.context.close();
      await tech.context.close();
    }
  });

  it('refuses the people pages to a supervisor and a technician, and a form posted without the CSRF token', async () => {
    for (const who of [SUPERVISOR, TECHNICIAN]) {
      const { context, page } = await phone();
      try {
        await signIn(page, who);
        expect(await page.getByRole('link', { name: 'People', exact: true }).count()).toBe(0);
        for (const path of ['/people', '/people/li-wei', '/teams/rs-eng']) {
          const res = await page.goto(`${fms.httpUrl}${path}`);
          expect(res!.status(), `${who.user} ${path}`).toBe(403);
          expect(await page.locator('h1').textContent()).toBe('Not allowed');
        }
      } finally {
        await context.close();
      }
    }
    const { context, page } = await phone();
    try {
      await signIn(page, BOSS);
      await page.goto(`${fms.httpUrl}/people`);
      // The admin's own session, from the console's own page, but without the form's token: refused.
      const res = await page.request.post(`${fms.httpUrl}/people`, { form: { id: 'forged', name: 'Forged' }, headers: { origin: fms.httpUrl } });
      expect(res.status()).toBe(403);
      expect(await res.text()).toMatch(/CSRF token/);
      expect((await api('GET', '/api/people/forged')).status).toBe(404);
    } finally {
      await context.close();
    }
  });

  it('keeps the language a person chose on their account: a fresh browser asking for English shows Chinese; the header switch saves it too', async () => {
    const first = await phone();
    try {
      await signIn(first.page, SUPERVISOR);
      await first.page.locator('a.me').click();
      await first.page.waitForURL('**/account');
      await first.page.getByLabel('中文').check();
      await first.page.getByRole('button', { name: 'Save language' }).click();
      await first.page.waitForURL('**/account?done=language');
      expect(await first.page.locator('h1').textContent()).toBe('我的账号');
      expect(await first.page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await noSidewaysScroll(first.page);
      expect(first.problems()).toEqual([]);
    } finally {
      await first.context.close();
    }
    const fresh = await phone({ language: 'en-US,en;q=0.9' });
    try {
      await signIn(fresh.page, SUPERVISOR);
      expect(await fresh.page.locator('h1').textContent()).toBe('未完成工单');
      // The header's switch, signed in: saved on the account as well.
      await fresh.page.locator('header').getByRole('button', { name: 'English' }).click();
      await fresh.page.waitForURL('**/board');
      expect(await fresh.page.locator('h1').textContent()).toBe('Open orders');
      expect(fresh.problems()).toEqual([]);
    } finally {
      await fresh.context.close();
    }
    const third = await phone({ language: 'zh-CN,zh;q=0.9' });
    try {
      await signIn(third.page, SUPERVISOR);
      expect(await third.page.locator('h1').textContent()).toBe('Open orders');
    } finally {
      await third.context.close();
    }
  });
});
