/**
 * Screenshots of the console for docs/console.md, taken from the demo as a newcomer sees it:
 *
 *   npx tsx tools/console-screenshots.ts [out-dir]     (default docs/images/console)
 *
 * Starts `npm start -- --demo` on free ports with a fresh data directory, reads the crew's password
 * from its banner, signs in through the sign-in page as a technician and as the supervisor in a real
 * Chromium (/usr/bin/chromium), and saves the technician's orders and order on a 360 px phone, the
 * supervisor's board on a phone and a desktop, and an asset page — in English, and the board in
 * Chinese. Stops the demo and removes its data afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const out = path.resolve(process.argv[2] ?? 'docs/images/console');
const data = mkdtempSync(path.join(tmpdir(), 'fms-shots-'));
mkdirSync(out, { recursive: true });

const demo = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts', '--demo'], {
  env: { ...process.env, FMS_HTTP_PORT: '0', FMS_MQTT_PORT: '0', FMS_DATA_DIR: data, FMS_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let printed = '';
const banner = new Promise<{ url: string; password: string }>((resolve, reject) => {
  demo.stdout.on('data', (b: Buffer) => {
    printed += b.toString();
    const m = /The console: (http:\/\/\S+?)\/ .*the password (demo-\S+) for this run/.exec(printed);
    if (m) resolve({ url: m[1]!, password: m[2]! });
  });
  demo.on('exit', (code) => reject(new Error(`the demo stopped (exit ${code}) before printing its banner:\n${printed}`)));
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function signedIn(
  browser: Browser,
  url: string,
  user: string,
  password: string,
  size: { width: number; height: number },
  locale = 'en-GB',
): Promise<Page> {
  const context = await browser.newContext({ viewport: size, locale, extraHTTPHeaders: { 'accept-language': locale } });
  const page = await context.newPage();
  await page.goto(`${url}/signin`);
  await page.locator('#user').fill(user);
  await page.locator('#password').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.waitForLoadState('networkidle');
  return page;
}

let browser: Browser | undefined;
try {
  const { url, password } = await banner;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const phone = { width: 360, height: 740 };
  const desk = { width: 1280, height: 800 };

  const signIn = await (await browser.newContext({ viewport: phone })).newPage();
  await signIn.goto(`${url}/signin`);
  await signIn.screenshot({ path: path.join(out, 'signin-phone.png') });

  // The trapped passenger's order goes to Chen Jie within the demo's first minute.
  const tech = await signedIn(browser, url, 'chen-jie', password, phone);
  const p1 = tech.locator('.card', { has: tech.locator('.prio-P1') }).locator('a');
  for (let i = 0; i < 45 && (await p1.count()) === 0; i++) {
    await sleep(2000);
    await tech.goto(`${url}/orders`);
  }
  await tech.screenshot({ path: path.join(out, 'technician-orders-phone.png') });
  await p1.first().click();
  await tech.waitForLoadState('networkidle');
  await tech.screenshot({ path: path.join(out, 'technician-order-phone.png'), fullPage: true });

  const sup = await signedIn(browser, url, 'zhang-min', password, desk);
  await sup.goto(`${url}/board`);
  await sup.screenshot({ path: path.join(out, 'supervisor-board-desktop.png') });
  const supPhone = await signedIn(browser, url, 'zhang-min', password, phone);
  await supPhone.goto(`${url}/board`);
  await supPhone.screenshot({ path: path.join(out, 'supervisor-board-phone.png') });
  const zh = await signedIn(browser, url, 'zhang-min', password, desk, 'zh-CN');
  await zh.goto(`${url}/board`);
  await zh.screenshot({ path: path.join(out, 'supervisor-board-desktop-zh.png') });
  await sup.goto(`${url}/assets/lakeview-pump-01`);
  await sup.waitForLoadState('networkidle');
  await sup.screenshot({ path: path.join(out, 'asset-desktop.png'), fullPage: true });
  process.stdout.write(`screenshots in ${out}\n`);
} finally {
  await browser?.close();
  demo.kill('SIGTERM');
  await new Promise((r) => demo.once('exit', r));
  rmSync(data, { recursive: true, force: true });
}
