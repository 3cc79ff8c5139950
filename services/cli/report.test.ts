import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFms } from '../app.ts';
import { loadConfig } from '../config/config.ts';
import { captureLogger } from '../testing/harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-report-cli-'));
const estateFile = path.join(dir, 'estate.yaml');
const ADMIN = 'admin-key-for-the-report-cli-tests-01234';
const env = {
  FMS_DATA_DIR: path.join(dir, 'data'),
  FMS_CONFIG: estateFile,
  FMS_HTTP_PORT: '0',
  FMS_MQTT_PORT: '0',
  FMS_MQTT_HOST: '127.0.0.1',
  FMS_ADMIN_KEY: ADMIN,
  FMS_TZ: 'UTC',
  FMS_LOG_LEVEL: 'silent',
};
const headers = { authorization: `Bearer ${ADMIN}` };
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'services/cli/main.ts', 'report', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
/** The command run without waiting for it: most of each run is starting Node and tsx, so several run side by side. */
function cliRun(args: string[], runEnv: Record<string, string> = env): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/cli/main.ts', 'report', ...args], { cwd: root, env: { ...process.env, ...runEnv } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('npm run fms -- report', () => {
  beforeAll(async () => {
    writeFileSync(
      estateFile,
      stringify({
        sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
        assets: [
          { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
          { id: 'rs-elevator-01', type: 'elevator', site: 'riverside' },
          { id: 'rs-gate-01', type: 'gate', site: 'riverside' },
        ],
        people: [{ id: 'li-wei', name: 'Li Wei' }],
      }),
    );
    // The service ran once on this folder: the assets are registered, an order was worked.
    const fms = await startFms(loadConfig(env), captureLogger().log);
    const order = (
      await fms.api.inject({
        method: 'POST',
        url: '/api/work-orders',
        headers,
        payload: { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Door sticks', assetId: 'rs-gate-01', by: 'li-wei' },
      })
    ).json();
    expect(order.error, JSON.stringify(order.error)).toBeUndefined();
    expect(order.id).toBeDefined();
    await fms.stop();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a report from the data folder with a progress line, archives it and copies its files', async () => {
    const out = path.join(dir, 'out');
    const run = cli('--site', 'riverside', '--from', '2026-11-01', '--to', '2099-01-01', '--language', 'zh', '--out', out);
    expect(run.stderr).toContain('reading telemetry: 3/3 assets (100 %)');
    expect(run.status).toBe(0);
    const id = /^report (RPT-\S+): 3 assets in [\d.]+ s$/m.exec(run.stdout)![1]!;
    expect(run.stdout).toContain(path.join(env.FMS_DATA_DIR, 'reports', id, 'report.pdf'));
    for (const f of ['report.html', 'report.pdf', 'report.json', 'health.csv']) expect(existsSync(path.join(out, f)), f).toBe(true);
    expect(readFileSync(path.join(out, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    // --from is a local date: midnight in the site's zone.
    expect(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'))).toMatchObject({
      site: 'riverside',
      timeZone: 'Asia/Shanghai',
      from: Date.parse('2026-10-31T16:00:00Z'),
      assets: 3,
    });
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('维保报告 · riverside');

    // The service lists it next time it runs.
    const fms = await startFms(loadConfig(env), captureLogger().log);
    try {
      const list = (await fms.api.inject({ method: 'GET', url: '/api/reports', headers })).json();
      expect(list.items.map((r: { id: string }) => r.id)).toContain(id);
    } finally {
      await fms.stop();
    }
  });

  it('refuses bad options and a missing data folder, saying what it expected', async () => {
    const [badDate, language, order, unknown, nowhere, atlantis] = await Promise.all([
      cliRun(['--from', '2026-13-01']),
      cliRun(['--language', 'fr']),
      cliRun(['--from', '2026-11-10', '--to', '2026-11-01']),
      cliRun(['--sight', 'x']),
      cliRun([], { FMS_DATA_DIR: path.join(dir, 'nothing-here') }),
      cliRun(['--site', 'atlantis']),
    ]);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toContain('--from: expected a date as YYYY-MM-DD');
    expect(language.stderr).toContain('--language: expected en or zh');
    expect(order.stderr).toContain('--to must be after --from');
    expect(unknown.stderr).toMatch(/Unknown option '--sight'/);
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toContain('no FMS data in');
    expect(atlantis.stderr).toContain('no site "atlantis"');
  });
});
