import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { precompile } from '../../tools/precompile.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  httpUrl: string;
  mqttUrl: string;
  /** Every JSON log record the process has written so far. */
  logs: Record<string, unknown>[];
  /** Every other line it wrote on stdout (what it prints for people: the demo's banner, a generated key). */
  output: string[];
  /** The admin API key it was started with (FMS_ADMIN_KEY). */
  adminKey: string;
  /** GET a path of the API with the admin key; the parsed JSON. */
  get<T = any>(path: string): Promise<T>;
  /** Sends a request to the API with the admin key. */
  request(method: string, path: string, body?: unknown): Promise<Response>;
  /** Issues MQTT credentials for these assets (as a site's installer would), for a fleet's `credentials`. */
  provision(assetIds: readonly string[]): Promise<(device: { id: string }) => { username: string; password: string }>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real service as `npm start` runs it (compiled into .build/ when its sources changed, then
 * `node .build/start.js`) as a child process on free loopback ports with its default security (API
 * keys, device sign-in) and a known admin key, and resolves once it reports where it listens.
 */
export async function startServiceProcess(env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Promise<ServiceProcess> {
  await precompile();
  const adminKey = env.FMS_ADMIN_KEY ?? `test-admin-${randomBytes(18).toString('base64url')}`;
  const child = spawn(process.execPath, [...nodeArgs, '.build/start.js', ...args], {
    cwd: root,
    env: {
      ...process.env,
      FMS_HTTP_PORT: '0',
      FMS_MQTT_PORT: '0',
      FMS_MQTT_HOST: '127.0.0.1',
      FMS_LOG_LEVEL: 'info',
      FMS_TZ: 'UTC',
      FMS_ADMIN_KEY: adminKey,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const output: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start within 30 s\n${stderr}`)), 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before it started\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return void output.push(line);
      const record = JSON.parse(line) as Record<string, unknown>;
      logs.push(record);
      if (record.msg === 'fms started') {
        clearTimeout(timer);
        const httpUrl = record.http as string;
        const request = (method: string, path: string, body?: unknown) =>
          fetch(`${httpUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
        resolve({
          child,
          httpUrl,
          mqttUrl: record.mqtt as string,
          logs,
          output,
          adminKey,
          request,
          get: async (path) => (await request('GET', path)).json() as never,
          async provision(assetIds) {
            const secrets = new Map<string, string>();
            for (const id of assetIds) {
              const res = await request('POST', `/api/assets/${id}/credentials`);
              if (res.status !== 201) throw new Error(`credentials for ${id}: ${res.status} ${await res.text()}`);
              secrets.set(id, ((await res.json()) as { secret: string }).secret);
            }
            return (device) => ({ username: device.id, password: secrets.get(device.id) ?? '' });
          },
          async stop(signal = 'SIGTERM') {
            if (child.exitCode !== null) return child.exitCode;
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}
