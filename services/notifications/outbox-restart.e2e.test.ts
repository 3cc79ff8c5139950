import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/harness.ts';
import { closedPort } from '../testing/http-receiver.ts';
import { startServiceProcess, type ServiceProcess } from '../testing/service-process.ts';
import { startMailCatcher, type MailCatcher } from '../testing/smtp.ts';

type Deliveries = { items: { event: string; channel: string; recipient: string; state: string; attempts: number; lastError: string | null }[] };

/**
 * The outbox's promise, on the real service process: with the mail server down, deliveries wait,
 * retried and visible; FMS killed with SIGKILL loses none; after a restart, with the mail server back,
 * each is delivered exactly once.
 */
describe('deliveries survive the mail server being down and FMS being killed', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-outbox-'));
  let service: ServiceProcess | undefined;
  let mail: MailCatcher | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await mail?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits while SMTP is down, survives SIGKILL, and delivers each message once after the restart', async () => {
    const port = await closedPort();
    const config = path.join(dir, 'estate.yaml');
    writeFileSync(
      config,
      stringify({
        sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
        assets: [{ id: 'rs-elevator-01', type: 'elevator', site: 'riverside' }],
        people: [
          { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'], email: 'chen.jie@estate.example' },
          { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor', email: 'zhang.min@estate.example' },
        ],
        teams: [{ id: 'eng', name: 'Engineering', sites: ['riverside'], members: ['chen-jie'], supervisor: 'zhang-min' }],
      }),
    );
    const env = { FMS_CONFIG: config, FMS_DATA_DIR: path.join(dir, 'data'), FMS_SMTP_URL: `smtp://fms:mail-secret-42@127.0.0.1:${port}` };
    service = await startServiceProcess(env);
    const credentials = await service.provision(['rs-elevator-01']);
    const device = await mqtt.connectAsync(service.mqttUrl, { ...credentials({ id: 'rs-elevator-01' }), clientId: 'rs-elevator-01' });
    await device.publishAsync('fms/riverside/elevator/rs-elevator-01/event', JSON.stringify({ type: 'entrapment' }), { qos: 1 });
    await device.endAsync();

    // SMTP is down: the two emails wait, their failures on record for an operator to see.
    const waiting = await waitFor(
      async () => {
        const d = (await service!.get('/api/notifications?channel=email')) as Deliveries;
        return d.items.length === 2 && d.items.every((x) => x.state === 'pending' && x.attempts >= 1 && /ECONNREFUSED/.test(x.lastError ?? '')) && d;
      },
      10_000,
      'two emails waiting after a failed attempt',
    );
    expect(waiting.items.map((x) => x.recipient).sort()).toEqual(['person:chen-jie', 'person:zhang-min']);
    // The health report says email is failing, since when and why (FMS itself stays up: 200).
    const health = await service.request('GET', '/api/health');
    expect(health.status).toBe(200);
    const failing = ((await health.json()) as { notifications: { failing: { channel: string; detail: string }[] } }).notifications.failing;
    expect(failing).toEqual([expect.objectContaining({ channel: 'email', detail: expect.stringMatching(/ECONNREFUSED/) })]);

    expect(await service.stop('SIGKILL')).toBe(null);
    mail = await startMailCatcher({ port });
    service = await startServiceProcess({ ...env, FMS_ADMIN_KEY: service.adminKey });
    await waitFor(async () => ((await service!.get('/api/notifications?channel=email&state=sent')) as Deliveries).items.length === 2, 30_000, 'both sent');
    await new Promise((r) => setTimeout(r, 2000)); // nothing more arrives: once each
    expect(mail.to('chen.jie@estate.example')).toHaveLength(1);
    expect(mail.to('zhang.min@estate.example')).toHaveLength(1);
    expect(mail.arrived).toHaveLength(2);
    expect(mail.to('chen.jie@estate.example')[0]!.mail.subject).toMatch(/P1 Passenger trapped in elevator/);
  }, 90_000);
});
