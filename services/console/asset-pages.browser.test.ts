import { DateTime } from 'luxon';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { keyedApi, launchChromium, watchProblems } from '../testing/console.ts';
import { requireProgram } from '../testing/harness.ts';
import { QR_OPTIONS } from './pages/labels.ts';
import { ADMIN_KEY, startConsoleFms } from './testing/console-estate.ts';

const browserProgram = requireProgram('chromium', 'chromium');
const TZ = 'Asia/Shanghai';
const date = (t: number) => DateTime.fromMillis(t, { zone: TZ }).toISODate()!;

/** The dark modules a qrcode SVG path draws ("M4 4.5h7m1 0h1…": a run of `h` modules per row), as a matrix. */
function modulesOf(d: string, size: number, margin: number): boolean[] {
  const dark = new Array<boolean>(size * size).fill(false);
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MmHh])([^MmHh]*)/g)) {
    const n = args!
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (cmd === 'M') [x, y] = [n[0]!, n[1]!];
    else if (cmd === 'm') [x, y] = [x + n[0]!, y + (n[1] ?? 0)];
    else {
      for (let i = 0; i < n[0]!; i++) dark[(Math.floor(y) - margin) * size + (x - margin + i)] = true;
      x += n[0]!;
    }
  }
  return dark;
}

/**
 * The console's asset pages in a real Chromium, signed in with API keys (the browser sends its key on
 * every request, as an integration's browser would; people's sign-in is a separate page).
 */
describe.skipIf(!browserProgram.available)(`the console's asset pages in Chromium ${browserProgram.reason}`, () => {
  let fms: Fms;
  let browser: Browser;
  let admin: BrowserContext;
  let harbourKey: string;
  let technicianKey: string;

  const api = keyedApi(() => fms.httpUrl, ADMIN_KEY);
  const contextFor = (key: string, opts: { width?: number; locale?: string } = {}) =>
    browser.newContext({
      viewport: { width: opts.width ?? 1280, height: 740 },
      locale: opts.locale ?? 'en-GB',
      extraHTTPHeaders: { authorization: `Bearer ${key}` },
    });
  /** Opens a page and keeps what the browser complained about (script errors, refused by the security policy). */
  async function open(ctx: BrowserContext, path: string): Promise<{ page: Page; status: number; problems: string[] }> {
    const page = await ctx.newPage();
    const problems = watchProblems(page);
    const res = await page.goto(`${fms.httpUrl}${path}`);
    return { page, status: res!.status(), problems };
  }

  beforeAll(async () => {
    ({ fms } = await startConsoleFms());
    browser = await launchChromium();
    admin = await contextFor(ADMIN_KEY);
    harbourKey = (await api('POST', '/api/keys', { name: 'Harbour supervisor', role: 'supervisor', sites: ['harbour'] })).body.token;
    technicianKey = (await api('POST', '/api/keys', { name: 'Li Wei', role: 'technician', personId: 'li-wei' })).body.token;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  it('shows live values with their units and the levels they are judged by', async () => {
    const { page, status } = await open(admin, '/assets/rs-pump-01');
    expect(status).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Booster pump 1');
    const flow = await page.locator('.live dd[data-metric="flow_m3h"]').textContent();
    expect(flow).toMatch(/42\.5\s+m³\/h/);
    const vibration = (await page.locator('.live dd[data-metric="vibration_mms"]').textContent())!.replace(/\s+/g, ' ');
    expect(vibration).toMatch(/\d\.\d+ mm\/s/);
    expect(vibration).toContain('normal ≤ 2.8 · warning 4.5 · limit 7.1');
    await page.close();
  });

  it('draws the trend line from the stored readings: flow rising from 10 to 50 m³/h spans the chart from the 10 tick to the 50 tick', async () => {
    const { page } = await open(admin, '/assets/rs-pump-02?range=24h');
    const chart = page.locator('figure[data-metric="flow_m3h"]');
    expect(await chart.locator('.chart-summary').textContent()).toMatch(/lowest 10, highest 50, latest 50 m³\/h/);
    // A string: no DOM types here. The line's extent against the y ticks' positions, in the SVG's units.
    const geometry = JSON.parse(
      await page.evaluate(`(() => {
        const fig = document.querySelector('figure[data-metric="flow_m3h"]');
        const box = fig.querySelector('path.line').getBBox();
        const tick = (label) => [...fig.querySelectorAll('text.ytick')].find((t) => t.textContent === label);
        return JSON.stringify({ top: box.y, bottom: box.y + box.height, left: box.x, right: box.x + box.width,
          y50: Number(tick('50').getAttribute('y')), y10: Number(tick('10').getAttribute('y')), width: fig.querySelector('svg').viewBox.baseVal.width });
      })()`),
    );
    expect(geometry.top).toBeCloseTo(geometry.y50, 0);
    expect(geometry.bottom).toBeCloseTo(geometry.y10, 0);
    // 20 hours of a 24-hour axis: the line starts about a sixth of the way in and ends near the right edge.
    expect(geometry.right - geometry.left).toBeGreaterThan(0.7 * (geometry.width - 60));
    // The chart names itself and its figures for a screen reader.
    expect(await chart.locator('svg title').textContent()).toBe('Flow (m³/h), last 24 h');
    expect(await chart.locator('svg desc').textContent()).toMatch(/highest 50/);
    // The period switch is a plain link.
    await page.locator('nav.seg a', { hasText: '7 days' }).click();
    await page.waitForURL(/range=7d/);
    expect(await page.locator('nav.seg a[aria-current="page"]').textContent()).toBe('7 days');
    expect(await page.locator('figure[data-metric="flow_m3h"] svg title').textContent()).toBe('Flow (m³/h), last 7 days');
    await page.close();
  });

  it("gives a wearing pump's predicted limit crossing as a likely date and its 80 % range", async () => {
    const health = (await api('GET', '/api/assets/rs-pump-01/health')).body;
    const c = health.indicators.find((x: any) => x.metric === 'vibration_mms').assessment.crossing;
    expect(c).not.toBeNull();
    const { page } = await open(admin, '/assets/rs-pump-01');
    const text = (await page.locator('.indicator[data-metric="vibration_mms"] .crossing').textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain(`Limit 7.1 mm/s likely reached on ${date(c.likely)} (80 % range ${date(c.low)} – ${c.high === null ? 'later' : date(c.high)})`);
    expect(await page.locator('.indicator[data-metric="vibration_mms"] .badge').textContent()).toBe('degrading');
    // What to do, and the order the prediction opened, linked.
    const order = (await api('GET', '/api/work-orders?source=predictive&assetId=rs-pump-01')).body.items[0];
    expect(await page.locator(`#health ~ dl a[href="/orders/${order.id}"]`).count()).toBe(1);
    expect(await page.locator(`.order-list a[href="/orders/${order.id}"]`).count()).toBe(1);
    await page.close();

    const zh = await contextFor(ADMIN_KEY, { locale: 'zh-CN' });
    const { page: zhPage } = await open(zh, '/assets/rs-pump-01');
    expect((await zhPage.locator('.indicator[data-metric="vibration_mms"] .crossing').textContent())!.replace(/\s+/g, ' ')).toContain(
      `预计 ${date(c.likely)} 达到限值 7.1 mm/s（80% 区间 ${date(c.low)} 至`,
    );
    await zh.close();
  });

  it('fits a 360 px phone without sideways scrolling, with nothing refused by the security policy or failing in the script', async () => {
    const phone = await contextFor(ADMIN_KEY, { width: 360 });
    for (const path of [
      '/assets/rs-pump-01',
      '/assets/rs-pump-01?range=90d',
      '/assets/rs-gate-01',
      '/pm',
      '/reports',
      '/labels?site=riverside',
      '/assets/rs-pump-01/label',
    ]) {
      const { page, status, problems } = await open(phone, path);
      expect(status, path).toBe(200);
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(360);
      expect(problems, path).toEqual([]);
      await page.close();
    }
    await phone.close();
  }, 60_000);

  it("prints a label whose QR code holds the asset page's address", async () => {
    const { page } = await open(admin, '/assets/rs-pump-01/label');
    const url = `${fms.httpUrl}/assets/rs-pump-01`;
    expect(await page.locator('.label .label-url').textContent()).toBe(url);
    expect(await page.locator('.label .label-name').textContent()).toBe('Booster pump 1');
    const svg = page.locator('.label .qr svg');
    expect(await svg.getAttribute('aria-label')).toBe(url);
    const viewBox = (await svg.getAttribute('viewBox'))!.split(' ').map(Number);
    const d = (await svg.locator('path[stroke]').getAttribute('d'))!;
    const expected = QRCode.create(url, QR_OPTIONS).modules;
    expect(viewBox[2]).toBe(expected.size + 2 * QR_OPTIONS.margin);
    expect(modulesOf(d, expected.size, QR_OPTIONS.margin)).toEqual([...expected.data].map(Boolean));
    // Printed, the page is the label alone: no header, no buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.locator('button[data-print]').isVisible()).toBe(false);
    expect(await page.locator('.label').isVisible()).toBe(true);
    await page.close();

    const { page: site } = await open(admin, '/labels?site=riverside');
    expect(await site.locator('.label .label-id').allTextContents()).toEqual(['rs-gate-01', 'rs-pump-01', 'rs-pump-02']);
    await site.close();
  });

  it("refuses another site's asset, its label and its labels to a key limited to one site", async () => {
    const harbour = await contextFor(harbourKey);
    for (const path of ['/assets/rs-pump-01', '/assets/rs-pump-01/label', '/labels?site=riverside']) {
      const { page, status } = await open(harbour, path);
      expect(status, path).toBe(403);
      expect(await page.locator('h1').textContent()).toBe('Not allowed');
      expect(await page.locator('main').textContent()).not.toContain('Booster pump 1');
      await page.close();
    }
    const own = await open(harbour, '/assets/hb-pump-01');
    expect(own.status).toBe(200);
    expect(await own.page.locator('h1').textContent()).toBe('Harbour fire pump');
    await harbour.close();
  });

  it('lists the coming preventive visits by site and day, with the order already opened for tomorrow', async () => {
    const { page } = await open(admin, '/pm');
    const riverside = page.locator('section.pm-site', { has: page.locator('h2', { hasText: 'riverside' }) });
    const tomorrow = riverside.locator('.pm-day', { has: page.locator('.badge', { hasText: 'tomorrow' }) });
    const weekly = tomorrow.locator('.pm-visit', { hasText: 'Pump weekly check' });
    expect(await weekly.locator('a[href^="/orders/WO-"]').count()).toBe(2);
    // Its next visit a week later, on the plan's own calendar, is planned.
    const later = DateTime.now().setZone(TZ).plus({ days: 8 }).toISODate()!;
    expect(await riverside.locator(`.pm-day:has(time[datetime="${later}"]) .pm-visit`, { hasText: 'Pump weekly check' }).count()).toBe(1);
    expect(await riverside.locator('.stats').textContent()).toContain('No visit has fallen due yet.');
    // The harbour has no weekly check (the plan is riverside's).
    expect(await page.locator('section.pm-site', { hasText: 'harbour' }).locator('.pm-visit', { hasText: 'Pump weekly check' }).count()).toBe(0);
    await page.close();
  });

  it('makes a report on demand and opens its HTML and PDF in the browser; a crowd of requests is told FMS is busy', async () => {
    const { page } = await open(admin, '/reports');
    await page.locator('.make-report select[name="site"]').selectOption('riverside');
    await page.locator('.make-report button[type="submit"]').click();
    await page.waitForURL(/\/reports\?made=RPT-/);
    expect(await page.locator('.notice').textContent()).toBe('The report is ready.');
    const card = page.locator('.card.made');
    expect(await card.textContent()).toContain('riverside');
    const html = await admin.request.get(`${fms.httpUrl}${await card.locator('a', { hasText: 'Open' }).getAttribute('href')}`);
    expect(html.status()).toBe(200);
    expect(await html.text()).toMatch(/<h1[^>]*>Maintenance report/);
    await card.locator('a', { hasText: 'Open' }).click();
    await page.waitForURL(/report\.html$/);
    expect(await page.locator('h1').textContent()).toMatch(/^Maintenance report/);
    const pdf = await admin.request.get(`${fms.httpUrl}/api/reports/${new URL(page.url()).pathname.split('/')[3]}/report.pdf`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await page.close();

    // Six at once: four are taken in turn, the others are answered 429 with a page that says so.
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${fms.httpUrl}/reports`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'site=riverside&language=en',
          redirect: 'manual',
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      ),
    );
    const busy = answers.filter((a) => a.status === 429);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]!.text).toContain('FMS is busy making other reports');
    expect(answers.filter((a) => a.status === 303).length).toBeGreaterThan(0);
  }, 120_000);

  it('lets a manager who signed in with a password open the latest report in the browser, as its page and as its PDF', async () => {
    // What a browser could not do with the API alone: it has no key to send. A session is enough.
    const password = 'quarterly figures 2026';
    expect((await api('POST', '/api/accounts', { personId: 'wang-fang', role: 'manager', password })).status).toBe(201);
    const manager = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' });
    const { page, problems } = await open(manager, '/reports');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.getByLabel('User name or phone').fill('wang-fang');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/reports');
    // The reports made earlier in this file are listed; the manager opens the newest.
    const open1 = page.locator('.card a', { hasText: 'Open' }).first();
    const href = (await open1.getAttribute('href'))!;
    await open1.click();
    await page.waitForURL(/report\.html$/);
    expect(await page.locator('h1').textContent()).toMatch(/^Maintenance report/);
    const pdf = await manager.request.get(`${fms.httpUrl}${href.replace(/report\.html$/, 'report.pdf')}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
    await manager.close();
  });

  it("leaves the reports to those the API lets read them: a technician's key is refused", async () => {
    const tech = await contextFor(technicianKey);
    const { page, status } = await open(tech, '/reports');
    expect(status).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('Not allowed');
    await tech.close();
  });
});
