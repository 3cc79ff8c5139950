import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { startFms, type Fms } from '../../services/app.ts';
import { testConfig } from '../../services/config/config.ts';
import { startHttpReceiver } from '../../services/testing/http-receiver.ts';
import { robotPlatform, WECOM_KEY } from '../../services/testing/robot-platforms.ts';
import { startMailCatcher } from '../../services/testing/smtp.ts';

const ELEVATORS = Number(process.env.BENCH_BURST ?? 1000);
const PUMPS = 200;
/** Telemetry offered while the burst runs: readings a second, from the site's pumps. */
const OFFERED = 2000;
const PHASE_MS = 10_000;

function estate(robotUrl: string, smsUrl: string, channels: boolean) {
  const techs = Array.from({ length: 20 }, (_, i) => ({
    id: `tech-${i + 1}`,
    name: `Technician ${i + 1}`,
    skills: ['elevator'],
    email: `tech-${i + 1}@bench.example`,
    phone: `1380000${String(i).padStart(4, '0')}`,
  }));
  return {
    sites: [{ id: 'bench', timeZone: 'Asia/Shanghai' }],
    assets: [
      ...Array.from({ length: ELEVATORS }, (_, i) => ({ id: `el-${i + 1}`, type: 'elevator', site: 'bench' })),
      ...Array.from({ length: PUMPS }, (_, i) => ({ id: `pump-${i + 1}`, type: 'pump', site: 'bench' })),
    ],
    people: [
      ...techs,
      { id: 'sup', name: 'Supervisor', role: 'supervisor', email: 'sup@bench.example' },
      { id: 'mgr', name: 'Manager', role: 'manager', email: 'mgr@bench.example' },
    ],
    teams: [{ id: 'eng', name: 'Engineering', sites: ['bench'], members: techs.map((t) => t.id), supervisor: 'sup', manager: 'mgr' }],
    ...(channels
      ? {
          notifications: {
            robots: [{ id: 'wecom', kind: 'wecom', url: `${robotUrl}/cgi-bin/webhook/send?key=${WECOM_KEY}` }],
            sms: { url: `${smsUrl}/send` },
          },
        }
      : {}),
  };
}

const metric = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
async function metrics(fms: Fms) {
  const text = await (await fetch(`${fms.httpUrl}/metrics`)).text();
  return {
    telemetry: metric(text, /^fms_mqtt_messages_total\{channel="telemetry"\} (\d+)/m),
    orders: metric(text, /^fms_work_orders_opened_total\{priority="P1",source="alarm"\} (\d+)/m),
  };
}

/** Telemetry at a steady offered rate for `ms`: what FMS took in meanwhile. */
async function steadyTelemetry(client: mqtt.MqttClient, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) {
    const tick = Date.now();
    for (let k = 0; k < OFFERED / 10; k++) {
      const pump = `pump-${(i++ % PUMPS) + 1}`;
      client.publish(`fms/bench/pump/${pump}/telemetry`, JSON.stringify({ ts: Date.now(), vibration_mms: 2.1, motor_temp_c: 45, running: true }), { qos: 0 });
    }
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
  }
}

/**
 * A burst of 1,000 trapped passengers (1,000 P1 orders, each dispatched) while telemetry flows at a
 * steady rate: how long until every order is open and every notification delivered (email to a real
 * SMTP server, SMS and WeCom to local receivers), and whether ingest kept up — against the same burst
 * with only the console's notifications (no email, SMS or robot).
 */
export async function notificationBench(): Promise<string[]> {
  const lines: string[] = [];
  for (const channels of [false, true]) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-notify-'));
    const [mail, robots, sms] = await Promise.all([startMailCatcher(), startHttpReceiver(robotPlatform), startHttpReceiver(() => ({ status: 200, body: {} }))]);
    const fms = await startFms(
      testConfig({ estate: estate(robots.url, sms.url, channels), FMS_DATA_DIR: dir, ...(channels ? { FMS_SMTP_URL: mail.url } : {}) }),
      pino({ level: 'warn' }),
    );
    const telemetry = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'bench-telemetry' });
    const devices = await mqtt.connectAsync(fms.mqttUrl, { clientId: 'bench-burst' });
    try {
      const before = await metrics(fms);
      await steadyTelemetry(telemetry, PHASE_MS);
      const baseline = (await metrics(fms)).telemetry - before.telemetry;
      const t0 = performance.now();
      const during = steadyTelemetry(telemetry, PHASE_MS);
      await Promise.all(
        Array.from({ length: ELEVATORS }, (_, i) =>
          devices.publishAsync(`fms/bench/elevator/el-${i + 1}/event`, JSON.stringify({ type: 'entrapment' }), { qos: 1 }),
        ),
      );
      let opened = 0;
      let allOpen = 0;
      while (opened < ELEVATORS && performance.now() - t0 < 120_000) {
        opened = (await metrics(fms)).orders;
        if (opened >= ELEVATORS) allOpen = performance.now() - t0;
        else await new Promise((r) => setTimeout(r, 100));
        if (process.env.BENCH_TRACE) process.stdout.write(`  ${Math.round(performance.now() - t0)} ms: ${opened} opened\n`);
      }
      // Every delivery sent: nothing pending or being sent (polled while the telemetry phase runs on).
      const count = async (state: string) =>
        ((await (await fetch(`${fms.httpUrl}/api/notifications?state=${state}&limit=1`)).json()) as { total: number }).total;
      let rows = 0;
      let allSent = 0;
      for (;;) {
        const [pending, sending, sent] = [await count('pending'), await count('sending'), await count('sent')];
        if (process.env.BENCH_TRACE) process.stdout.write(`  ${Math.round(performance.now() - t0)} ms: ${pending} pending, ${sent} sent\n`);
        if (pending === 0 && sending === 0 && sent > 0) {
          rows = sent;
          allSent = performance.now() - t0;
          break;
        }
        if (performance.now() - t0 > 600_000) throw new Error(`notifications still pending after 10 minutes: ${pending}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const mid = await metrics(fms);
      await during;
      const burst = (await metrics(fms)).telemetry - mid.telemetry + (mid.telemetry - before.telemetry - baseline);
      const folded = await count('cancelled');
      const digests = ((await (await fetch(`${fms.httpUrl}/api/notifications?event=digest&limit=1`)).json()) as { total: number }).total;
      const what = channels ? 'console + email (real SMTP) + SMS + WeCom' : 'console only';
      lines.push(
        `- ${what}: ${ELEVATORS.toLocaleString('en')} P1 orders open in ${(allOpen / 1000).toFixed(1)} s; all ${rows.toLocaleString('en')} deliveries sent ${(allSent / 1000).toFixed(1)} s after the burst` +
          ` (${Math.round(rows / (allSent / 1000))}/s; ${folded.toLocaleString('en')} folded into ${digests} digests by the rate of 20 a minute per recipient)${channels ? `, ${mail.arrived.length} emails, ${sms.received.length} SMS, ${robots.received.length} robot messages received` : ''};` +
          ` telemetry offered ${OFFERED}/s: ${Math.round(baseline / (PHASE_MS / 1000))}/s taken in before the burst, ${Math.round(burst / (PHASE_MS / 1000))}/s during it.`,
      );
      process.stdout.write(`bench: ${lines.at(-1)}\n`);
    } finally {
      await telemetry.endAsync();
      await devices.endAsync();
      await fms.stop();
      await Promise.all([mail.close(), robots.close(), sms.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return lines;
}
