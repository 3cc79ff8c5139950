import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFms, type Fms } from '../app.ts';
import { testConfig } from '../config/config.ts';
import { testBrowser } from '../testing/browser.ts';
import { eachDatabase, type DatabasePlace } from '../testing/databases.ts';
import { captureLogger, startTestFms } from '../testing/harness.ts';

const ADMIN = 'admin-key-for-the-session-tests-0123456789';
const HOUR = 3_600_000;
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', phone: '+86 139 0000 0001' },
    { id: 'chen-jie', name: 'Chen Jie' },
    { id: 'zhao-lei', name: 'Zhao Lei' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [
    { id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' },
    { id: 'lakeview-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei'], supervisor: 'zhang-min' },
  ],
  dispatch: { auto: false },
};
const PASSWORD = 'lift motor seven';

/**
 * Console sessions against a started FMS over HTTP, on each database: the clock is FMS's own `now`,
 * moved forward by the tests for idle and absolute expiry and for the waits after failed sign-ins.
 */
eachDatabase('console sessions', (_open, place) => {
  let where: DatabasePlace;
  let fms: Fms;
  const clock = { t: Date.UTC(2026, 10, 24, 8, 0, 0) };
  const admin = (method: string, url: string, payload?: object) =>
    fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${ADMIN}` }, ...(payload ? { payload } : {}) });
  const browser = (opts?: Parameters<typeof testBrowser>[1]) => testBrowser(fms.httpUrl, opts);
  const audit = async (action: string) => (await admin('GET', `/api/audit?action=${action}&limit=1000`)).json().items as any[];

  beforeAll(async () => {
    where = await place();
    const db = where.target.startsWith('postgres') ? { FMS_DATABASE_URL: where.target } : { FMS_DATA_DIR: where.target };
    const env = { estate, FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, FMS_HTTP_TRUST_PROXY: '127.0.0.1', ...db } as const;
    fms = await startFms(testConfig(env), captureLogger().log, () => clock.t);
    for (const body of [
      { personId: 'li-wei', role: 'technician', sites: ['riverside'], password: PASSWORD },
      { personId: 'chen-jie', role: 'technician', password: PASSWORD },
      { personId: 'zhang-min', role: 'supervisor', password: PASSWORD },
    ])
      expect((await admin('POST', '/api/accounts', body)).statusCode).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await fms?.stop();
    where?.remove();
  });

  it('signs in with a user name and password: an HttpOnly, SameSite=Lax session cookie, and GET /api/session says who', async () => {
    const b = browser();
    const res = await b.signIn('li-wei', PASSWORD);
    expect(res.status).toBe(200);
    const [cookie] = res.setCookie;
    expect(cookie).toMatch(/^fms_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const me = (await b.get('/api/session')).body;
    expect(me).toMatchObject({ kind: 'account', user: 'li-wei', name: 'Li Wei', role: 'technician', personId: 'li-wei', sites: ['riverside'] });
    expect(me.csrfToken).toBe(b.csrfToken);
    expect(me.csrfToken).not.toBe(b.cookie!.split('=')[1]);
    // The session reads the API like a key does.
    expect((await b.get('/api/assets')).body.items.map((a: { id: string }) => a.id)).toEqual(['rs-pump-01']);
    // A phone number signs in too, however it is written.
    expect((await browser().signIn('+86 139-0000-0001', PASSWORD)).body.user).toBe('li-wei');
    expect((await browser().signIn('LI-WEI', PASSWORD)).status).toBe(200);
  });

  it('over HTTPS (a proxy that says so) the cookie is also Secure and __Host- prefixed', async () => {
    const res = await browser().request('POST', '/api/session', {
      json: { user: 'chen-jie', password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https', origin: fms.httpUrl.replace('http:', 'https:') },
    });
    expect(res.status).toBe(200);
    expect(res.setCookie[0]).toMatch(/^__Host-fms_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('refuses a request with a second session cookie planted beside its own, clears the planted one, and over HTTPS believes only the __Host- cookie', async () => {
    // The attacker's own session, tossed into the victim's browser for /work-orders by a page on another port of this host.
    const attacker = browser();
    await attacker.signIn('zhang-min', PASSWORD);
    const victim = browser();
    await victim.signIn('chen-jie', PASSWORD);
    const own = victim.cookie;
    const tossed = await victim.request('GET', '/api/work-orders/WO-1', { headers: { cookie: `${attacker.cookie}; ${own}` } });
    expect(tossed.status).toBe(401);
    expect(tossed.body.error.message).toMatch(/two session cookies.*sign in again/);
    // The browser is told to forget the cookie on the narrower paths a planted one must sit on; FMS's own, on /, stays.
    expect(tossed.setCookie).toEqual(expect.arrayContaining([expect.stringMatching(/^fms_session=; Max-Age=0; Path=\/api\/work-orders;/)]));
    expect(tossed.setCookie.some((c) => /Path=\/;/.test(c))).toBe(false);
    victim.cookie = own; // a browser keeps its cookie on / (this test's jar knows no paths)
    expect((await victim.get('/api/session')).body.user).toBe('chen-jie');
    // Over HTTPS a plain cookie (which any port of the host could set) signs nobody in.
    const plain = await victim.request('GET', '/api/session', { headers: { 'x-forwarded-proto': 'https' } });
    expect(plain.status).toBe(401);
  });

  it('refuses a wrong password and an unknown user alike, and nothing signs in without a key or a session', async () => {
    const wrong = await browser({ address: '198.51.100.1' }).signIn('chen-jie', 'not the password');
    const nobody = await browser({ address: '198.51.100.1' }).signIn('nobody-here', 'not the password');
    expect([wrong.status, nobody.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(nobody.body);
    expect(wrong.body.error.code).toBe('FMS_ERR_SESSION_SIGN_IN_FAILED');
    expect(wrong.setCookie).toEqual([]);
    const anonymous = await browser().get('/api/work-orders');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.message).toContain('sign in with POST /api/session');
    const forged = browser();
    forged.cookie = 'fms_session=' + 'A'.repeat(43);
    expect((await forged.get('/api/session')).body.error.code).toBe('FMS_ERR_API_UNAUTHENTICATED');
  });

  it('slows a guesser down, then locks without looking at the password; a success resets only its own account and address', async () => {
    const guesser = browser({ address: '203.0.113.7' });
    for (let i = 1; i <= 5; i++) expect((await guesser.signIn('zhang-min', `guess number ${i}`)).status).toBe(401);
    const sixth = await guesser.signIn('zhang-min', 'guess number 6');
    expect(sixth.status).toBe(401);
    expect(sixth.body.error.message).toContain('the next attempt is looked at in 1s');
    // Locked: the right password and a wrong one get the same answer — the guesser learns nothing.
    const right = await guesser.signIn('zhang-min', PASSWORD);
    const wrong = await guesser.signIn('zhang-min', 'guess number 7');
    expect(right.status).toBe(429);
    expect(right.headers.get('retry-after')).toBe('1');
    expect(right.body).toEqual(wrong.body);
    expect(right.body.error.code).toBe('FMS_ERR_SESSION_LOCKED');
    // Zhang Min, from her own office, is not held by the guesser's account-and-address counter.
    expect((await browser({ address: '10.1.1.1' }).signIn('zhang-min', PASSWORD)).status).toBe(200);
    // The wait doubles with each further failure.
    clock.t += 1000;
    expect((await guesser.signIn('zhang-min', 'guess number 8')).body.error.message).toContain('looked at in 2s');
    clock.t += 2000;
    expect((await guesser.signIn('zhang-min', PASSWORD)).status).toBe(200);
    // That success cleared the guesser's own account-and-address counter: five free attempts again.
    for (let i = 1; i <= 5; i++) expect((await guesser.signIn('zhang-min', `guess again ${i}`)).status).toBe(401);
    const locks = await audit('account.locked');
    expect(locks.map((r) => [r.actor, r.address, r.outcome])).toContainEqual(['account:zhang-min', '203.0.113.7', 'denied']);
    expect(locks[0].detail).toMatch(/held back \d+s after \d+ failures \(account and address\)/);
  }, 60_000);

  it('ends a session unused for FMS_SESSION_IDLE, and any session after FMS_SESSION_MAX_AGE, with a clear error', async () => {
    const idle = browser();
    await idle.signIn('chen-jie', PASSWORD);
    clock.t += 2 * HOUR - 1000;
    expect((await idle.get('/api/session')).status).toBe(200);
    clock.t += 2 * HOUR - 1000; // used just now: two more hours are fine
    expect((await idle.get('/api/session')).status).toBe(200);
    clock.t += 2 * HOUR;
    const expired = await idle.get('/api/work-orders');
    expect(expired.status).toBe(401);
    expect(expired.body.error).toEqual({
      code: 'FMS_ERR_SESSION_EXPIRED',
      message: 'the session has expired after 2h without use (FMS_SESSION_IDLE); sign in again',
    });
    expect(expired.setCookie[0]).toMatch(/^fms_session=; Max-Age=0;/);

    const busy = browser();
    await busy.signIn('chen-jie', PASSWORD);
    for (let h = 0; h < 11; h++) {
      clock.t += HOUR;
      expect((await busy.get('/api/session')).status).toBe(200);
    }
    clock.t += HOUR;
    expect((await busy.get('/api/session')).body.error.message).toBe(
      'the session has expired: a sign-in lasts 12h at most (FMS_SESSION_MAX_AGE); sign in again',
    );
    // Recorded as the account's (the second within a minute is coalesced into the first: audit-log.ts).
    expect((await audit('session.expired')).map((r) => [r.actor, r.detail])).toContainEqual([
      'account:chen-jie',
      'the session has expired after 2h without use (FMS_SESSION_IDLE); sign in again',
    ]);
  });

  it('refuses a signed-in request that changes something without the session’s CSRF token, with a wrong one, or from another origin', async () => {
    const b = browser();
    await b.signIn('chen-jie', PASSWORD);
    const body = { language: 'zh' };
    const missing = await b.patch('/api/session', body, { noCsrf: true });
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('FMS_ERR_API_CSRF');
    expect(missing.body.error.message).toContain('x-csrf-token');
    const wrong = await b.patch('/api/session', body, { noCsrf: true, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.body.error).toMatchObject({ code: 'FMS_ERR_API_CSRF', message: expect.stringContaining("not this session's") });
    const foreign = await b.patch('/api/session', body, { headers: { origin: 'https://evil.example' } });
    expect(foreign.body.error).toMatchObject({ code: 'FMS_ERR_API_CSRF', message: expect.stringContaining('https://evil.example') });
    const foreignPage = await testBrowser(fms.httpUrl, { origin: null }).request('PATCH', '/api/session', {
      json: body,
      headers: { cookie: b.cookie!, 'x-csrf-token': b.csrfToken!, referer: 'https://evil.example/page' },
    });
    expect(foreignPage.body.error.code).toBe('FMS_ERR_API_CSRF');
    expect((await b.get('/api/session')).body.language).toBeNull(); // nothing changed
    expect((await audit('access.denied')).filter((r) => r.actor === 'account:chen-jie').length).toBeGreaterThan(0);
    // With the token, from FMS's own pages: done.
    expect((await b.patch('/api/session', body)).body.language).toBe('zh');
    // An API key is not a cookie: no token, any origin.
    const viaKey = await testBrowser(fms.httpUrl, { origin: 'https://elsewhere.example' }).request('GET', '/api/accounts', {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(viaKey.status).toBe(200);
  });

  it('takes the CSRF token from a plain HTML form’s _csrf field', async () => {
    const b = browser();
    await b.signIn('li-wei', PASSWORD);
    const phone = browser();
    await phone.signIn('li-wei', PASSWORD);
    const form = { _csrf: b.csrfToken!, oldPassword: PASSWORD, password: 'pump seal spare 9' };
    const withoutField = await b.request('POST', '/api/session/password', { form: { ...form, _csrf: 'wrong' }, noCsrf: true });
    expect(withoutField.body.error.code).toBe('FMS_ERR_API_CSRF');
    const posted = await b.request('POST', '/api/session/password', { form, noCsrf: true });
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.otherSessionsEnded).toBeGreaterThan(0);
    // Li Wei's phone, signed in with the old password, is signed out; this browser goes on.
    expect((await phone.get('/api/session')).status).toBe(401);
    expect((await b.get('/api/session')).status).toBe(200);
    expect((await browser().signIn('li-wei', PASSWORD)).status).toBe(401);
    expect((await browser().signIn('li-wei', 'pump seal spare 9')).status).toBe(200);
    // Forms are flat and bounded.
    const big = await b.request('POST', '/api/session/password', { form: { ...form, junk: 'x'.repeat(70 * 1024) }, noCsrf: true });
    expect(big.status).toBe(413);
  });

  it('signs out: the session ends, its cookie is cleared, and the old cookie no longer signs in', async () => {
    const b = browser();
    await b.signIn('chen-jie', PASSWORD);
    const cookie = b.cookie!;
    const out = await b.delete('/api/session');
    expect(out.status).toBe(204);
    expect(out.setCookie[0]).toMatch(/^fms_session=; Max-Age=0;/);
    expect(b.cookie).toBeUndefined();
    const replay = browser();
    replay.cookie = cookie;
    expect((await replay.get('/api/session')).body.error.code).toBe('FMS_ERR_API_UNAUTHENTICATED');
    expect((await audit('session.logout')).map((r) => r.actor)).toContain('account:chen-jie');
  });

  it('keeps secrets out of the audit log', async () => {
    const b = browser();
    await b.signIn('chen-jie', PASSWORD);
    const all = JSON.stringify((await admin('GET', '/api/audit?limit=1000')).json());
    for (const secret of [PASSWORD, 'pump seal spare 9', 'guess number', b.cookie!.split('=')[1]!, b.csrfToken!]) expect(all).not.toContain(secret);
    expect(all).toContain('account.login');
  });
});

describe('sessions with FMS_API_AUTH=off', () => {
  it('trusts every caller, yet still knows who signed in', async () => {
    const fms = await startTestFms(estate);
    try {
      const created = await fms.api.inject({ method: 'POST', url: '/api/accounts', payload: { personId: 'chen-jie', role: 'technician', password: PASSWORD } });
      expect(created.statusCode).toBe(201);
      const b = testBrowser(fms.httpUrl);
      expect((await b.get('/api/session')).body.error.code).toBe('FMS_ERR_API_UNAUTHENTICATED');
      expect((await b.get('/api/work-orders')).status).toBe(200);
      await b.signIn('chen-jie', PASSWORD);
      expect((await b.get('/api/session')).body).toMatchObject({ user: 'chen-jie', role: 'technician' });
    } finally {
      await fms.stop();
    }
  });
});
