import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DateTime } from 'luxon';
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importHistory, simulatedHistory } from '../../simulators/history.ts';
import type { Fms } from '../app.ts';
import { keyedApi, launchChromium, openTab } from '../testing/console.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

/** Who opens a page: a role signed in with an API key, a person signed in through the sign-in form, or nobody. */
type Role = 'admin' | 'supervisor' | 'technician' | 'manager' | 'viewer' | 'visitor';
/** The orders the sweep made, by what they show. */
interface Seeded {
  /** Li Wei's order in progress, its checklist with a photo step. */
  open: string;
  /** Resolved, awaiting the requester's confirmation. */
  resolved: string;
  /** Lakeview's: not Li Wei's team's. */
  otherTeam: string;
  /** A resident's tracking page (services/residents). */
  track: string;
}
interface PageCase {
  path: string | ((s: Seeded) => string);
  as: Role;
  /** The status the page answers with (200 unless said). */
  status?: number;
}

/**
 * Every page of the console. Adding a page? Add one line here, opened as the role whose page it is:
 * the sweep then checks it at phone and desktop size in English and Chinese.
 */
const PAGES: PageCase[] = [
  { path: '/', as: 'admin' },
  { path: '/orders', as: 'technician' },
  { path: (s) => `/orders/${s.open}`, as: 'technician' },
  { path: (s) => `/orders/${s.resolved}`, as: 'supervisor' },
  { path: '/board', as: 'supervisor' },
  { path: '/board?site=riverside&priority=P2', as: 'supervisor' },
  { path: '/alarms', as: 'technician' },
  { path: '/sites', as: 'viewer' },
  { path: '/assets/rs-pump-01?range=24h', as: 'admin' },
  { path: '/assets/rs-pump-01?range=7d', as: 'admin' },
  { path: '/assets/rs-pump-01?range=90d', as: 'admin' },
  { path: '/assets/rs-elevator-01', as: 'technician' },
  { path: '/assets/rs-north-entrance-vehicle-gate-01?range=7d', as: 'manager' },
  { path: '/assets/rs-pump-01/label', as: 'admin' },
  { path: '/labels?site=riverside', as: 'admin' },
  { path: '/pm', as: 'supervisor' },
  { path: '/reports', as: 'manager' },
  { path: '/signin', as: 'visitor' },
  { path: '/signin/link?token=fmsl_a-link-that-was-never-made', as: 'visitor', status: 404 },
  { path: '/people', as: 'admin' },
  { path: '/people/li-wei', as: 'admin' },
  { path: '/teams/rs-eng', as: 'admin' },
  { path: '/account', as: 'technician' },
  { path: '/notifications', as: 'technician' },
  { path: '/notifications', as: 'supervisor' },
  { path: '/people', as: 'supervisor', status: 403 },
  { path: '/assets/no-such-asset', as: 'admin', status: 404 },
  { path: '/no/such/page', as: 'technician', status: 404 },
  { path: '/no/such/page', as: 'visitor', status: 404 },
  { path: (s) => `/orders/${s.otherTeam}`, as: 'technician', status: 403 },
  { path: '/posters/riverside', as: 'admin' },
  { path: '/posters/riverside/rs-elevator-01', as: 'supervisor' },
  { path: '/request/riverside', as: 'visitor' },
  { path: '/request/riverside/rs-pump-01', as: 'visitor' },
  { path: '/request/riverside/no-such-asset', as: 'visitor', status: 404 },
  { path: (s) => s.track, as: 'visitor' },
  { path: `/track/${'A'.repeat(43)}`, as: 'visitor', status: 404 },
];

const PHONE = { width: 360, height: 740 };
const SIZES = [PHONE, { width: 1280, height: 800 }];
const LANGS = ['en', 'zh'] as const;
/** The people who sign in through the console's form (a session with its cookie and CSRF fields); the others send an API key. */
const SESSION_ROLES: Partial<Record<Role, { user: string; password: string }>> = {
  technician: { user: 'li-wei', password: 'orange lift cable 42' },
  supervisor: { user: 'zhang-min', password: 'blue pump valve 17' },
};
/**
 * WCAG 2.0–2.2 A and AA. Only serious and critical findings fail: axe rates a missing label, too little
 * contrast or too small a tap target so; moderate ones are best-practice advice.
 */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const FAILING_IMPACTS = new Set(['serious', 'critical']);
/** Set FMS_CONSOLE_SHOTS to a folder to keep a full-page screenshot of every page looked at. */
const SHOTS = process.env.FMS_CONSOLE_SHOTS;

const ADMIN = 'admin-key-for-the-every-page-sweep-0123456789';
const D = 86_400_000;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const estate = {
  residents: { sites: ['riverside'], hotline: '400-800-1234' },
  sites: [
    { id: 'riverside', timeZone: 'Asia/Shanghai' },
    { id: 'lakeview', timeZone: 'Asia/Shanghai' },
  ],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Booster pump 1', location: 'Tower A plant room, basement level 2', criticality: 4 },
    { id: 'rs-elevator-01', type: 'elevator', site: 'riverside', name: 'Lift 1', location: 'Tower A lobby' },
    // A long id and name, as some estates have them: they must wrap on a phone, not widen the page.
    {
      id: 'rs-north-entrance-vehicle-gate-01',
      type: 'gate',
      site: 'riverside',
      name: 'North entrance vehicle barrier gate (lane 1, inbound)',
      location: 'North entrance',
    },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview', name: 'Booster pump', location: 'Basement' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump', 'elevator', 'gate'] },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'] },
    { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager' },
  ],
  teams: [
    { id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' },
    { id: 'lv-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'zhang-min' },
  ],
  pmPlans: [
    {
      id: 'pump.weekly-check',
      title: 'Pump weekly check',
      assetType: 'pump',
      trigger: { every: '7d' },
      start: DateTime.now().setZone('Asia/Shanghai').minus({ days: 6 }).toISODate(),
      leadTime: '2d',
    },
  ],
};

/** A role's browser at one size and language: one tab, reused page after page, and what it complained about. */
interface Tab {
  context: BrowserContext;
  page: Page;
  /** The status the page being checked should answer with. */
  expected: number;
  problems: string[];
}

/** Where the header's links and buttons are drawn, and how many lines each one's text takes. */
type HeaderBox = { text: string; lines: number; r: { left: number; right: number; top: number; bottom: number } };
const HEADER_BOXES = `[...document.querySelectorAll('header.top a:not(.skip), header.top button, header.top .me')]
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return { text: el.textContent.trim(), lines: tops.size, r: el.getBoundingClientRect().toJSON() };
  })`;

/**
 * Every console page at phone and desktop size, in English and Chinese, in a real Chromium with the
 * real security policy: no sideways scrolling, no script error, nothing refused by the policy, no
 * failed request, no serious accessibility finding (axe-core).
 */
describe.skipIf(!requireProgram('chromium', 'chromium').available)('every console page in Chromium', () => {
  let fms: Fms;
  let browser: Browser;
  let seeded: Seeded;
  const keys: Partial<Record<Role, string>> = { admin: ADMIN };

  const keyed = keyedApi(() => fms.httpUrl, ADMIN);
  /** The answer's body; an answer of 400 or over fails the setup, saying which. */
  const api = async (method: string, path: string, body?: unknown, key = ADMIN) => {
    const answer = await keyed(method, path, body, key);
    if (answer.status >= 400) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const act = (id: string, body: Record<string, unknown>, key = ADMIN) => api('POST', `/api/work-orders/${id}/actions`, body, key);

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
    keys.supervisor = (await api('POST', '/api/keys', { name: 'Zhang Min', role: 'supervisor', personId: 'zhang-min' })).token;
    keys.technician = (await api('POST', '/api/keys', { name: 'Li Wei', role: 'technician', personId: 'li-wei' })).token;
    keys.manager = (await api('POST', '/api/keys', { name: 'Wang Fang', role: 'manager', personId: 'wang-fang' })).token;
    keys.viewer = (await api('POST', '/api/keys', { name: 'Lobby screen', role: 'viewer' })).token;
    for (const [role, s] of Object.entries(SESSION_ROLES)) await api('POST', '/api/accounts', { personId: s.user, role, password: s.password });

    // Readings for the charts and the live values: a month of the pump, a week of the lift and the gate.
    const now = Date.now();
    const history = (id: string, type: 'pump' | 'elevator' | 'gate', days: number, metrics: string[]) =>
      importHistory(
        fms.httpUrl,
        id,
        simulatedHistory({ id, type, site: 'riverside' }, { seed: 7, from: now - days * D, to: now - 60_000, stepMs: 30 * 60_000, metrics }),
        ADMIN,
      );
    await history('rs-pump-01', 'pump', 30, ['vibration_mms', 'motor_temp_c', 'flow_m3h', 'pressure_out_bar']);
    await history('rs-elevator-01', 'elevator', 7, ['motor_temp_c', 'vibration_mms', 'leveling_error_mm', 'load_pct']);
    await history('rs-north-entrance-vehicle-gate-01', 'gate', 7, ['supply_v', 'battery_pct']);

    // An active alarm with its order: the pump's motor protection trips.
    const device = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'rs-pump-01' });
    await device.publishAsync('fms/riverside/pump/rs-pump-01/event', JSON.stringify({ type: 'trip', reason: 'overload' }), { qos: 1 });
    await device.endAsync();
    await waitFor(async () => (await api('GET', '/api/alarms?state=active')).items.length > 0, 10_000, 'the trip alarm');

    const order = (title: string, assetId: string, extra: Record<string, unknown> = {}) =>
      api('POST', '/api/work-orders', {
        channel: 'front_desk',
        category: 'repair',
        title,
        assetId,
        requester: { name: 'Mrs Zhou', phone: '13800000000', unit: '3-1702' },
        by: 'zhang-min',
        ...extra,
      }).then((o) => o.id as string);
    const tech = keys.technician;
    const open = await order('Lift 1 doors judder when closing on the ground floor', 'rs-elevator-01', {
      description: 'Residents report a loud knock as the doors close.\nWorse in the evening.',
      checklist: [
        'Door rollers checked',
        { step: 'Photo of the door operator', type: 'photo' },
        { step: 'Levelling error', type: 'measurement', unit: 'mm', min: -10, max: 10 },
        { step: 'Door reversal works', type: 'pass_fail' },
      ],
    });
    const resolved = await order('North gate stops half open', 'rs-north-entrance-vehicle-gate-01');
    for (const id of [open, resolved]) {
      const o = await api('GET', `/api/work-orders/${id}`);
      if (o.assignee !== 'li-wei') await act(id, { action: 'assign', by: 'zhang-min', assignee: 'li-wei', note: 'Li Wei is in Tower A today' });
      await act(id, { action: 'acknowledge', by: 'li-wei' }, tech);
      await act(id, { action: 'start', by: 'li-wei' }, tech);
    }
    await act(open, { action: 'attach', by: 'li-wei', filename: 'door.png', data: PNG.toString('base64') }, tech);
    await act(open, { action: 'comment', by: 'li-wei', note: 'Ordered new rollers; fitting them tomorrow morning.' }, tech);
    await act(resolved, { action: 'resolve', by: 'li-wei', note: 'Limit switch cleaned and adjusted' }, tech);
    const otherTeam = await order('Pump noise', 'lv-pump-01', { channel: 'hotline' });
    await api('POST', '/api/reports', { site: 'riverside', language: 'en' });
    // A resident's request from the pump's poster: its tracking link.
    const form = await (await fetch(`${fms.httpUrl}/request/riverside/rs-pump-01`)).text();
    const filed = await fetch(`${fms.httpUrl}/request/riverside/rs-pump-01`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _form: /name="_form" value="([^"]+)"/.exec(form)![1]!,
        category: 'repair',
        description: 'Water on the floor of the plant room',
        name: 'Mrs Zhou',
        phone: '13800000000',
      }).toString(),
    });
    const track = filed.headers.get('location')!.replace('?filed=1', '');
    seeded = { open, resolved, otherTeam, track };

    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await fms?.stop();
  });

  /** A tab of one role at one size and language; people with an account sign in through the form first. */
  async function tabFor(role: Role, size: { width: number; height: number }, lang: 'en' | 'zh'): Promise<Tab> {
    const key = SESSION_ROLES[role] || role === 'visitor' ? undefined : keys[role];
    const { context, page, problems } = await openTab(browser, {
      ...size,
      locale: lang === 'zh' ? 'zh-CN' : 'en-GB',
      acceptLanguage: lang === 'zh' ? 'zh-CN,zh;q=0.9' : 'en-GB,en;q=0.9',
      ...(key ? { key } : {}),
      requests: true,
      // Chromium logs a page's own status when it is an error; a 404 page's 404 is what was asked for.
      expected: (m) => m.location().url === page.url() && m.text().includes(`status of ${tab.expected} `),
    });
    // Given through the DevTools protocol and run before the page's own scripts: the policy does not apply to it.
    await context.addInitScript(`window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__csp.push(e.effectiveDirective + ' refused ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`);
    const tab: Tab = { context, page, expected: 200, problems };
    const account = SESSION_ROLES[role];
    if (account) {
      await page.goto(`${fms.httpUrl}/signin`);
      await page.locator('#user').fill(account.user);
      await page.locator('#password').fill(account.password);
      await Promise.all([page.waitForURL((u) => u.pathname !== '/signin'), page.locator('.signin button[type="submit"]').click()]);
      expect(
        (await context.cookies()).some((c) => c.name.endsWith('fms_session') && c.httpOnly),
        `${role} signed in`,
      ).toBe(true);
    }
    return tab;
  }

  /** Opens a page in the tab and checks it; each problem says what to fix. */
  async function check(tab: Tab, path: string, expected = 200): Promise<string[]> {
    const { page } = tab;
    tab.expected = expected;
    tab.problems.length = 0;
    const answer = await page.goto(`${fms.httpUrl}${path}`, { waitUntil: 'load' });
    const problems = tab.problems;
    if (answer?.status() !== expected) problems.push(`answered ${answer?.status()}, expected ${expected}`);

    const layout = (await page.evaluate(`({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      inline: document.querySelectorAll('[style], script:not([src])').length,
      csp: window.__csp,
      header: ${HEADER_BOXES},
    })`)) as { scrollWidth: number; innerWidth: number; inline: number; csp: string[]; header: HeaderBox[] };
    if (layout.scrollWidth > layout.innerWidth) {
      // The innermost elements that stick out of the window or whose content spills out of them: what to fix.
      const wide = (await page.evaluate(`(() => {
        const out = [...document.querySelectorAll('body *')].filter(
          (el) => el.getBoundingClientRect().right > window.innerWidth + 1 || (getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1),
        );
        const names = out
          .filter((el) => !out.some((o) => o !== el && el.contains(o)))
          .map((el) => el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
        return [...new Set(names)].slice(0, 5);
      })()`)) as string[];
      problems.push(`scrolls sideways: ${layout.scrollWidth} px wide in a ${layout.innerWidth} px window (too wide: ${wide.join(', ')})`);
    }
    if (layout.inline > 0) problems.push(`${layout.inline} inline style attribute(s) or script(s): the console keeps them out`);
    for (const v of layout.csp) problems.push(`refused by the security policy: ${v}`);
    for (const [a, b] of overlapping(layout.header)) problems.push(`header: "${a}" overlaps "${b}"`);

    // axe-core through the DevTools protocol, like the listener: nothing is added to the page, the policy stays as it is.
    await page.evaluate(axeSource);
    const axe = JSON.parse(
      (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] }).then((r) =>
        JSON.stringify({
          passes: r.passes.length,
          violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })),
        }))`)) as string,
    ) as { passes: number; violations: { id: string; impact: string; help: string; targets: string[] }[] };
    if (axe.passes === 0) problems.push('axe-core checked nothing');
    for (const v of axe.violations) if (FAILING_IMPACTS.has(v.impact)) problems.push(`axe ${v.impact} ${v.id} (${v.help}): ${v.targets.join(' | ')}`);
    // Whatever axe did must not have been refused either.
    for (const v of ((await page.evaluate('window.__csp')) as string[]).slice(layout.csp.length))
      problems.push(`refused by the security policy while checking: ${v}`);
    return problems;
  }

  for (const size of SIZES)
    for (const lang of LANGS)
      it(`every page at ${size.width}×${size.height} in ${lang}: fits, no script error, nothing refused, no serious accessibility finding`, async () => {
        const tabs = new Map<Role, Tab>();
        const found: string[] = [];
        try {
          for (const p of PAGES) {
            let tab = tabs.get(p.as);
            if (!tab) tabs.set(p.as, (tab = await tabFor(p.as, size, lang)));
            const path = typeof p.path === 'string' ? p.path : p.path(seeded);
            const problems = await check(tab, path, p.status);
            found.push(...problems.map((x) => `${path} (${p.as}): ${x}`));
            if (SHOTS) {
              mkdirSync(SHOTS, { recursive: true });
              const name = `${lang}-${size.width}-${p.as}-${path.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home'}.png`;
              await tab.page.screenshot({ path: `${SHOTS}/${name}`, fullPage: true });
            }
          }
        } finally {
          for (const t of tabs.values()) await t.context.close();
        }
        expect(found).toEqual([]);
      }, 120_000);

  it('in Chinese on a 360 px phone, every menu fits the header: items side by side, none overlapping, each on one line', async () => {
    const menus: Role[] = ['admin', 'supervisor', 'technician', 'manager', 'viewer', 'visitor'];
    for (const role of menus) {
      const tab = await tabFor(role, PHONE, 'zh');
      try {
        await tab.page.goto(`${fms.httpUrl}${role === 'visitor' ? '/signin' : '/alarms'}`);
        const boxes = (await tab.page.evaluate(HEADER_BOXES)) as HeaderBox[];
        expect(boxes.length, role).toBeGreaterThan(role === 'visitor' ? 0 : 4);
        expect(overlapping(boxes), role).toEqual([]);
        expect(
          boxes.filter((b) => b.lines !== 1).map((b) => `${b.text}: ${b.lines} lines`),
          role,
        ).toEqual([]);
        expect(
          boxes.filter((b) => b.r.left < 0 || b.r.right > 360).map((b) => b.text),
          role,
        ).toEqual([]);
      } finally {
        await tab.context.close();
      }
    }
  });

  it('sees what it looks for: a script the policy refuses, a field without a name, a page too wide (the page altered on its way in, the policy kept)', async () => {
    const tab = await tabFor('visitor', PHONE, 'en');
    try {
      await tab.context.route(`${fms.httpUrl}/signin`, async (route) => {
        const res = await route.fetch();
        const body = (await res.text()).replace('</main>', `<script>document.title = 'x'</script><input id="unnamed"><pre>${'x'.repeat(200)}</pre></main>`);
        await route.fulfill({ response: res, body });
      });
      const problems = await check(tab, '/signin');
      expect(problems).toContainEqual(expect.stringMatching(/^refused by the security policy: script-src(-elem)? refused inline/));
      expect(problems).toContainEqual(expect.stringMatching(/^axe critical label .*#unnamed/));
      expect(problems).toContainEqual(expect.stringMatching(/^scrolls sideways: \d+ px wide in a 360 px window \(too wide: .*pre/));
      expect(problems).toContainEqual(expect.stringMatching(/inline style attribute\(s\) or script\(s\)/));
    } finally {
      await tab.context.close();
    }
  });
});

/** Pairs of boxes that overlap by more than a pixel each way, by their text. */
function overlapping(boxes: { text: string; r: { left: number; right: number; top: number; bottom: number } }[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!.r;
      const b = boxes[j]!.r;
      if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1)
        out.push([boxes[i]!.text, boxes[j]!.text]);
    }
  return out;
}
