import { createHmac } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFms, type Fms } from '../app.ts';
import { testConfig } from '../config/config.ts';
import { captureLogger, waitFor } from '../testing/harness.ts';
import { startHttpReceiver } from '../testing/http-receiver.ts';
import { DING_SECRET, DING_TOKEN, robotPlatform, WECOM_KEY } from '../testing/robot-platforms.ts';
import { startMailCatcher, type MailCatcher } from '../testing/smtp.ts';

const SMS_SECRET = 'sms-gateway-secret-1';

/** Riverside: one elevator, its technician, supervisor and manager, each with an inbox and a phone. */
const estateWith = (urls: { robots: string; sms: string }) => ({
  sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai', language: 'zh' }],
  assets: [{ id: 'rs-elevator-01', type: 'elevator', site: 'riverside', location: 'Tower 3 lobby' }],
  people: [
    { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'], email: 'chen.jie@estate.example', phone: '13800000002', language: 'en' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor', email: 'zhang.min@estate.example', phone: '13800000003' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager', email: 'wang.fang@estate.example', phone: '13800000004' },
  ],
  teams: [{ id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['chen-jie'], supervisor: 'zhang-min', manager: 'wang-fang' }],
  notifications: {
    robots: [
      { id: 'wecom-riverside', kind: 'wecom', url: `${urls.robots}/cgi-bin/webhook/send?key=${WECOM_KEY}`, sites: ['riverside'] },
      { id: 'ding-riverside', kind: 'dingtalk', url: `${urls.robots}/robot/send?access_token=${DING_TOKEN}`, secret: DING_SECRET },
    ],
    sms: { url: `${urls.sms}/send`, secret: SMS_SECRET },
    managerAfter: '5m',
  },
});

/** An SMS gateway that checks FMS's signature as the docs tell a gateway to. */
const smsGateway = () =>
  startHttpReceiver((r) => {
    const ts = String(r.headers['x-fms-timestamp']);
    const good = r.headers['x-fms-signature'] === `sha256=${createHmac('sha256', SMS_SECRET).update(`${ts}.${r.body}`).digest('hex')}`;
    return good ? { status: 200, body: { ok: true } } : { status: 401, body: { error: 'bad signature' } };
  });

const trap = async (fms: Fms) => {
  const device = await mqtt.connectAsync(fms.mqttUrl);
  await device.publishAsync('fms/riverside/elevator/rs-elevator-01/event', JSON.stringify({ type: 'entrapment' }), { qos: 1 });
  await device.endAsync();
};

const api = async <T>(fms: Fms, path: string): Promise<T> => (await fetch(`${fms.httpUrl}${path}`)).json() as Promise<T>;
type Deliveries = { items: { event: string; channel: string; recipient: string; state: string; subjectId: string; title: string; lastError: string | null }[] };

describe('people are told: a trapped passenger, end to end on real servers', () => {
  let mail: MailCatcher;
  let robots: Awaited<ReturnType<typeof startHttpReceiver>>;
  let sms: Awaited<ReturnType<typeof smsGateway>>;
  let fms: Fms | undefined;
  beforeAll(async () => {
    [mail, robots, sms] = await Promise.all([startMailCatcher(), startHttpReceiver(robotPlatform), smsGateway()]);
  });
  afterEach(async () => {
    await fms?.stop();
    fms = undefined;
    mail.arrived.length = 0;
    robots.received.length = 0;
    sms.received.length = 0;
  });
  afterAll(() => Promise.all([mail.close(), robots.close(), sms.close()]));

  it('an entrapment reaches the assigned technician’s inbox and the site’s signed robots within 5 s, in each one’s language', async () => {
    fms = await startFms(testConfig({ estate: estateWith({ robots: robots.url, sms: sms.url }), FMS_SMTP_URL: mail.url }), captureLogger().log);
    const started = Date.now();
    await trap(fms);
    const [email] = await waitFor(() => mail.to('chen.jie@estate.example').length > 0 && mail.to('chen.jie@estate.example'), 5000, 'the technician’s email');
    const wecom = await waitFor(() => robots.received.find((r) => r.url.startsWith('/cgi-bin/webhook/send')), 5000, 'the WeCom robot’s message');
    expect(Date.now() - started).toBeLessThan(5000);
    // The technician chose English; the order's link leads to its page.
    expect(email!.mail.subject).toMatch(/^Work order for you: P1 Passenger trapped in elevator/);
    const orderId = /WO-\d{4}-\d+/.exec(email!.mail.text ?? '')![0];
    expect(email!.mail.text).toContain(`${fms.httpUrl}/orders/${orderId}`);
    // The P1 is urgent: high priority, and an SMS to the technician's phone though they asked for email only.
    expect(email!.mail.headers.get('priority')).toBe('high');
    await waitFor(() => sms.received.some((r) => JSON.parse(r.body).to === '13800000002'), 5000, 'the technician’s SMS');
    // The robots speak the site's language (zh), @all for a P1; DingTalk's signature was checked by its stand-in.
    expect(wecom.body).toContain('P1 紧急工单');
    expect(wecom.body).toContain('处理人：Chen Jie');
    expect(JSON.parse(wecom.body).text.mentioned_list).toEqual(['@all']);
    await waitFor(() => robots.received.some((r) => r.url.startsWith('/robot/send')), 5000, 'the DingTalk robot’s message');
    // The supervisor is told of the urgent order, in the site's language.
    const [sup] = await waitFor(() => mail.to('zhang.min@estate.example').length > 0 && mail.to('zhang.min@estate.example'), 5000, 'the supervisor’s email');
    expect(sup!.mail.subject).toMatch(/^P1 紧急工单/);
    // Every delivery is on record, sent, and counted.
    const told = await waitFor(
      async () => {
        const d = await api<Deliveries>(fms!, `/api/notifications?subject=${orderId}`);
        return d.items.length >= 7 && d.items.every((x) => x.state === 'sent') && d;
      },
      5000,
      'every delivery sent',
    );
    expect(new Set(told.items.map((x) => `${x.event} ${x.channel} ${x.recipient}`))).toEqual(
      new Set([
        'order.assigned inapp person:chen-jie',
        'order.assigned email person:chen-jie',
        'order.assigned sms person:chen-jie',
        'order.urgent inapp person:zhang-min',
        'order.urgent email person:zhang-min',
        'order.urgent robot robot:wecom-riverside',
        'order.urgent robot robot:ding-riverside',
      ]),
    );
    const metrics = await (await fetch(`${fms.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/fms_notifications_total\{channel="email",outcome="sent"\} 2/);
  });

  it('a P1 nobody acknowledges goes loudly to the supervisor at its limit, then to the manager', async () => {
    const clock = { t: Date.now() };
    fms = await startFms(testConfig({ estate: estateWith({ robots: robots.url, sms: sms.url }), FMS_SMTP_URL: mail.url }), captureLogger().log, () => clock.t);
    await trap(fms);
    await waitFor(() => mail.to('chen.jie@estate.example').length > 0, 5000, 'the dispatch email');
    expect(mail.to('wang.fang@estate.example')).toEqual([]);
    // Five minutes and a second later (the P1's acknowledge limit), the sweep escalates it.
    clock.t += 5 * 60_000 + 1000;
    const late = await waitFor(
      () => mail.to('zhang.min@estate.example').find((m) => /无人确认/.test(m.mail.subject ?? '')),
      10_000,
      'the supervisor told of the unacknowledged P1',
    );
    expect(late.mail.subject).toMatch(/P1 工单 5 分钟无人确认/);
    await waitFor(() => sms.received.some((r) => JSON.parse(r.body).to === '13800000003'), 5000, 'the supervisor’s SMS (louder)');
    expect(mail.to('wang.fang@estate.example')).toEqual([]); // not yet: the manager's turn comes 5 minutes later
    clock.t += 5 * 60_000;
    const mgr = await waitFor(() => mail.to('wang.fang@estate.example')[0], 5000, 'the manager told');
    expect(mgr.mail.subject).toMatch(/P1 工单 10 分钟无人确认/);
    await waitFor(() => sms.received.some((r) => JSON.parse(r.body).to === '13800000004'), 5000, 'the manager’s SMS');
  });

  it('a P1 acknowledged after the supervisor heard does not wake the manager', async () => {
    const clock = { t: Date.now() };
    fms = await startFms(testConfig({ estate: estateWith({ robots: robots.url, sms: sms.url }), FMS_SMTP_URL: mail.url }), captureLogger().log, () => clock.t);
    await trap(fms);
    const [first] = await waitFor(() => mail.to('chen.jie@estate.example').length > 0 && mail.to('chen.jie@estate.example'), 5000, 'the dispatch email');
    const orderId = /WO-\d{4}-\d+/.exec(first!.mail.text ?? '')![0];
    clock.t += 5 * 60_000 + 1000;
    await waitFor(() => mail.to('zhang.min@estate.example').some((m) => /无人确认/.test(m.mail.subject ?? '')), 10_000, 'the supervisor told');
    const ack = await fetch(`${fms.httpUrl}/api/work-orders/${orderId}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'acknowledge', by: 'chen-jie' }),
    });
    expect(ack.status).toBe(200);
    clock.t += 5 * 60_000 + 1000;
    const cancelled = await waitFor(
      async () => {
        const d = await api<Deliveries>(fms!, `/api/notifications?subject=${orderId}&state=cancelled`);
        return d.items.length > 0 && d;
      },
      5000,
      'the manager step cancelled',
    );
    expect(cancelled.items.every((x) => x.recipient === 'person:wang-fang' && /acknowledged at/.test(x.lastError ?? ''))).toBe(true);
    expect(mail.to('wang.fang@estate.example')).toEqual([]);
    expect(sms.received.some((r) => JSON.parse(r.body).to === '13800000004')).toBe(false);
  });

  it('a scheduled report reaches its subscribers by email with its PDF, each in their language', async () => {
    const estate = estateWith({ robots: robots.url, sms: sms.url });
    fms = await startFms(
      testConfig({
        estate: { ...estate, reports: { subscribers: [{ email: 'owner.board@estate.example', language: 'en' }] } },
        FMS_SMTP_URL: mail.url,
      }),
      captureLogger().log,
    );
    // The manager (a person: the site's language, zh) and an owners' board address (en).
    const id = await fms.reportScheduler.run('weekly', { site: 'riverside', timeZone: 'Asia/Shanghai', language: 'zh' });
    expect(id).toBeDefined();
    const zh = await waitFor(() => mail.to('wang.fang@estate.example')[0], 20_000, 'the manager’s report');
    const en = await waitFor(() => mail.to('owner.board@estate.example')[0], 20_000, 'the board’s report');
    expect(zh.mail.subject).toMatch(/^周报：riverside · \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}$/);
    expect(en.mail.subject).toMatch(/^Weekly report: riverside · /);
    for (const m of [zh, en]) {
      const pdf = m.mail.attachments.find((a) => a.contentType === 'application/pdf')!;
      expect(pdf.filename).toMatch(/^fms-weekly-riverside-\d{4}-\d{2}-\d{2}\.pdf$/);
      expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    }
    // Each language its own report: the link of each leads to the one in its reader's language.
    const links = [zh, en].map((m) => /\/reports\/(RPT-[\w-]+)/.exec(m.mail.text ?? '')![1]);
    expect(links[0]).toBe(id);
    expect(links[1]).not.toBe(id);
    const archive = await api<{ items: { id: string; language: string }[] }>(fms, '/api/reports');
    expect(archive.items.find((r) => r.id === links[1])?.language).toBe('en');
  }, 60_000);
});
