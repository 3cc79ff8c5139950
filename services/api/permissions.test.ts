import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms } from '../testing/harness.ts';
import { roles, type Role } from './access.ts';

const ADMIN = 'admin-key-for-the-permission-tests-0123456789';
const estate = {
  sites: [{ id: 'riverside' }],
  assets: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside' }],
  people: [
    { id: 'li-wei', name: 'Li Wei' },
    { id: 'chen-jie', name: 'Chen Jie' },
    { id: 'sun-yu', name: 'Sun Yu' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager' },
  ],
  teams: [
    { id: 'eng', name: 'Engineering', members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' },
    { id: 'eng-2', name: 'Engineering, tower', members: ['sun-yu'], supervisor: 'zhang-min' },
  ],
  dispatch: { auto: false },
};

describe('API keys and the permission table (FMS_API_AUTH=keys)', () => {
  let fms: Fms;
  const keys = {} as Record<Role, string>;
  const call = (method: string, url: string, key?: string, payload?: unknown) =>
    fms.api.inject({
      method: method as 'GET',
      url,
      headers: key ? { authorization: `Bearer ${key}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
    for (const role of roles) {
      // A technician's key belongs to a person.
      const res = await call('POST', '/api/keys', ADMIN, { name: `${role} tester`, role, ...(role === 'technician' ? { personId: 'li-wei' } : {}) });
      expect(res.statusCode).toBe(201);
      keys[role] = res.json().token;
    }
  });
  afterAll(() => fms?.stop());

  it('has every route the server registers declare who may call it', () => {
    expect(fms.api.routeList.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('lets each role do exactly what its line allows, route by route', async () => {
    const sample = (url: string) => url.replace(':attachmentId', 'att-1').replace(':file', 'report.json').replace(':id', 'nothing-here').replace('*', 'x');
    const refusals: string[] = [];
    for (const { method, url, access } of fms.api.routeList) {
      const allowed = access!.roles;
      if (allowed === 'public') continue;
      const line = `${method} ${url}`;
      for (const role of roles) {
        // The console's live-update stream never ends for a role it lets in: only its refusals are checked here.
        if (url === '/console/events' && allowed.includes(role)) continue;
        const res = await call(method, sample(url), keys[role], method === 'GET' || method === 'DELETE' ? undefined : {});
        // The access check's own refusal (JSON for the API, a page for the console), not a refusal further in.
        const denied = res.statusCode === 403 && /the role (\\?"|&quot;)\w+(\\?"|&quot;) may not/.test(res.body);
        if (allowed.includes(role) === denied || res.statusCode === 401) refusals.push(`${role} ${line}: ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
    }
    expect(refusals).toEqual([]);
  }, 120_000);

  it('lets a console session of each role do exactly what a key of that role may, route by route', async () => {
    // One account per person, of the person's own role (an account acting as a person has their role);
    // a viewer is nobody of the directory's roles.
    const personOf: Record<string, string | undefined> = {
      admin: undefined,
      manager: 'wang-fang',
      supervisor: 'zhang-min',
      technician: 'li-wei',
      viewer: 'chen-jie',
    };
    const sessions: Record<string, { cookie: string; csrf: string }> = {};
    const signIn = async (role: string) => {
      const payload = { user: personOf[role] ?? 'console-admin', password: 'lift motor seven' };
      const signedIn = await fms.api.inject({ method: 'POST', url: '/api/session', payload });
      sessions[role] = { cookie: signedIn.headers['set-cookie']!.toString().split(';')[0]!, csrf: signedIn.json().csrfToken };
    };
    for (const [role, personId] of Object.entries(personOf)) {
      const account = { role, password: 'lift motor seven', ...(personId ? { personId } : { user: 'console-admin', name: 'Console admin' }) };
      expect((await call('POST', '/api/accounts', ADMIN, account)).statusCode).toBe(201);
      await signIn(role);
    }
    const sample = (url: string) =>
      url
        .replace(':attachmentId', 'att-1')
        .replace(':file', 'report.json')
        .replace(/:(id|user)/, 'nothing-here')
        .replace('*', 'x');
    const differences: string[] = [];
    for (const { method, url, access } of fms.api.routeList) {
      if (access!.roles === 'public') continue;
      for (const role of Object.keys(personOf) as Role[]) {
        // The console's live-update stream never ends for a role it lets in.
        if (url === '/console/events' && access!.roles.includes(role)) continue;
        const payload = method === 'GET' || method === 'DELETE' ? undefined : {};
        const byKey = await call(method, sample(url), keys[role], payload);
        const s = sessions[role]!;
        const bySession = await fms.api.inject({
          method: method as 'GET',
          url: sample(url),
          headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
          ...(payload ? { payload } : {}),
        });
        // The access check's own refusal (JSON for the API, a page for the console), not a refusal further in.
        const denied = (r: typeof byKey) => r.statusCode === 403 && /the role (\\?"|&quot;)\w+(\\?"|&quot;) may not/.test(r.body);
        // Signing out ends the session: sign in again for the routes after it.
        if (method === 'DELETE' && url === '/api/session') await signIn(role);
        if (denied(byKey) !== denied(bySession) || bySession.statusCode === 401)
          differences.push(`${role} ${method} ${url}: key ${byKey.statusCode}, session ${bySession.statusCode} ${bySession.body.slice(0, 100)}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('answers 401 without a key, with a wrong, revoked or expired key; health, metrics and the docs stay open', async () => {
    expect((await call('GET', '/api/assets')).json().error.code).toBe('FMS_ERR_API_UNAUTHENTICATED');
    expect((await call('GET', '/api/assets', 'fms_000000000000_' + 'x'.repeat(32))).statusCode).toBe(401);
    expect((await call('GET', '/api/assets', 'not-a-key')).statusCode).toBe(401);
    const issued = (
      await call('POST', '/api/keys', ADMIN, { name: 'short-lived', role: 'viewer', expiresAt: new Date(Date.now() + 800).toISOString() })
    ).json();
    expect((await call('GET', '/api/assets', issued.token)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 900));
    expect((await call('GET', '/api/assets', issued.token)).json().error.message).toContain('expired');
    const revoked = (await call('POST', '/api/keys', ADMIN, { name: 'to revoke', role: 'viewer' })).json();
    expect((await call('DELETE', `/api/keys/${revoked.id}`, ADMIN)).statusCode).toBe(204);
    expect((await call('GET', '/api/assets', revoked.token)).json().error.message).toContain('revoked');
    for (const open of ['/api/health', '/metrics', '/api/docs/json']) expect((await call('GET', open)).statusCode, open).toBe(200);
    // Keys are listed without their secrets.
    expect(JSON.stringify((await call('GET', '/api/keys', ADMIN)).json())).not.toContain(revoked.token);
  });

  it('makes a person’s key act as that person only', async () => {
    const tech = (await call('POST', '/api/keys', ADMIN, { name: 'Li Wei’s phone', role: 'technician', personId: 'li-wei' })).json().token;
    const order = (
      await call('POST', '/api/work-orders', tech, {
        source: 'inspection',
        channel: 'inspection',
        category: 'repair',
        title: 'Seal leaking',
        assetId: 'rs-pump-01',
        by: 'li-wei',
      })
    ).json();
    expect((await call('POST', `/api/work-orders/${order.id}/actions`, ADMIN, { action: 'assign', by: 'zhang-min', assignee: 'li-wei' })).statusCode).toBe(200);
    const registeredAsOther = await call('POST', '/api/work-orders', tech, {
      source: 'inspection',
      channel: 'inspection',
      category: 'repair',
      title: 'Seal leaking',
      assetId: 'rs-pump-01',
      by: 'zhang-min',
    });
    expect(registeredAsOther.statusCode).toBe(403);
    // The same for putting an asset in maintenance in someone else's name.
    expect((await call('POST', '/api/assets/rs-pump-01/maintenance', tech, { by: 'zhang-min', minutes: 30 })).statusCode).toBe(403);
    expect((await call('POST', '/api/assets/rs-pump-01/maintenance', tech, { by: 'li-wei', minutes: 30 })).statusCode).toBe(200);
    const asOther = await call('POST', `/api/work-orders/${order.id}/actions`, tech, { action: 'comment', by: 'zhang-min', note: 'pretending' });
    expect(asOther.statusCode).toBe(403);
    expect(asOther.json().error.message).toContain('acts for "li-wei"');
    expect((await call('POST', `/api/work-orders/${order.id}/actions`, tech, { action: 'comment', by: 'li-wei', note: 'on my way' })).statusCode).toBe(200);
  });

  it('keeps a technician’s key to orders of theirs and their team’s', async () => {
    const supervisor = (await call('POST', '/api/keys', ADMIN, { name: 'Zhang Min', role: 'supervisor', personId: 'zhang-min' })).json().token;
    const open = async (assignee: string) => {
      const order = (
        await call('POST', '/api/work-orders', supervisor, {
          source: 'inspection',
          channel: 'inspection',
          category: 'repair',
          title: `For ${assignee}`,
          assetId: 'rs-pump-01',
          by: 'zhang-min',
        })
      ).json();
      expect((await call('POST', `/api/work-orders/${order.id}/actions`, supervisor, { action: 'assign', by: 'zhang-min', assignee })).statusCode).toBe(200);
      return order.id as string;
    };
    const mine = await open('li-wei');
    const teammates = await open('chen-jie');
    const otherTeams = await open('sun-yu');
    const tech = keys.technician; // li-wei's
    expect((await call('POST', `/api/work-orders/${mine}/actions`, tech, { action: 'acknowledge', by: 'li-wei' })).statusCode).toBe(200);
    // A teammate's order: a comment is fine; the process itself keeps its repair to its assignee.
    expect(
      (await call('POST', `/api/work-orders/${teammates}/actions`, tech, { action: 'comment', by: 'li-wei', note: 'I have the spare seal' })).statusCode,
    ).toBe(200);
    const teammatesAck = await call('POST', `/api/work-orders/${teammates}/actions`, tech, { action: 'acknowledge', by: 'li-wei' });
    expect(teammatesAck.statusCode, teammatesAck.body).toBe(403);
    expect(teammatesAck.json().error.code).toBe('FMS_ERR_WORK_ORDER_FORBIDDEN');
    const foreign = await call('POST', `/api/work-orders/${otherTeams}/actions`, tech, { action: 'comment', by: 'li-wei', note: 'nosy' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.message).toContain('acts only on orders assigned to them or their team (eng)');
    // Cancelling (like verifying and closing) is the supervisor's, never the technician's, even on their own order.
    expect((await call('POST', `/api/work-orders/${mine}/actions`, tech, { action: 'start', by: 'li-wei' })).statusCode).toBe(200);
    const selfCancel = await call('POST', `/api/work-orders/${mine}/actions`, tech, { action: 'cancel', by: 'li-wei', note: 'not worth it' });
    expect(selfCancel.statusCode).toBe(403);
    expect(selfCancel.json().error.message).toContain('a technician cannot cancel');
  });

  it('issues a technician’s key only for a person, and only for one that exists', async () => {
    const noPerson = await call('POST', '/api/keys', ADMIN, { name: 'a phone', role: 'technician' });
    expect(noPerson.statusCode).toBe(400);
    expect(noPerson.json().error.message).toContain("a technician's key belongs to a person");
    const nobody = await call('POST', '/api/keys', ADMIN, { name: 'a phone', role: 'technician', personId: 'ghost' });
    expect(nobody.json().error.message).toContain('no person "ghost"');
  });

  it('lets an integration act only for the requester', async () => {
    const order = (
      await call('POST', '/api/work-orders', keys.integration, {
        channel: 'app',
        category: 'complaint',
        title: 'Noise at night',
        assetId: 'rs-pump-01',
        requester: { name: 'Mrs Zhou', phone: '139' },
        by: 'requester',
      })
    ).json();
    expect(order.id).toBeDefined();
    const asStaff = await call('POST', `/api/work-orders/${order.id}/actions`, keys.integration, { action: 'cancel', by: 'zhang-min', note: 'spam' });
    expect(asStaff.statusCode).toBe(403);
    expect(asStaff.json().error.message).toContain('acts only for the requester');
    expect(
      (await call('POST', `/api/work-orders/${order.id}/actions`, keys.integration, { action: 'comment', by: 'requester', note: 'still noisy' })).statusCode,
    ).toBe(200);
  });
});

describe('the first admin key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-first-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated and printed once when keys are required and FMS_ADMIN_KEY is not set', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      let fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_DATA_DIR: dir });
      const token = /(fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32})/.exec(printed.join(''))?.[1];
      expect(token).toBeDefined();
      expect((await fms.api.inject({ method: 'GET', url: '/api/keys', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      await fms.stop();
      printed.length = 0;
      fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_DATA_DIR: dir });
      expect(printed.join('')).not.toMatch(/fms_[0-9a-f]{12}_/);
      await fms.stop();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the permission table in docs/security.md', () => {
  it('says the same as the routes declare, line by line', async () => {
    const { readFileSync } = await import('node:fs');
    const fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
    const api = fms.api;
    await fms.stop();
    const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z]+ [^`]+)` \| ([^|]+) \|$/gm)].map((m) => [m[1]!, m[2]!.trim()]);
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(
        api.routeList.map(({ method, url, access }) => [`${method} ${url}`, access!.roles === 'public' ? 'anyone (no key)' : access!.roles.join(', ')]),
      ),
    );
  });
});
