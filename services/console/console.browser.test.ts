import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { keyedApi, keysFor, launchChromium, openTab, type Tab } from '../testing/console.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

const browserProgram = requireProgram('chromium', 'chromium');
const ADMIN = 'admin-key-for-the-console-tests-0123456789';
// A real PNG (1×1): FMS judges attachments by their content.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const estate = {
  sites: [
    { id: 'riverside', timeZone: 'Asia/Shanghai' },
    { id: 'lakeview', timeZone: 'Asia/Shanghai' },
  ],
  assets: [
    { id: 'rs-elevator-01', type: 'elevator', site: 'riverside', name: 'Lift 1', location: 'Tower A lobby' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview', name: 'Booster pump', location: 'Basement' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['elevator'] },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'] },
    { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [
    { id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' },
    { id: 'lv-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'zhang-min' },
  ],
};

/** The console in a real browser at phone size: a technician works an order, a supervisor accepts it. */
describe.skipIf(!browserProgram.available)(`the console in Chromium ${browserProgram.reason}`, () => {
  let browser: Browser;
  let fms: Fms;
  let keys: Record<string, string>;
  const api = keyedApi(() => fms.httpUrl, ADMIN);

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
    keys = await keysFor(api, { 'li-wei': 'technician', 'zhang-min': 'supervisor' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  /** A phone-sized browser of one person; console errors and CSP refusals are collected. */
  const phone = (person: string, width = 360): Promise<Tab> => openTab(browser, { width, key: keys[person] });
  const noSidewaysScroll = async (page: Page) => {
    const w = (await page.evaluate('({ content: document.documentElement.scrollWidth, window: window.innerWidth })')) as { content: number; window: number };
    expect(w.content).toBeLessThanOrEqual(w.window);
  };

  it('a technician works their order on a phone: acknowledge, on site, checklist with a photo, resolve', async () => {
    const opened = await api(
      'POST',
      '/api/work-orders',
      {
        channel: 'front_desk',
        category: 'repair',
        title: 'Lift 1 doors judder',
        assetId: 'rs-elevator-01',
        requester: { name: 'Mrs Zhou', phone: '13800000000', unit: '3-1702' },
        checklist: [
          'Door rollers checked',
          { step: 'Photo of the door operator', type: 'photo' },
          { step: 'Levelling error', type: 'measurement', unit: 'mm', min: -10, max: 10 },
        ],
        by: 'zhang-min',
      },
      keys['zhang-min'],
    );
    expect(opened.status).toBe(201);
    const id = opened.body.id as string;
    // Dispatch picked one of the riverside technicians; the test works it as Li Wei.
    if (opened.body.assignee !== 'li-wei')
      await api('POST', `/api/work-orders/${id}/actions`, { action: 'assign', by: 'zhang-min', assignee: 'li-wei' }, keys['zhang-min']);

    const { context, page, problems } = await phone('li-wei');
    try {
      await page.goto(`${fms.httpUrl}/`);
      expect(new URL(page.url()).pathname).toBe('/orders');
      await noSidewaysScroll(page);
      const card = page.locator('.card', { hasText: 'Lift 1 doors judder' });
      await expect(card.locator('.badge').first().textContent()).resolves.toMatch(/P3/);
      await expect(card.textContent()).resolves.toMatch(/Acknowledge: due in/);
      await card.locator('a').click();
      await page.waitForURL(`**/orders/${id}`);
      await noSidewaysScroll(page);
      expect(await page.locator('h1').textContent()).toBe('Lift 1 doors judder');
      await expect(page.locator('.facts').textContent()).resolves.toMatch(/Mrs Zhou · 3-1702/);

      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await page.waitForSelector('text=Acknowledged');
      await page.getByRole('button', { name: 'On site — start' }).click();
      await page.waitForSelector('.badge.state-in_progress');

      // The checklist: a tick, a photo from the file chooser, a measurement; then resolve.
      await page.getByLabel('Door rollers checked').check();
      await page.getByLabel('Photo of the door operator').setInputFiles({ name: 'door.png', mimeType: 'image/png', buffer: PNG });
      await page.getByLabel(/Levelling error/).fill('2.5');
      await page.locator('#note-resolve').fill('Rollers replaced, doors run smoothly');
      await page.getByRole('button', { name: 'Resolve' }).click();
      await page.waitForSelector('.badge.state-resolved');
      expect(await page.locator('.thumbs img').count()).toBe(1);
      await expect(page.locator('#main').textContent()).resolves.toMatch(/Waiting for: requester confirms/);
      await noSidewaysScroll(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
    const order = (await api('GET', `/api/work-orders/${id}`)).body;
    expect(order.state).toBe('resolved');
    expect(order.checklistResults[0]).toMatchObject({ done: true, by: 'li-wei' });
    expect(order.checklistResults[1].photo).toBe(order.attachments[0].id);
    expect(order.checklistResults[2]).toMatchObject({ value: 2.5, failed: false });
    expect(order.history.some((e: any) => e.action === 'resolve' && e.note === 'Rollers replaced, doors run smoothly')).toBe(true);
  });

  it('a supervisor sees the board and records the requester’s confirmation; the order is verified', async () => {
    const { context, page, problems } = await phone('zhang-min', 1280);
    try {
      await page.goto(`${fms.httpUrl}/`);
      expect(new URL(page.url()).pathname).toBe('/board');
      const lane = page.locator('section.lane', { has: page.locator('h2', { hasText: 'Resolved, being checked' }) });
      await lane.locator('a', { hasText: 'Lift 1 doors judder' }).click();
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForSelector('.badge.state-verified');
      await noSidewaysScroll(page);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps another team’s order from a technician who opens it by its address, and refuses a forged form post', async () => {
    const opened = await api(
      'POST',
      '/api/work-orders',
      {
        channel: 'hotline',
        category: 'repair',
        title: 'Pump noise',
        assetId: 'lv-pump-01',
        requester: { name: 'Mr Lin', phone: '13900000000' },
        by: 'zhang-min',
      },
      keys['zhang-min'],
    );
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.id as string;
    const { context, page } = await phone('li-wei');
    try {
      // Another team's order, opened by its address: not theirs to see, let alone act on…
      const seen = await page.goto(`${fms.httpUrl}/orders/${id}`);
      expect(seen!.status()).toBe(403);
      expect(await page.locator('h1').textContent()).toBe('Not allowed');
      expect(await page.locator('#main').textContent()).not.toContain('Pump noise');
      expect(await page.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
      // …and a forged form post is refused by the API's own rules.
      const res = await page.request.post(`${fms.httpUrl}/orders/${id}/act`, { form: { action: 'acknowledge' } });
      expect(res.status()).toBeGreaterThanOrEqual(400);
      expect(await res.text()).toMatch(/li-wei/);
    } finally {
      await context.close();
    }
    expect((await api('GET', `/api/work-orders/${id}`)).body.state).not.toBe('acknowledged');
  });

  it('reads no photos from who may not act, and no more than the order needs, saying so', async () => {
    const opened = await api(
      'POST',
      '/api/work-orders',
      {
        source: 'inspection',
        channel: 'inspection',
        category: 'repair',
        title: 'Lift 1 lights flicker',
        assetId: 'rs-elevator-01',
        checklist: [{ step: 'Photo of the panel', type: 'photo' }],
        by: 'zhang-min',
      },
      keys['zhang-min'],
    );
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.id as string;
    const viewer = (await api('POST', '/api/keys', { name: 'Wall screen', role: 'viewer' })).body.token as string;
    const photos = (n: number) => {
      const form = new FormData();
      form.set('action', 'record');
      for (let i = 0; i < n; i++) form.append(`step${i}`, new Blob([PNG], { type: 'image/png' }), `p${i}.png`);
      return form;
    };
    // A key that is nobody of the directory: refused before its upload is read.
    const refused = await fetch(`${fms.httpUrl}/orders/${id}/act`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` }, body: photos(3) });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('only a person of the directory acts on orders');
    // One photo step and the attach form: two photos at most in one form; five are refused, nothing attached.
    const flood = await fetch(`${fms.httpUrl}/orders/${id}/act`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['zhang-min']}` },
      body: photos(5),
    });
    expect(flood.status).toBe(413);
    expect(await flood.text()).toMatch(/Too many or too large photos: at most 2 in one form, each up to \d+ MB/);
    expect((await api('GET', `/api/work-orders/${id}`)).body.attachments).toEqual([]);
  });

  it('holds a few live-update streams per person, and tells a technician of their team’s orders only', async () => {
    const open = async () => {
      const abort = new AbortController();
      const res = await fetch(`${fms.httpUrl}/console/events`, { headers: { authorization: `Bearer ${keys['li-wei']}` }, signal: abort.signal });
      return { res, abort };
    };
    const streams = [];
    for (let i = 0; i < 8; i++) streams.push(await open());
    expect(streams.map((x) => x.res.status)).toEqual(Array(8).fill(200));
    const ninth = await open();
    expect(ninth.res.status).toBe(429);
    expect(ninth.res.headers.get('retry-after')).toBe('60');
    // What the first stream hears: an order of Li Wei's team, not one of the Lakeview team's.
    const reader = streams[0]!.res.body!.getReader();
    const heard: string[] = [];
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        heard.push(new TextDecoder().decode(value));
      }
    })();
    const theirs = await api(
      'POST',
      '/api/work-orders',
      { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Lakeview pump leak', assetId: 'lv-pump-01', by: 'zhang-min' },
      keys['zhang-min'],
    );
    const ours = await api(
      'POST',
      '/api/work-orders',
      { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Lift 1 call button', assetId: 'rs-elevator-01', by: 'zhang-min' },
      keys['zhang-min'],
    );
    await waitFor(() => heard.join('').includes(ours.body.id), 5000, 'the team’s order on the stream');
    expect(heard.join('')).not.toContain(theirs.body.id);
    for (const x of streams) x.abort.abort();
    await reading;
    // Closed streams are counted out again.
    await waitFor(
      async () => {
        const again = await open();
        again.abort.abort();
        return again.res.status === 200;
      },
      5000,
      'a stream to be free again',
    );
  });

  it('speaks Chinese when the browser asks for it, and switches language on request', async () => {
    const { context, page } = await openTab(browser, { locale: 'zh-CN', acceptLanguage: 'zh-CN,zh;q=0.9', key: keys['li-wei'] });
    try {
      await page.goto(`${fms.httpUrl}/orders`);
      expect(await page.locator('h1').textContent()).toBe('我的工单');
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await page.getByRole('link', { name: 'English' }).click();
      await page.waitForURL('**/orders');
      expect(await page.locator('h1').textContent()).toBe('My orders');
    } finally {
      await context.close();
    }
  });

  it('signs a person in with their password through the sign-in page, refuses a wrong one, and signs out', async () => {
    const password = 'orange lift cable 42';
    expect((await api('POST', '/api/accounts', { personId: 'li-wei', role: 'technician', password })).status).toBe(201);
    const { context, page, problems } = await openTab(browser);
    try {
      await page.goto(`${fms.httpUrl}/orders`);
      expect(new URL(page.url()).pathname).toBe('/signin');
      await page.getByLabel('User name or phone').fill('li-wei');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForSelector('.error');
      expect(new URL(page.url()).pathname).toBe('/signin');
      expect(await page.getByLabel('User name or phone').inputValue()).toBe('li-wei');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/orders');
      expect(await page.locator('h1').textContent()).toBe('My orders');
      await expect(page.locator('.me').textContent()).resolves.toMatch(/technician/);
      // The session cookie is the browser's only credential, and JavaScript cannot read it.
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name.includes('fms_session'))).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(await page.evaluate('document.cookie')).not.toContain('fms_session');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/signin');
      await page.goto(`${fms.httpUrl}/orders`);
      expect(new URL(page.url()).pathname).toBe('/signin');
      // The wrong password's 401 is the page's own answer; nothing else went wrong.
      expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('sends a visitor without credentials to the sign-in page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${fms.httpUrl}/board`);
      expect(new URL(page.url()).pathname).toBe('/signin');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/board');
      expect(await page.locator('input[type=password]').count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('the menu counts a technician’s unseen notifications as they come, and their page lists them, newest first, then seen', async () => {
    keys['chen-jie'] ??= (await keysFor(api, { 'chen-jie': 'technician' }))['chen-jie']!;
    const tab = await phone('chen-jie');
    const { page } = tab;
    await page.goto(`${fms.httpUrl}/notifications`); // whatever was there before is seen
    await page.goto(`${fms.httpUrl}/orders`);
    const count = () => page.locator('header.top nav a[href="/notifications"] .unseen-count').count();
    expect(await count()).toBe(0);
    const opened = await api(
      'POST',
      '/api/work-orders',
      {
        channel: 'hotline',
        category: 'repair',
        priority: 'P2',
        title: 'Lift 1 stops between floors',
        assetId: 'rs-elevator-01',
        requester: { name: 'Mr Gao', phone: '13800000009' },
        by: 'zhang-min',
      },
      keys['zhang-min'],
    );
    const id = opened.body.id as string;
    if (opened.body.assignee !== 'chen-jie')
      await api(
        'POST',
        `/api/work-orders/${id}/actions`,
        { action: 'assign', by: 'zhang-min', assignee: 'chen-jie', reason: 'Chen Jie is on site' },
        keys['zhang-min'],
      );
    // The live update brings the count, without a reload.
    await waitFor(
      async () => (await count()) === 1 && (await page.locator('header.top nav .unseen-count').textContent())?.startsWith('1'),
      10_000,
      'the unseen count',
    );
    await page.locator('header.top nav a[href="/notifications"]').click();
    await expect(page.locator('.card-title').first().textContent()).resolves.toContain('Lift 1 stops between floors');
    await expect(page.locator('.badge.new').count()).resolves.toBe(1);
    await page.locator('.card-title a').first().click();
    await page.waitForURL(new RegExp(`/orders/${id}$`));
    // Seen once opened: the count is gone.
    expect(await count()).toBe(0);
    expect(tab.problems).toEqual([]);
    await page.context().close();
  });
});
