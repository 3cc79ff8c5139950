import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from './testing/harness.ts';
import { startServiceProcess } from './testing/service-process.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
/** What `npm start` runs (compiled by vitest's global setup, services/testing/precompile-setup.ts). */
const start = (env: Record<string, string>, args: string[] = []) =>
  spawnSync(process.execPath, ['.build/start.js', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

describe('starting FMS with a bad configuration', () => {
  it('stops with status 2 and one message that lists every bad variable', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'services/main.ts'], {
      cwd: root,
      env: { ...process.env, FMS_HTTP_PORT: 'eighty', FMS_LOG_LEVEL: 'chatty', FMS_INFLUX_URL: 'influx.local:8086' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^fms: Invalid configuration \(3 problems\):\n/);
    expect(run.stderr).toContain('  - FMS_HTTP_PORT: expected a port number from 0 (any free port) to 65535 (got "eighty")');
    expect(run.stderr).toContain('  - FMS_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "chatty")');
    expect(run.stderr).toContain('  - FMS_INFLUX_URL: expected an http:// or https:// URL, e.g. http://127.0.0.1:8086 (got "influx.local:8086")');
    expect(run.stdout).toBe('');
  });

  it('explains its options on --help and refuses unknown ones', () => {
    expect(start({}, ['--help']).stdout).toMatch(/--demo/);
    const bad = start({}, ['--dmeo']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--dmeo'/);
  });
});

describe('the first start as a newcomer meets it', () => {
  it('says which variable to change when a port is taken, and keeps the one-time admin key for the start that works', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-port-taken-'));
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = start({ FMS_DATA_DIR: dir, FMS_HTTP_PORT: String(port), FMS_MQTT_PORT: '0', FMS_MQTT_TLS_PORT: '0', FMS_ADMIN_KEY: '' });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`fms: port ${port} is in use by another program: stop it, or choose another port with FMS_HTTP_PORT`);
      expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
      expect(run.stdout).not.toMatch(/fms_[0-9a-f]{12}_/); // no key spent on a start that failed
      const fms = await startServiceProcess({ FMS_DATA_DIR: dir, FMS_ADMIN_KEY: '' });
      try {
        await waitFor(() => /FMS generated an admin API key; it is shown only now/.test(fms.output.join('\n')), 10_000, 'the admin key printed');
      } finally {
        await fms.stop();
      }
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the setting a misspelled variable resembles, and stops like a foreground program when its terminal closes (SIGHUP)', async () => {
    const fms = await startServiceProcess({ FMS_HTTP_PROT: '3000' });
    expect(fms.logs).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'FMS_HTTP_PROT is not a setting of FMS and is ignored: did you mean FMS_HTTP_PORT? (docs/configuration.md)' }),
    );
    expect(await fms.stop('SIGHUP')).toBe(0);
    expect(fms.logs).toContainEqual(expect.objectContaining({ msg: 'stopping', signal: 'SIGHUP' }));
    expect(fms.logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});
