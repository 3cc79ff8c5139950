import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireProgram, waitFor } from '../testing/harness.ts';
import { startMailCatcher, type MailCatcher } from '../testing/smtp.ts';
import { PNG, startResidentsFms } from './testing/residents-estate.ts';

const browserProgram = requireProgram('chromium', 'chromium');
const SHOTS = process.env.FMS_RESIDENT_SHOTS; // a folder: the pages as images, for docs/images/residents

/**
 * A resident in a real Chromium at 360 px: scans the poster, files a request with a photo, follows it
 * while the staff work it through the API, says it is not fixed, then confirms and rates it.
 */
describe.skipIf(!browserProgram.available)(`a resident's request in Chromium ${browserProgram.reason}`, () => {
  let fms: Awaited<ReturnType<typeof startResidentsFms>>;
  let browser: Browser;
  let mail: MailCatcher;
  const inbox = (what: RegExp) => waitFor(() => mail.to('zhou@example.com').find((m) => what.test(m.mail.subject ?? '')), 5000, `an email "${what.source}"`);

  const act = async (id: string, body: Record<string, unknown>) => {
    const res = await fetch(`${fms.httpUrl}/api/work-orders/${id}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
  };
  const order = async (id: string) => (await (await fetch(`${fms.httpUrl}/api/work-orders/${id}`)).json()) as any;
  const shot = async (page: Page, name: string) => {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };
  const fitsWidth = async (page: Page) => (await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')) as boolean;

  beforeAll(async () => {
    mail = await startMailCatcher();
    // The resident is told by a real mail server, through the outbox.
    fms = await startResidentsFms({ hotline: '400-800-1234' }, { FMS_SMTP_URL: mail.url });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
    await mail?.close();
  });

  it('scans the poster, files with a photo, follows the work, rejects it once, then confirms and rates it', async () => {
    // The staff print the pump's poster; its QR code holds the pump's request page.
    const staff = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await staff.goto(`${fms.httpUrl}/posters/riverside/rs-pump-01`);
    const url = (await staff.locator('.poster-url').textContent())!.trim();
    expect(url).toBe(`${fms.httpUrl}/request/riverside/rs-pump-01`);
    await expect(staff.locator('.poster-qr svg').count()).resolves.toBe(1);
    await shot(staff, 'poster-en-1280');
    // Printed, the poster is one A4 sheet without the console around it.
    const pdf = (await staff.pdf({ format: 'A4', preferCSSPageSize: true })).toString('latin1');
    expect(pdf.match(/\/Type\s*\/Page\b/g)).toHaveLength(1);
    await staff.emulateMedia({ media: 'print' });
    await expect(staff.locator('header.top').isVisible()).resolves.toBe(false);
    await expect(staff.locator('.poster-qr svg').boundingBox()).resolves.toMatchObject({ width: expect.any(Number) });
    await shot(staff, 'poster-print');

    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(url);
    await expect(page.locator('h1').textContent()).resolves.toBe('Report a problem');
    await expect(page.locator('.where').textContent()).resolves.toContain('Booster pump 1');
    await expect(page.locator('.urgent').textContent()).resolves.toContain('400-800-1234');
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, 'request-en-360');

    await page.getByLabel('Something is broken (repair)').check();
    await page.getByLabel('What happened?').fill('Water drips from the pump room door onto the car park');
    const chooser = page.waitForEvent('filechooser');
    await page.getByLabel(/Photos/).click();
    await (await chooser).setFiles({ name: 'drip.png', mimeType: 'image/png', buffer: PNG });
    await page.getByLabel('Your name').fill('Mrs Zhou');
    await page.getByLabel('Mobile phone').fill('13800000000');
    await page.getByLabel('Email').fill('zhou@example.com');
    await page.getByLabel('中文').check();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/track\//);

    // Told by email (a real SMTP server), in the language chosen on the form, with the link the page shows.
    const received = await inbox(/已收到|报事/);
    const link = /https?:\/\/\S+\/track\/[A-Za-z0-9_-]+/.exec(received.mail.text ?? '')![0];
    expect(link).toBe(page.url().replace('?filed=1', ''));
    const id = /WO-\d{4}-\d+/.exec(received.mail.text ?? '')![0];
    // The tracking page speaks the resident's chosen language: received, and already passed to a technician.
    await expect(page.locator('h1').textContent()).resolves.toBe(`您的报事 ${id}`);
    await expect(page.locator('.notice').first().textContent()).resolves.toContain(link);
    await expect(page.locator('.progress li[aria-current="step"] .step-name').textContent()).resolves.toBe('已派给维修师傅');
    // No staff names or phones on it.
    const text = (await page.locator('main').textContent())!;
    expect(text).not.toContain('Li Wei');
    expect(text).not.toContain('13800000001');
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, 'track-received-zh-360');

    // The staff work it; the resident follows.
    expect((await order(id)).assignee).toBe('li-wei');
    await act(id, { action: 'acknowledge', by: 'li-wei' });
    await act(id, { action: 'start', by: 'li-wei' });
    await page.goto(link);
    await expect(page.locator('.progress li[aria-current="step"] .step-name').textContent()).resolves.toBe('处理中');
    await act(id, { action: 'resolve', by: 'li-wei', note: 'Door seal replaced' });
    // Told the work is done, and asked to check it.
    await inbox(new RegExp(`报事 ${id}：已处理完成`));

    // Not fixed: back to work, as the process does.
    await page.getByRole('link', { name: 'English' }).click();
    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Is it fixed?' }).count()).resolves.toBe(1);
    await shot(page, 'track-confirm-en-360');
    await page.getByLabel('What is still wrong?').fill('Still dripping after the rain');
    await page.getByRole('button', { name: 'No, it is not fixed' }).click();
    await expect(page.locator('.notice').first().textContent()).resolves.toContain('the work goes on');
    expect((await order(id)).state).toBe('in_progress');
    expect((await order(id)).reworkCount).toBe(1);

    await act(id, { action: 'resolve', by: 'li-wei', note: 'Gutter above the door cleared' });
    await page.reload();
    await page.getByRole('button', { name: 'Yes, it is fixed' }).click();
    await waitFor(async () => (await order(id)).state === 'verified', 5000, 'the order verified');
    await page.getByLabel('4 of 5').check();
    await page.getByLabel('Comment (optional)').fill('Quick and polite');
    await shot(page, 'track-rate-en-360');
    await page.getByRole('button', { name: 'Send rating' }).click();
    await expect(page.locator('.notice').last().textContent()).resolves.toContain('You rated the work 4 of 5');
    await shot(page, 'track-rated-en-360');

    // The order shows the requester's acceptance and rating, with the photo.
    const done = await order(id);
    expect(done.acceptance.passed).toEqual([expect.objectContaining({ check: 'requester', by: 'requester' })]);
    expect(done.rating).toMatchObject({ score: 4, comment: 'Quick and polite', by: 'requester' });
    expect(done.attachments).toHaveLength(1);
    expect(done.channel).toBe('app');
    expect(problems).toEqual([]);
    await ctx.close();
    await staff.close();
  }, 60_000);

  it('every resident page fits 360 px and 1280 px, in English and Chinese', async () => {
    const r = await fetch(`${fms.httpUrl}/request/riverside`);
    expect(r.status).toBe(200);
    const paths: [string, string][] = [
      ['request-site', '/request/riverside?place=Building%203%20lobby'],
      ['request-lift', '/request/riverside/rs-elevator-01'],
      ['unknown-link', `/track/${'A'.repeat(43)}`],
      ['poster-site', '/posters/riverside'],
    ];
    for (const [locale, lang] of [
      ['en-GB', 'en'],
      ['zh-CN', 'zh'],
    ] as const) {
      for (const width of [360, 1280]) {
        const ctx = await browser.newContext({ viewport: { width, height: width === 360 ? 740 : 800 }, locale });
        const page = await ctx.newPage();
        for (const [name, path] of paths) {
          await page.goto(`${fms.httpUrl}${path}`);
          expect(await fitsWidth(page), `${path} at ${width} px`).toBe(true);
          await shot(page, `${name}-${lang}-${width}`);
        }
        await ctx.close();
      }
    }
  }, 60_000);
});
