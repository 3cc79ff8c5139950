import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, requireProgram, startTestFms, waitFor } from '../testing/harness.ts';
import { startMosquitto, type Mosquitto } from '../testing/mosquitto.ts';

const mosquitto = requireProgram('mosquitto_passwd', 'mosquitto');
const acl = fileURLToPath(new URL('../../config/mosquitto/acl', import.meta.url));

describe.skipIf(!mosquitto.available)(`the shipped Mosquitto ACL (config/mosquitto/acl) on a real Mosquitto ${mosquitto.reason}`, () => {
  let broker: Mosquitto;
  let fms: Fms;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-mosquitto-acl-'));
  const passwords = path.join(dir, 'passwords');

  beforeAll(async () => {
    execFileSync('mosquitto_passwd', ['-c', '-b', passwords, 'fms', 'fms-secret-1']);
    execFileSync('mosquitto_passwd', ['-b', passwords, 'rs-pump-01', 'pump-01-secret']);
    execFileSync('mosquitto_passwd', ['-b', passwords, 'rs-pump-02', 'pump-02-secret']);
    broker = await startMosquitto({ passwordFile: passwords, aclFile: acl });
    fms = await startTestFms(
      {
        sites: [{ id: 'riverside' }],
        assets: [
          { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
          { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
        ],
      },
      { FMS_MQTT_URL: `mqtt://fms:fms-secret-1@127.0.0.1:${broker.port}` },
    );
  }, 30_000);
  afterAll(async () => {
    await fms?.stop();
    await broker?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const device = (username: string, password: string) =>
    mqtt.connectAsync(broker.url, {
      username,
      password,
      protocolVersion: 5,
      reconnectPeriod: 0,
      clientId: `${username}-${Math.random().toString(36).slice(2)}`,
    });
  const latest = async (asset: string) => (await getJson(`${fms.httpUrl}/api/assets/${asset}/latest`)).metrics?.pressure_out_bar?.value;

  it('lets a device publish its own readings, which reach FMS', async () => {
    const pump = await device('rs-pump-01', 'pump-01-secret');
    try {
      await pump.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ pressure_out_bar: 4.4 }), { qos: 1 });
      expect(await waitFor(() => latest('rs-pump-01'), 5000, 'the reading')).toBe(4.4);
    } finally {
      await pump.endAsync();
    }
  });

  it('refuses a device publishing as another one, and the forged reading never reaches FMS', async () => {
    const forger = await device('rs-pump-01', 'pump-01-secret');
    try {
      await expect(forger.publishAsync('fms/riverside/pump/rs-pump-02/telemetry', JSON.stringify({ pressure_out_bar: 9.9 }), { qos: 1 })).rejects.toThrow(
        /Not authorized/i,
      );
    } finally {
      // Mosquitto 2.0.11 answers nothing on that connection after a refused QoS 1 publish: a new one is used below.
      forger.end(true);
    }
    // A genuine reading sent after it arrives, so the forged one had its chance to arrive first.
    const pump = await device('rs-pump-01', 'pump-01-secret');
    try {
      await pump.publishAsync('fms/riverside/pump/rs-pump-01/telemetry', JSON.stringify({ pressure_out_bar: 4.5 }), { qos: 1 });
      await waitFor(async () => (await latest('rs-pump-01')) === 4.5, 5000, 'the genuine reading');
      expect(await latest('rs-pump-02')).toBeUndefined();
      expect((await getJson(`${fms.httpUrl}/api/ingest/rejected`)).items).toEqual([]);
    } finally {
      await pump.endAsync();
    }
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(device('rs-pump-01', 'guess')).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });
});
