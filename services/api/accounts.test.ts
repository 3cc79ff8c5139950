import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFms, type Fms } from '../app.ts';
import { testConfig } from '../config/config.ts';
import { testBrowser } from '../testing/browser.ts';
import { eachDatabase, type DatabasePlace } from '../testing/databases.ts';
import { captureLogger } from '../testing/harness.ts';

const ADMIN = 'admin-key-for-the-account-tests-0123456789';
const MIN = 60_000;
const estate = {
  sites: [{ id: 'riverside' }, { id: 'lakeview' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei' },
    { id: 'zhao-lei', name: 'Zhao Lei' },
    { id: 'sun-yu', name: 'Sun Yu' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [
    { id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min' },
    { id: 'lakeview-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei', 'sun-yu'], supervisor: 'zhang-min' },
  ],
  dispatch: { auto: false },
};
const PASSWORD = 'lift motor seven';

eachDatabase('accounts over the API', (_open, place) => {
  let where: DatabasePlace;
  let fms: Fms;
  const clock = { t: Date.UTC(2026, 10, 24, 8, 0, 0) };
  const asKey = (key: string) => (method: string, url: string, payload?: object) =>
    fms.api.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const admin = asKey(ADMIN);
  const browser = () => testBrowser(fms.httpUrl);
  const order = async (assetId: string, assignee: string) => {
    const o = (
      await admin('POST', '/api/work-orders', { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Seal', assetId, by: 'zhang-min' })
    ).json();
    expect((await admin('POST', `/api/work-orders/${o.id}/actions`, { action: 'assign', by: 'zhang-min', assignee })).statusCode).toBe(200);
    return o.id as string;
  };

  beforeAll(async () => {
    where = await place();
    const db = where.target.startsWith('postgres') ? { FMS_DATABASE_URL: where.target } : { FMS_DATA_DIR: where.target };
    fms = await startFms(testConfig({ estate, FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN, ...db }), captureLogger().log, () => clock.t);
  }, 60_000);
  afterAll(async () => {
    await fms?.stop();
    where?.remove();
  });

  it('creates an account for a person with a one-time link that sets the first password, once', async () => {
    const created = await admin('POST', '/api/accounts', { personId: 'zhao-lei', role: 'technician', sites: ['lakeview'], phone: '139 0000 0002' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const account = created.json();
    expect(account).toMatchObject({ user: 'zhao-lei', name: 'Zhao Lei', role: 'technician', personId: 'zhao-lei', sites: ['lakeview'], phone: '13900000002' });
    expect(account.link.url).toMatch(/\/signin\/link\?token=fmsl_[A-Za-z0-9_-]{43}$/);
    expect(account.link.expiresAt).toBe(clock.t + 15 * MIN);
    // No password yet: nothing signs in with one.
    expect((await browser().signIn('zhao-lei', PASSWORD)).status).toBe(401);

    const b = browser();
    const signedIn = await b.signIn(account.link.token);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ user: 'zhao-lei', mustSetPassword: true });
    // The link is spent.
    expect((await browser().signIn(account.link.token)).body.error.code).toBe('FMS_ERR_SESSION_SIGN_IN_FAILED');
    // Right after a link, no old password is asked for; the policy still applies.
    expect((await b.post('/api/session/password', { password: 'zhaolei-1234567' })).body.error.code).toBe('FMS_ERR_ACCOUNT_PASSWORD_WEAK');
    const set = await b.post('/api/session/password', { password: PASSWORD });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.mustSetPassword).toBe(false);
    // From then on, a change needs the old password.
    expect((await b.post('/api/session/password', { password: 'another good one' })).body.error.message).toContain('oldPassword');
    expect((await browser().signIn('13900000002', PASSWORD)).status).toBe(200);
  });

  it('lists accounts without password hashes, and says what is wrong with a bad one', async () => {
    const list = (await admin('GET', '/api/accounts')).json();
    expect(list.items.map((a: { user: string }) => a.user)).toContain('zhao-lei');
    expect(JSON.stringify(list)).not.toMatch(/scrypt|hash/i);
    const bad = async (body: object) => (await admin('POST', '/api/accounts', body)).json().error;
    expect(await bad({ role: 'technician' })).toMatchObject({ code: 'FMS_ERR_API_BAD_REQUEST', message: expect.stringContaining('belongs to a person') });
    expect(await bad({ personId: 'ghost', role: 'viewer' })).toMatchObject({ message: expect.stringContaining('no person "ghost"') });
    expect(await bad({ personId: 'sun-yu', role: 'integration' })).toMatchObject({ code: 'FMS_ERR_API_BAD_REQUEST' });
    expect(await bad({ personId: 'sun-yu', role: 'technician', sites: ['atlantis'] })).toMatchObject({
      message: expect.stringContaining('no site "atlantis"'),
    });
    expect(await bad({ personId: 'sun-yu', role: 'technician', password: 'short' })).toMatchObject({ code: 'FMS_ERR_ACCOUNT_PASSWORD_WEAK' });
    expect(await bad({ personId: 'zhao-lei', role: 'viewer', user: 'zl2', password: PASSWORD })).toMatchObject({
      code: 'FMS_ERR_ACCOUNT_EXISTS',
      message: 'the person "zhao-lei" has an account already',
    });
    // An administrator's own account needs no person.
    const root = await admin('POST', '/api/accounts', { user: 'facility-admin', name: 'Facility admin', role: 'admin', password: PASSWORD });
    expect(root.statusCode).toBe(201);
    expect(root.json()).not.toHaveProperty('link');
  });

  it('keeps a technician’s session to its site and person exactly as a key of the same role, sites and person', async () => {
    expect((await admin('POST', '/api/accounts', { personId: 'li-wei', role: 'technician', sites: ['riverside'], password: PASSWORD })).statusCode).toBe(201);
    const key = (await admin('POST', '/api/keys', { name: 'Li Wei', role: 'technician', personId: 'li-wei', sites: ['riverside'] })).json().token;
    const b = browser();
    await b.signIn('li-wei', PASSWORD);
    const lakeview = await order('lv-pump-01', 'zhao-lei');
    const mine = await order('rs-pump-01', 'li-wei');
    const asKeyDoes = asKey(key);
    const same = async (method: 'GET' | 'POST', url: string, body?: object) => {
      const bySession = method === 'GET' ? await b.get(url) : await b.post(url, body);
      const byKey = await asKeyDoes(method, url, body);
      expect([bySession.status, bySession.body?.error?.code]).toEqual([byKey.statusCode, byKey.json().error?.code]);
      if (byKey.json().error)
        expect(bySession.body.error.message).toBe(byKey.json().error.message.replace('this key', 'this account').replace('this API key', 'this account'));
      return bySession;
    };
    const refused = await same('GET', `/api/work-orders/${lakeview}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('this account is limited to the site riverside, not lakeview');
    expect((await same('GET', '/api/work-orders?site=lakeview')).status).toBe(403);
    expect((await same('GET', '/api/work-orders')).body.items.map((o: { id: string }) => o.id)).toEqual([mine]);
    expect((await same('POST', `/api/work-orders/${lakeview}/actions`, { action: 'comment', by: 'li-wei', note: 'nosy' })).status).toBe(403);
    const asOther = await same('POST', `/api/work-orders/${mine}/actions`, { action: 'comment', by: 'zhang-min', note: 'pretending' });
    expect(asOther.body.error.message).toBe('this account acts for "li-wei", not for "zhang-min"');
    expect((await same('POST', `/api/work-orders/${mine}/actions`, { action: 'cancel', by: 'li-wei', note: 'no' })).status).toBe(403);
    expect((await same('GET', '/api/accounts')).status).toBe(403);
    expect((await b.post(`/api/work-orders/${mine}/actions`, { action: 'acknowledge', by: 'li-wei' })).status).toBe(200);
    // The order's history names the account.
    const history = (await admin('GET', `/api/work-orders/${mine}`)).json();
    expect(JSON.stringify(history)).toContain('li-wei');
    const audit = (await admin('GET', '/api/audit?actor=account:li-wei&limit=100')).json().items;
    expect(audit.map((r: { action: string }) => r.action)).toEqual(expect.arrayContaining(['account.login', 'access.denied']));
  });

  it('disables an account: its sessions end at once, it signs in no more, and enabling lets it in again', async () => {
    const b = browser();
    await b.signIn('li-wei', PASSWORD);
    const disabled = await admin('POST', '/api/accounts/li-wei/disable');
    expect(disabled.json()).toMatchObject({ user: 'li-wei', disabledAt: clock.t, sessionsEnded: 2 });
    expect((await b.get('/api/session')).body.error.code).toBe('FMS_ERR_API_UNAUTHENTICATED');
    const again = await browser().signIn('li-wei', PASSWORD);
    expect(again.status).toBe(403);
    expect(again.body.error).toEqual({ code: 'FMS_ERR_ACCOUNT_DISABLED', message: 'this account is disabled; an administrator can enable it again' });
    // Only the right password is told so: a guess is just wrong.
    expect((await browser().signIn('li-wei', 'a wrong guess here')).body.error.code).toBe('FMS_ERR_SESSION_SIGN_IN_FAILED');
    expect((await admin('POST', '/api/accounts/li-wei/enable')).json().disabledAt).toBeNull();
    expect((await browser().signIn('li-wei', PASSWORD)).status).toBe(200);
    expect((await admin('POST', '/api/accounts/nobody/disable')).json().error.code).toBe('FMS_ERR_ACCOUNT_NOT_FOUND');
  });

  it('resets a password: the old one stops working, sessions end, and the link expires after 15 minutes', async () => {
    const b = browser();
    await b.signIn('zhao-lei', PASSWORD);
    const reset = await admin('POST', '/api/accounts/zhao-lei/password-reset');
    expect(reset.statusCode).toBe(200);
    expect(reset.json().sessionsEnded).toBeGreaterThan(0);
    expect((await b.get('/api/session')).status).toBe(401);
    expect((await browser().signIn('zhao-lei', PASSWORD)).status).toBe(401);
    clock.t += 15 * MIN;
    expect((await browser().signIn(reset.json().link.token)).body.error.message).toContain('unknown, used already or expired');
    const fresh = (await admin('POST', '/api/accounts/zhao-lei/password-reset')).json();
    expect((await browser().signIn(fresh.link.token)).body).toMatchObject({ user: 'zhao-lei', mustSetPassword: true });
    const actions = (await admin('GET', '/api/audit?action=account.&limit=100')).json().items.map((r: { action: string }) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['account.created', 'account.disabled', 'account.enabled', 'account.password_reset', 'account.link_issued', 'account.link_used']),
    );
    expect(JSON.stringify((await admin('GET', '/api/audit?limit=1000')).json())).not.toContain(fresh.link.token);
  });
});
