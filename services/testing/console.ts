import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * What the browser suites share: the system's Chromium, FMS's API called with a key, and a tab that
 * keeps what the browser complained about. A suite launches one Chromium in `beforeAll` and gives each
 * test browsers of its own (`openTab`: a new context, no cookies shared):
 *
 *   const api = keyedApi(() => fms.httpUrl, ADMIN);
 *   browser = await launchChromium();
 *   const { context, page, problems } = await openTab(browser, { key: keys['li-wei'] });
 *   await page.goto(`${fms.httpUrl}/orders`);
 *   expect(problems).toEqual([]);
 */

/** The system's Chromium, never a downloaded one. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}

export interface ApiAnswer {
  status: number;
  /** The answer's JSON; null when it has none. */
  body: any;
}

/**
 * FMS's HTTP API as an integration calls it, with an API key: JSON in, status and JSON out. `baseUrl`
 * is read at each call, so the client can be made before FMS has started; `as` sends another key.
 */
export function keyedApi(baseUrl: () => string, key: string) {
  return async (method: string, path: string, body?: unknown, as = key): Promise<ApiAnswer> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${as}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
}

export interface WatchOptions {
  /** A console error that is what the test asked for (a page's own 404, say), not a problem. */
  expected?: (message: ConsoleMessage) => boolean;
  /** Also count failed requests and answers of 400 and over to anything but the page itself. */
  requests?: boolean;
}

/**
 * Keeps what the browser complains about on a page, each as a line that says what: console errors (the
 * security policy's refusals are among them), script errors and, if asked, failed requests.
 */
export function watchProblems(page: Page, opts: WatchOptions = {}, problems: string[] = []): string[] {
  page.on('console', (m) => {
    if (m.type() === 'error' && !opts.expected?.(m)) problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`script error: ${String(e)}`));
  if (opts.requests) {
    page.on('requestfailed', (r) => {
      // Cut off by the browser itself as the tab moves on (the live-update stream, the icon): not the page's fault.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !(r.request().isNavigationRequest() && r.request().frame() === page.mainFrame()))
        problems.push(`answered ${r.status()}: ${r.url()}`);
    });
  }
  return problems;
}

export interface TabOptions extends WatchOptions {
  /** Phone-sized unless told: 360 × 740. */
  width?: number;
  height?: number;
  /** The browser's locale (Chromium's own Accept-Language follows it). */
  locale?: string;
  /** An Accept-Language header of the test's own. */
  acceptLanguage?: string;
  /** An API key the browser sends with every request, as an integration's browser would. */
  key?: string;
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** What the browser complained about so far (see `watchProblems`). */
  problems: string[];
}

/** A browser of its own (a new context: no cookies of other tests) with one page, its problems kept. */
export async function openTab(browser: Browser, opts: TabOptions = {}): Promise<Tab> {
  const language = opts.acceptLanguage;
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 360, height: opts.height ?? 740 },
    ...(opts.locale ? { locale: opts.locale } : {}),
    extraHTTPHeaders: { ...(language ? { 'accept-language': language } : {}), ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}) },
  });
  const page = await context.newPage();
  return { context, page, problems: watchProblems(page, opts) };
}

/** An API key for each person of the directory, of the role given, made with the admin's `api`: person → token. */
export async function keysFor(api: ReturnType<typeof keyedApi>, people: Record<string, string>): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [person, role] of Object.entries(people)) {
    const made = await api('POST', '/api/keys', { name: person, role, personId: person });
    if (made.status !== 201) throw new Error(`a key for ${person}: ${made.status} ${JSON.stringify(made.body)}`);
    keys[person] = made.body.token;
  }
  return keys;
}
