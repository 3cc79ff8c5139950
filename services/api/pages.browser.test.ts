import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { requireProgram, startTestFms } from '../testing/harness.ts';

const browserProgram = requireProgram('chromium', 'chromium');

/** The pages FMS serves, opened in a real browser under FMS's content security policy. */
describe.skipIf(!browserProgram.available)(`pages served by FMS in Chromium ${browserProgram.reason}`, () => {
  let browser: Browser;
  let fms: Fms;
  beforeAll(async () => {
    fms = await startTestFms();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  async function open(path: string) {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => m.type() === 'error' && refused.push(m.text()));
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
});
