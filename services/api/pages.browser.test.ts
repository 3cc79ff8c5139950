import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { launchChromium, watchProblems } from '../testing/console.ts';
import { requireProgram, startTestFms } from '../testing/harness.ts';

const browserProgram = requireProgram('chromium', 'chromium');

/** The pages FMS serves, opened in a real browser under FMS's content security policy. */
describe.skipIf(!browserProgram.available)(`pages served by FMS in Chromium ${browserProgram.reason}`, () => {
  let browser: Browser;
  let fms: Fms;
  beforeAll(async () => {
    fms = await startTestFms();
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  async function open(path: string) {
    const page = await browser.newPage();
    const refused = watchProblems(page);
    await page.goto(`${fms.httpUrl}${path}`);
    return { page, refused };
  }

  it('shows the API documentation, nothing blocked by the security policy', async () => {
    const { page, refused } = await open('/api/docs');
    await page.waitForSelector('.opblock', { timeout: 15_000 });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    expect(refused.filter((r) => /Content Security Policy|Refused/.test(r))).toEqual([]);
    await page.close();
  });

  it('shows a report page with its sections and styles, nothing blocked by the security policy', async () => {
    const created = (await fms.api.inject({ method: 'POST', url: '/api/reports', payload: {} })).json();
    const { page, refused } = await open(`/api/reports/${created.id}/report.html`);
    expect(await page.locator('h1').textContent()).toMatch(/^Maintenance report/);
    expect(await page.locator('h2').count()).toBeGreaterThan(8);
    // The inline styles apply: headings have their rule underneath (a string: no DOM types here).
    expect(await page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle")).toBe('solid');
    expect(refused.filter((r) => /Content Security Policy|Refused/.test(r))).toEqual([]);
    await page.close();
  });

  it('lets a person paste an API key in the docs page ("Authorize") and try a route with it', async () => {
    const ADMIN = 'admin-key-for-the-browser-tests-0123456789';
    const secured = await startTestFms(undefined, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
    const page = await browser.newPage();
    try {
      await page.goto(`${secured.httpUrl}/api/docs`);
      const assets = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/api/assets"]') }).first();
      const tryIt = async () => {
        await assets.locator('.opblock-summary').click({ timeout: 5000 });
        await assets.locator('.try-out__btn').click({ timeout: 5000 });
        await assets.locator('.execute').click({ timeout: 5000 });
        const status = assets.locator('.live-responses-table .response .response-col_status').first();
        await status.waitFor({ timeout: 10_000 });
        return (await status.textContent())!.trim();
      };
      await page.waitForSelector('.btn.authorize', { timeout: 15_000 });
      // Without a key: 401.
      expect(await tryIt()).toMatch(/^401/);
      // Authorize with the key, close the dialog, run the same request again.
      await page.locator('.btn.authorize').first().click({ timeout: 5000 });
      await page.locator('#auth-bearer-value').fill(ADMIN, { timeout: 5000 });
      await page.locator('.auth-btn-wrapper button[type=submit]').click({ timeout: 5000 });
      await page.locator('.auth-btn-wrapper .btn-done').click({ timeout: 5000 });
      await assets.locator('.execute').click({ timeout: 5000 });
      // A string: no DOM types here.
      await page.waitForFunction(
        "[...document.querySelectorAll('.opblock-get .live-responses-table .response .response-col_status')].some((e) => e.textContent.trim().startsWith('200'))",
        undefined,
        { timeout: 10_000 },
      );
    } finally {
      await page.close();
      await secured.stop();
    }
  }, 60_000);
});
