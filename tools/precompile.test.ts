import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { precompile } from './precompile.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-precompile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A checkout of its own (what the Dockerfile copies), so that touching its files disturbs no other test. */
function copyCheckout(): string {
  const copy = path.join(dir, 'checkout');
  for (const f of ['bin', 'services', 'devices', 'simulators', 'tsconfig.json', 'package.json'])
    cpSync(path.join(root, f), path.join(copy, f), { recursive: true });
  mkdirSync(path.join(copy, 'tools'));
  cpSync(path.join(root, 'tools/precompile.mjs'), path.join(copy, 'tools/precompile.mjs'));
  symlinkSync(realpathSync(path.join(root, 'node_modules')), path.join(copy, 'node_modules'));
  return copy;
}

describe('the precompiled start (npm start)', () => {
  it('compiles once, runs without tsx, and compiles again only after a source it compiled changed', async () => {
    const copy = copyCheckout();
    expect(await precompile(copy)).toMatchObject({ built: true, modules: expect.any(Number) });
    const help = spawnSync(process.execPath, ['.build/start.js', '--help'], { cwd: copy, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(help.stdout).toMatch(/--demo/);
    expect(await precompile(copy)).toEqual({ built: false });

    // An edited source, or an older version of it put back.
    const later = new Date(Date.now() + 60_000);
    const earlier = new Date(Date.now() - 86_400_000);
    for (const time of [later, earlier]) {
      utimesSync(path.join(copy, 'devices/pump/spec.ts'), time, time);
      expect(await precompile(copy)).toMatchObject({ built: true });
      expect(await precompile(copy)).toEqual({ built: false });
    }

    // A file nothing compiles (a test) changes nothing.
    utimesSync(path.join(copy, 'services/main.e2e.test.ts'), later, later);
    expect(await precompile(copy)).toEqual({ built: false });
  });
});
