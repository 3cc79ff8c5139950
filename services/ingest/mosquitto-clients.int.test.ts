import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { getJson, requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

const run = promisify(execFile);
const pub = requireProgram('mosquitto_pub', 'mosquitto-clients');
const sub = requireProgram('mosquitto_sub', 'mosquitto-clients');

describe.skipIf(!pub.available || !sub.available)(`Mosquitto's clients as third-party peers of the embedded broker ${pub.reason}`, () => {
  let fms: Fms;
  let port: string;
  beforeAll(async () => {
    fms = await startTestFms();
    port = new URL(fms.mqttUrl).port;
  });
  afterAll(() => fms?.stop());

  it('a reading published with mosquitto_pub appears at /latest', async () => {
    const ts = Date.now();
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-q',
      '1',
      '-i',
      'field-tester',
      '-t',
      'fms/riverside/pump/rs-pump-01/telemetry',
      '-m',
      JSON.stringify({ ts, pressure_out_bar: 4.25, running: true }),
    ]);
    const latest = await waitFor(async () => (await getJson(`${fms.httpUrl}/api/assets/rs-pump-01/latest`)).metrics.pressure_out_bar, 5000, 'the reading');
    expect(latest).toEqual({ value: 4.25, ts, time: new Date(ts).toISOString(), unit: 'bar' });
  });

  it('a bad message from mosquitto_pub is rejected with its reason', async () => {
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-q',
      '1',
      '-t',
      'fms/riverside/pump/rs-pump-01/telemetry',
      '-m',
      '{"pressure_out_bar": "high"}',
    ]);
    const rejected = await waitFor(async () => (await getJson(`${fms.httpUrl}/api/ingest/rejected`)).items[0], 5000, 'the rejection');
    expect(rejected).toMatchObject({
      topic: 'fms/riverside/pump/rs-pump-01/telemetry',
      kind: 'payload',
      reason: 'pressure_out_bar: expected a number in bar (got "high")',
    });
  });

  it('mosquitto_sub receives the alarm and work-order changes the service publishes', async () => {
    const child = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      port,
      '-q',
      '1',
      '-v',
      '-C',
      '2',
      '-W',
      '10',
      '-t',
      'fms/+/alarms/#',
      '-t',
      'fms/+/work-orders/#',
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(async () => (await getJson(`${fms.httpUrl}/api/health`)).broker.clients >= 1, 5000, 'the subscriber');
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-q', '1', '-t', 'fms/riverside/gate/rs-gate-01/event', '-m', '{"type":"forced_open"}']);
    expect(await done).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^fms\/riverside\/alarms\/rs-gate-01 \{"change":"raised"/);
    expect(lines[1]).toMatch(/^fms\/riverside\/work-orders\/WO-\d{4}-000001 \{"event":"opened"/);
  });
});
