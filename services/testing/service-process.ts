import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  httpUrl: string;
  mqttUrl: string;
  /** Every JSON log record the process has written so far. */
  logs: Record<string, unknown>[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real service (`tsx services/main.ts`, what `npm start` runs) as a child process on free
 * ports and resolves once it reports where it listens.
 */
export function startServiceProcess(env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, FMS_HTTP_PORT: '0', FMS_MQTT_PORT: '0', FMS_LOG_LEVEL: 'info', FMS_TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
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
      if (!line.startsWith('{')) return;
      const record = JSON.parse(line) as Record<string, unknown>;
      logs.push(record);
      if (record.msg === 'fms started') {
        clearTimeout(timer);
        resolve({
          child,
          httpUrl: record.http as string,
          mqttUrl: record.mqtt as string,
          logs,
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
