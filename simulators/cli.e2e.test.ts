import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../services/app.ts';
import { freePort } from '../services/testing/influxd.ts';
import { getJson, startTestFms, waitFor } from '../services/testing/harness.ts';

const ADMIN = 'admin-key-for-the-simulator-tests-0123456';

const root = path.resolve(import.meta.dirname, '..');

function sim(args: string[]): { child: ChildProcess; output: string[]; exited: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d) => output.push(...String(d).split('\n').filter(Boolean)));
  child.stderr!.on('data', (d) => output.push(...String(d).split('\n').filter(Boolean)));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, output, exited };
}

describe('npm run sim against a running FMS (with its default sign-in: API keys, device credentials)', () => {
  let fms: Fms;
  let dir: string;
  const get = async (url: string) => (await fms.api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } })).json();
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fms-sim-'));
    fms = await startTestFms(
      { sites: [{ id: 'riverside' }], assets: [{ id: 'old-pump', type: 'pump', site: 'riverside' }] },
      { FMS_API_AUTH: 'keys', FMS_MQTT_AUTH: 'devices', FMS_ADMIN_KEY: ADMIN },
    );
  });
  afterAll(async () => {
    await fms?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a scenario at 60× speed, registers its devices, and takes faults live through the control API', async () => {
    const file = path.join(dir, 'scenario.yaml');
    writeFileSync(
      file,
      `name: live
seed: 3
interval: 30s
duration: 2h
speed: 60
devices:
  - { id: live-pump-01, type: pump, site: riverside }
  - { id: live-gate-01, type: gate, site: riverside }
faults:
  - { at: 1m, device: live-gate-01, fault: forced_open }
`,
    );
    const port = await freePort();
    // Registers the scenario's devices and issues their credentials with the admin key, then signs each in.
    const run = sim([
      '--scenario',
      file,
      '--broker',
      fms.mqttUrl,
      '--register',
      fms.httpUrl,
      '--api-key',
      ADMIN,
      '--provision',
      '--control',
      `127.0.0.1:${port}`,
    ]);
    try {
      // The scheduled fault: forced open one simulated minute in, one real second.
      await waitFor(
        async () => (await get(`/api/alarms?assetId=live-gate-01`)).items.find((a: any) => a.ruleId === 'gate.forced-open'),
        15_000,
        'the scheduled fault',
      );
      // A live fault through the control API.
      const res = await fetch(`http://127.0.0.1:${port}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ device: 'live-pump-01', fault: 'trip' }),
      });
      expect(((await res.json()) as { faults: string[] }).faults).toContain('trip');
      await waitFor(async () => (await get(`/api/alarms?assetId=live-pump-01`)).items.find((a: any) => a.ruleId === 'pump.trip'), 15_000, 'the live fault');
      const devices = await getJson(`http://127.0.0.1:${port}/devices`);
      expect(devices.map((d: any) => d.id)).toEqual(['live-pump-01', 'live-gate-01']);
      // Simulated time runs 60× faster: readings are stamped minutes apart after seconds.
      const latest = await get(`/api/assets/live-pump-01/latest`);
      expect(latest.metrics.run_hours).toBeDefined();
      await waitFor(() => run.output.some((l) => /connected, \d+ msg\/s, \d+ sent, 0 failed, 2 fault\(s\) active/.test(l)), 15_000, 'a progress line');
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  }, 60_000);

  it('replays a CSV of recorded readings as the device', async () => {
    const csv = path.join(dir, 'recorded.csv');
    const t0 = Date.now() - 60_000;
    writeFileSync(
      csv,
      [
        'timestamp,asset,metric,value',
        ...[0, 10, 20].flatMap((s) => [
          `${new Date(t0 + s * 1000).toISOString()},old-pump,vibration_mms,${2 + s / 10}`,
          `${new Date(t0 + s * 1000).toISOString()},old-pump,running,true`,
        ]),
      ].join('\n'),
    );
    const { secret } = (
      await fms.api.inject({ method: 'POST', url: '/api/assets/old-pump/credentials', headers: { authorization: `Bearer ${ADMIN}` } })
    ).json();
    const logins = path.join(dir, 'credentials.txt');
    writeFileSync(logins, `old-pump:${secret}\n`);
    const run = sim(['--replay', csv, '--broker', fms.mqttUrl, '--site', 'riverside', '--type', 'pump', '--speed', '0', '--credentials', logins]);
    expect(await run.exited).toBe(0);
    expect(run.output).toContain('sim: 3 messages replayed');
    const latest = await waitFor(
      async () => {
        const l = await get(`/api/assets/old-pump/latest`);
        return l.metrics.vibration_mms?.value === 4 && l;
      },
      5000,
      'the replayed readings',
    );
    expect(latest.metrics.vibration_mms.ts).toBe(t0 + 20_000);
  }, 30_000);

  it('says what is missing when FMS wants a key or the devices cannot sign in', async () => {
    const noKey = sim([
      '--broker',
      fms.mqttUrl,
      '--site',
      'riverside',
      '--pumps',
      '1',
      '--elevators',
      '0',
      '--gates',
      '0',
      '--register',
      fms.httpUrl,
      '--duration',
      '5s',
    ]);
    expect(await noKey.exited).not.toBe(0);
    expect(noKey.output.join('\n')).toContain('give an admin API key with --api-key or FMS_API_KEY');
    const noCredentials = sim(['--broker', fms.mqttUrl, '--site', 'riverside', '--pumps', '1', '--elevators', '0', '--gates', '0', '--duration', '5s']);
    expect(await noCredentials.exited).not.toBe(0);
    expect(noCredentials.output.join('\n')).toMatch(/Bad username or password|Not authorized/i);
  }, 30_000);

  it('refuses bad input with what to fix', async () => {
    const run = sim(['--replay', path.join(dir, 'missing.csv'), '--broker', fms.mqttUrl]);
    expect(await run.exited).not.toBe(0);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp,asset,metric,value\nyesterday,p1,flow_m3h,3\n');
    const run2 = sim(['--replay', bad, '--broker', fms.mqttUrl, '--site', 'riverside', '--type', 'pump']);
    expect(await run2.exited).toBe(2);
    expect(run2.output.join('\n')).toMatch(/bad.csv:2: "yesterday" is not ISO-8601 or epoch milliseconds/);
  }, 30_000);
});
