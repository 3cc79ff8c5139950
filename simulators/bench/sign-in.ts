import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '../../services/shared/topics.ts';
import { startServiceProcess, type ServiceProcess } from '../../services/testing/service-process.ts';
import { snapshot } from './common.ts';

const DEVICES = 1000;
const RATE = 10;
const LOAD_SECONDS = 20;

/**
 * What device sign-in costs (FMS_MQTT_AUTH=devices, the default): issuing 1,000 devices their
 * credentials, and 1,000 devices connecting at once — the first time (each secret known good since it
 * was issued), again (checked against the remembered SHA-256), and after FMS restarted (nothing
 * remembered: each secret looked up and checked against its stored HMAC-SHA-256 — what a site sees
 * when FMS comes back and every device reconnects).
 */
export async function signInBench(): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-sign-in-'));
  const ids = Array.from({ length: DEVICES }, (_, i) => `bench-pump-${String(i + 1).padStart(4, '0')}`);
  writeFileSync(
    path.join(dir, 'estate.yaml'),
    `sites: [{ id: bench }]\npmTemplates: false\nassets:\n${ids.map((id) => `  - { id: ${id}, type: pump, site: bench }`).join('\n')}\n`,
  );
  const env = { FMS_DATA_DIR: path.join(dir, 'data'), FMS_CONFIG: path.join(dir, 'estate.yaml'), FMS_MQTT_MAX_CONNECTIONS_PER_IP: '0' };
  let service: ServiceProcess | undefined = await startServiceProcess(env);
  try {
    let t = Date.now();
    const login = await service.provision(ids);
    const issueSeconds = (Date.now() - t) / 1000;
    process.stdout.write(`bench: sign-in: ${DEVICES} credentials issued in ${issueSeconds.toFixed(1)} s\n`);

    const storm = async (url: string) => {
      const started = Date.now();
      const clients = await Promise.all(
        ids.map((id) => mqtt.connectAsync(url, { clientId: id, ...login({ id }), reconnectPeriod: 0, connectTimeout: 60_000 })),
      );
      const seconds = (Date.now() - started) / 1000;
      await Promise.all(clients.map((c: MqttClient) => c.endAsync()));
      return seconds;
    };
    const first = await storm(service.mqttUrl);
    process.stdout.write(`bench: sign-in: ${DEVICES} devices connected at once, first time, in ${first.toFixed(1)} s\n`);
    const again = await storm(service.mqttUrl);
    process.stdout.write(`bench: sign-in: again in ${again.toFixed(1)} s\n`);
    await service.stop('SIGTERM');
    service = await startServiceProcess({ ...env, FMS_ADMIN_KEY: service.adminKey });
    t = Date.now();
    const afterRestart = await storm(service.mqttUrl);
    process.stdout.write(`bench: sign-in: after a restart of FMS in ${afterRestart.toFixed(1)} s\n`);

    // Then every device on its own signed-in connection, each at RATE readings a second (QoS 1): the
    // ACL and the per-device rate check on every message, as on a real site.
    const clients = await Promise.all(
      ids.map((id) => mqtt.connectAsync(service!.mqttUrl, { clientId: id, ...login({ id }), reconnectPeriod: 0, connectTimeout: 60_000 })),
    );
    const before = (await snapshot(service)).ingested;
    const started = Date.now();
    let sent = 0;
    let acked = 0;
    let failed = 0;
    await new Promise<void>((resolve) => {
      const timers = clients.map((c, i) =>
        setTimeout(
          () => {
            const timer = setInterval(() => {
              if (Date.now() - started >= LOAD_SECONDS * 1000) return clearInterval(timer);
              sent++;
              c.publish(
                deviceTopic('bench', 'pump', ids[i]!, 'telemetry'),
                JSON.stringify({ flow_m3h: 30, pressure_out_bar: 4.1, vibration_mms: 2.1, running: true }),
                { qos: 1 },
                (err) => (err ? failed++ : acked++),
              );
            }, 1000 / RATE);
          },
          (i * (1000 / RATE)) / DEVICES,
        ),
      );
      setTimeout(
        () => {
          timers.forEach(clearTimeout);
          resolve();
        },
        LOAD_SECONDS * 1000 + 3000,
      );
    });
    const after = (await snapshot(service)).ingested;
    await Promise.all(clients.map((c) => c.endAsync()));
    const loadRate = Math.round((after - before) / LOAD_SECONDS);
    process.stdout.write(
      `bench: sign-in: ${DEVICES} signed-in devices at ${RATE}/s each: ${loadRate} msg/s ingested (${after - before} of ${sent} sent, ${acked} acknowledged, ${failed} failed)\n`,
    );
    return [
      `${DEVICES} devices on one machine with FMS (the devices are mqtt.js clients in the benchmark process), embedded broker,`,
      'device sign-in on (the default): secrets stored as a salted HMAC-SHA-256 (docs/security.md), remembered by their SHA-256 once verified.',
      '',
      '| what | figure |',
      '|---|---|',
      `| issuing ${DEVICES} devices their credentials (POST /api/assets/{id}/credentials, one after another) | **${issueSeconds.toFixed(1)} s** (${Math.round((issueSeconds * 1000) / DEVICES)} ms each) |`,
      `| ${DEVICES} devices connecting at once, first time | **${first.toFixed(1)} s** |`,
      `| the same again (secrets remembered) | **${again.toFixed(1)} s** |`,
      `| after FMS restarted (nothing remembered: every device reconnecting when FMS comes back) | **${afterRestart.toFixed(1)} s** |`,
      `| ${DEVICES} signed-in devices, each on its own connection at ${RATE} readings a second (QoS 1) for ${LOAD_SECONDS} s | **${loadRate.toLocaleString('en')} msg/s** ingested (${(after - before).toLocaleString('en')} of ${sent.toLocaleString('en')} sent, ${failed} failed) |`,
      '',
      'Before HMAC-SHA-256 (commit 5099ae1, scrypt at ~10 ms a check) the restart row was 10.1 s: a site of 20,000 devices',
      'took over 3 minutes to be let back in. A secret stored as scrypt by an older FMS costs scrypt once more, at its',
      "device's next sign-in, and is then rehashed (BENCHMARKS.md, Fleet, has the figures at 5,000 and 20,000 devices).",
    ];
  } finally {
    await service?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
