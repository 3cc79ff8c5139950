import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFms, type Fms } from '../app.ts';
import { testConfig } from '../config/config.ts';
import { keyedApi, launchChromium, openTab, type Tab } from '../testing/console.ts';
import { captureLogger, requireProgram } from '../testing/harness.ts';

const browserProgram = requireProgram('chromium', 'chromium');
const ADMIN = 'admin-key-for-the-sign-in-tests-0123456789';
const PASSWORD = 'blue gate spring 17';
const estate = {
  sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
  assets: [{ id: 'rs-gate-01', type: 'gate', site: 'riverside', name: 'North gate', location: 'North entrance' }],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['gate'] },
    { id: 'wang-fang', name: 'Wang Fang', skills: ['gate'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [{ id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'wang-fang'], supervisor: 'zhang-min' }],
};

/**
 * Signing in to the console in a real browser when it does not simply work: too many wrong passwords
 * hold the person back, and a session left unused ends. FMS runs on a clock the test moves (its own
 * `now`), so waits of minutes and hours take none.
 */
describe.skipIf(!browserProgram.available)(`signing in to the console, when it fails ${browserProgram.reason}`, () => {
  let browser: Browser;
  let fms: Fms;
  const clock = { t: Date.now() };
  const admin = keyedApi(() => fms.httpUrl, ADMIN);

  beforeAll(async () => {
    fms = await startFms(testConfig({ estate, FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, FMS_SESSION_IDLE: '2h' }), captureLogger().log, () => clock.t);
    for (const personId of ['li-wei', 'wang-fang'])
      expect((await admin('POST', '/api/accounts', { personId, role: 'technician', password: PASSWORD })).status).toBe(201);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  const phone = (language = 'en-GB'): Promise<Tab> => openTab(browser, { locale: language, acceptLanguage: language });
  async function signIn(page: Page, user: string, password: string, labels = { user: 'User name or phone', password: 'Password', button: 'Sign in' }) {
    await page.getByLabel(labels.user).fill(user);
    await page.getByLabel(labels.password).fill(password);
    await page.getByRole('button', { name: labels.button }).click();
    await page.waitForLoadState('domcontentloaded');
  }

  it('holds a person back after too many wrong passwords, says how long in their language, and lets them in once the wait is over', async () => {
    const { context, page, problems } = await phone('zh-CN');
    const zh = { user: '用户名或手机号', password: '密码', button: '登录' };
    try {
      await page.goto(`${fms.httpUrl}/orders`);
      expect(new URL(page.url()).pathname).toBe('/signin');
      // Five mistakes cost nothing but the message; the sixth holds the account back from this address.
      for (let i = 0; i < 6; i++) {
        await signIn(page, 'wang-fang', `wrong password ${i}`, zh);
        expect(await page.locator('.error').textContent()).toBe('用户名或密码错误。');
      }
      // Now even the right password waits: the page says so, and keeps what was typed.
      await signIn(page, 'wang-fang', PASSWORD, zh);
      expect(await page.locator('.error').textContent()).toBe('登录失败次数过多：请等待1秒后再试。');
      expect(await page.getByLabel(zh.user).inputValue()).toBe('wang-fang');
      expect(new URL(page.url()).pathname).toBe('/signin');
      expect((await context.cookies()).some((c) => c.name.includes('fms_session'))).toBe(false);

      clock.t += 2000;
      await signIn(page, 'wang-fang', PASSWORD, zh);
      await page.waitForURL('**/orders');
      expect(await page.locator('h1').textContent()).toBe('我的工单');
      // The audit log has the lock and the sign-in.
      const audit = (await admin('GET', '/api/audit?limit=100')).body.items as { action: string; outcome: string; actor: string }[];
      expect(audit.filter((r) => r.actor === 'account:wang-fang').map((r) => `${r.action} ${r.outcome}`)).toEqual(
        expect.arrayContaining(['account.login ok', 'account.login denied', 'account.login failed']),
      );
      // The refusals are the page's own answers (401, 429); nothing else went wrong.
      expect(problems.filter((p) => !/\b(401|429)\b/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('sends a person whose session ended back to the sign-in page, saying why, and on to the page they wanted', async () => {
    const { context, page, problems } = await phone();
    try {
      await page.goto(`${fms.httpUrl}/signin`);
      await signIn(page, 'li-wei', PASSWORD);
      // Home for a technician is their orders.
      await page.waitForURL('**/orders');
      expect(await page.locator('h1').textContent()).toBe('My orders');

      // Two hours and a minute without using it: the session is over.
      clock.t += 2 * 3_600_000 + 60_000;
      await page.goto(`${fms.httpUrl}/alarms`);
      const at = new URL(page.url());
      expect(at.pathname).toBe('/signin');
      expect(at.searchParams.get('next')).toBe('/alarms');
      expect(await page.locator('.notice').textContent()).toBe('Your session has ended (unused too long, or signed in too long ago). Sign in again to go on.');
      // The browser was told to forget the cookie that signs in no more.
      expect((await context.cookies()).some((c) => c.name.includes('fms_session'))).toBe(false);

      await signIn(page, 'li-wei', PASSWORD);
      await page.waitForURL('**/alarms');
      expect(await page.locator('h1').textContent()).toBe('Active alarms');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
