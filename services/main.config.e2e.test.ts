import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

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
    expect(spawnSync(process.execPath, ['--import', 'tsx', 'services/main.ts', '--help'], { cwd: root, encoding: 'utf8' }).stdout).toMatch(/--demo/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'services/main.ts', '--dmeo'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--dmeo'/);
  });
});
