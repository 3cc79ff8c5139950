import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { startFms, type Fms } from '../app.ts';
import { testConfig } from '../config/config.ts';

/** A small estate for tests: one site with a pump, an elevator and a gate. */
export const testEstate = {
  sites: [{ id: 'riverside' }],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
    { id: 'rs-elevator-01', type: 'elevator', site: 'riverside' },
    { id: 'rs-gate-01', type: 'gate', site: 'riverside' },
  ],
};

/** A logger that keeps its records, so tests assert on what was logged (pino's own tests do this). */
export function captureLogger(level = 'info'): { log: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, stream), records };
}

/** FMS in this process on free loopback ports, in memory. */
export async function startTestFms(estate: unknown = testEstate, env: Record<string, string> = {}): Promise<Fms & { records: Record<string, unknown>[] }> {
  const { log, records } = captureLogger();
  const fms = await startFms(testConfig({ estate, ...env }), log);
  return Object.assign(fms, { records });
}

/** Polls until `check` returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/**
 * Whether an external program an integration suite needs is installed. On a developer's machine a
 * missing program skips the suite with the reason printed; in CI (CI=true) it fails the run instead,
 * because a skip there would hide a missing install step.
 */
export function requireProgram(program: string, aptPackage: string): { available: boolean; reason: string } {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'pipe' });
    return { available: true, reason: '' };
  } catch {
    const reason = `${program} is not installed (apt-get install ${aptPackage})`;
    if (process.env.CI === 'true') throw new Error(`${reason}: integration suites must not skip in CI`);
    process.stderr.write(`SKIPPED: ${reason}\n`);
    return { available: false, reason };
  }
}

/** Like `requireProgram`, for files an apt package installs (the fonts the report PDF tests draw with). */
export function requireFiles(files: string[], aptPackage: string): { available: boolean; reason: string } {
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length === 0) return { available: true, reason: '' };
  const reason = `${missing.join(', ')} not installed (apt-get install ${aptPackage})`;
  if (process.env.CI === 'true') throw new Error(`${reason}: integration suites must not skip in CI`);
  process.stderr.write(`SKIPPED: ${reason}\n`);
  return { available: false, reason };
}
