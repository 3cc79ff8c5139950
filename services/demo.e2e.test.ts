import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './testing/harness.ts';
import { startServiceProcess, type ServiceProcess } from './testing/service-process.ts';

/**
 * `npm start -- --demo` out of the box, with the service's default security: the first start prints
 * an admin key once, the demo signs its own devices in and gives its crew their own keys, faults open
 * work orders and the crew works them over the API.
 */
describe('the demo, out of the box', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-demo-'));
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  // No FMS_ADMIN_KEY: the first start makes one.
  const start = () => startServiceProcess({ FMS_DATA_DIR: path.join(dir, 'data'), FMS_ADMIN_KEY: '' }, ['--demo']);

  it('prints an admin key once, signs its devices in, and its faults open work orders that the crew works', async () => {
    service = await start();
    const admin = /^\s+(fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32})$/m.exec(service.output.join('\n'))?.[1];
    expect(admin, service.output.join('\n')).toBeDefined();
    const get = async (p: string, key = admin) =>
      (await fetch(`${service!.httpUrl}${p}`, { headers: key ? { authorization: `Bearer ${key}` } : {} })).json() as Promise<any>;

    // The banner (printed once the demo runs) gives a read-only key that works for reading and nothing else.
    await waitFor(() => service!.output.some((l) => l.startsWith('FMS demo running')), 15_000, 'the demo banner');
    const viewer = /Bearer (fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32})/.exec(service.output.join('\n'))?.[1];
    expect(viewer).toBeDefined();
    expect((await fetch(`${service.httpUrl}/api/work-orders`)).status).toBe(401);
    expect((await fetch(`${service.httpUrl}/api/work-orders`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(200);
    expect(
      (
        await fetch(`${service.httpUrl}/api/rules`, {
          method: 'POST',
          headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(403);

    // The crew's console accounts: the banner's password signs a technician in, kept to their team's site.
    const password = /each with the password (demo-[A-Za-z0-9_-]{12}) for this run/.exec(service.output.join('\n'))?.[1];
    expect(password, service.output.join('\n')).toBeDefined();
    const signIn = await fetch(`${service.httpUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'chen-jie', password }),
    });
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toMatchObject({ user: 'chen-jie', role: 'technician', sites: ['riverside'] });
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const seen = (await (await fetch(`${service.httpUrl}/api/assets`, { headers: { cookie } })).json()) as { items: { site: string }[] };
    expect(new Set(seen.items.map((a) => a.site))).toEqual(new Set(['riverside']));

    // Every demo device signed in with its own credentials; an anonymous client is refused.
    await waitFor(async () => (await get('/api/assets')).items.every((a: any) => a.status.connection === 'online'), 15_000, 'every demo device online');
    await expect(mqtt.connectAsync(service.mqttUrl, { reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/i);
    const logins = (await get('/api/audit?action=mqtt.login&limit=1000')).items.filter((r: any) => r.outcome === 'ok');
    expect(new Set(logins.map((r: any) => r.actor)).size).toBe(16);

    // The entrapment 10 s in opens a P1 order at once; a technician of the crew takes it with their own key.
    const order = await waitFor(
      async () => (await get('/api/work-orders?assetId=riverside-elevator-01&source=alarm')).items[0],
      30_000,
      'the entrapment order',
    );
    expect(order.priority).toBe('P1');
    const worked = await waitFor(
      async () => {
        const detail = await get(`/api/work-orders/${order.id}`);
        return detail.history.find((h: any) => h.action === 'acknowledge');
      },
      45_000,
      'the crew to acknowledge the order',
    );
    expect(worked.actor).toMatch(/^(li-wei|chen-jie)$/);
    const keys = (await get('/api/keys')).items.map((k: any) => k.name);
    expect(keys).toEqual(
      expect.arrayContaining(['demo: Li Wei', 'demo: Zhang Min', 'demo: resident app', 'demo: viewer (read only)', 'first admin (generated at first start)']),
    );
  }, 120_000);

  it('does not print an admin key again on the next start, and the demo runs again with fresh credentials', async () => {
    const admin = /^\s+(fms_[0-9a-f]{12}_[A-Za-z0-9_-]{32})$/m.exec(service!.output.join('\n'))![1];
    const previousPassword = /each with the password (demo-[A-Za-z0-9_-]{12}) for this run/.exec(service!.output.join('\n'))?.[1];
    expect(await service!.stop('SIGTERM')).toBe(0);
    service = await start();
    expect(service.output.join('\n')).not.toContain('FMS generated an admin API key');
    const get = async (p: string) => (await fetch(`${service!.httpUrl}${p}`, { headers: { authorization: `Bearer ${admin}` } })).json() as Promise<any>;
    await waitFor(async () => (await get('/api/assets')).items.every((a: any) => a.status.connection === 'online'), 15_000, 'every demo device online again');
    // The previous run's crew password no longer signs in; this run's does.
    const passwordOf = (output: string[]) => /each with the password (demo-[A-Za-z0-9_-]{12}) for this run/.exec(output.join('\n'))?.[1];
    await waitFor(() => passwordOf(service!.output), 15_000, 'the demo banner');
    const signIn = (password: string | undefined) =>
      fetch(`${service!.httpUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'wang-fang', password }),
      });
    expect((await signIn(previousPassword)).status).toBe(401);
    expect((await signIn(passwordOf(service.output))).status).toBe(200);
    // The previous run's crew keys were revoked; this run has its own.
    const demoKeys = (await get('/api/keys')).items.filter((k: any) => k.name === 'demo: Li Wei');
    expect(demoKeys.map((k: any) => k.revokedAt === null).sort()).toEqual([false, true]);
  }, 60_000);

  it('stops in order on a SIGTERM that arrives while it is still starting', async () => {
    await service?.stop('SIGTERM');
    // startServiceProcess resolves when FMS says it started; the demo is still issuing its credentials then.
    service = await start();
    expect(service.output.some((l) => l.startsWith('FMS demo running'))).toBe(false);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
  }, 60_000);
});
