/**
 * A browser, as far as FMS's console sessions go: it keeps the session cookie FMS sets, sends it back,
 * sends its page's Origin (FMS's own unless told otherwise), and remembers the CSRF token of its
 * session. Tests of the console sign in with it over real HTTP:
 *
 *   const b = testBrowser(fms.httpUrl);
 *   await b.signIn('chen-jie', 'lift motor seven');
 *   await b.post('/api/work-orders/WO-1/actions', { action: 'comment', by: 'chen-jie', note: '…' }); // carries x-csrf-token
 */
export interface BrowserAnswer {
  status: number;
  headers: Headers;
  /** The Set-Cookie lines of the answer, as sent. */
  setCookie: string[];
  body: any;
}

export interface BrowserRequest {
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded, as a plain HTML form posts. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Leave out the CSRF token this browser would otherwise send with an unsafe request. */
  noCsrf?: boolean;
}

export function testBrowser(baseUrl: string, opts: { origin?: string | null; address?: string } = {}) {
  let cookie: string | undefined;
  let csrf: string | undefined;

  async function request(method: string, path: string, r: BrowserRequest = {}): Promise<BrowserAnswer> {
    const headers: Record<string, string> = {};
    const origin = opts.origin === undefined ? baseUrl : opts.origin;
    if (origin !== null) headers.origin = origin;
    // Seen as this client address when FMS trusts the loopback proxy (FMS_HTTP_TRUST_PROXY=127.0.0.1).
    if (opts.address) headers['x-forwarded-for'] = opts.address;
    if (cookie) headers.cookie = cookie;
    if (csrf && !r.noCsrf && !['GET', 'HEAD'].includes(method)) headers['x-csrf-token'] = csrf;
    let body: string | undefined;
    if (r.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(r.json);
    } else if (r.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(r.form).toString();
    }
    const res = await fetch(baseUrl + path, { method, headers: { ...headers, ...r.headers }, body, redirect: 'manual' });
    const setCookie = res.headers.getSetCookie();
    for (const line of setCookie) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (name.endsWith('fms_session')) cookie = value && !/max-age=0/i.test(line) ? `${name}=${value}` : undefined;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, headers: res.headers, setCookie, body: parsed };
  }

  return {
    request,
    get: (path: string, r?: BrowserRequest) => request('GET', path, r),
    post: (path: string, json?: unknown, r: BrowserRequest = {}) => request('POST', path, { ...(json !== undefined ? { json } : {}), ...r }),
    patch: (path: string, json?: unknown, r: BrowserRequest = {}) => request('PATCH', path, { ...(json !== undefined ? { json } : {}), ...r }),
    delete: (path: string, r?: BrowserRequest) => request('DELETE', path, r),
    /** Signs in with a user name (or phone) and password, or a one-time link's token; keeps the cookie and CSRF token. */
    async signIn(user: string, password?: string): Promise<BrowserAnswer> {
      const res = await request('POST', '/api/session', { json: password === undefined ? { token: user } : { user, password } });
      if (res.status === 200) csrf = res.body.csrfToken;
      return res;
    },
    /** The session cookie it holds (`fms_session=…`), if any. */
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    get csrfToken() {
      return csrf;
    },
    set csrfToken(value: string | undefined) {
      csrf = value;
    },
  };
}
export type TestBrowser = ReturnType<typeof testBrowser>;
