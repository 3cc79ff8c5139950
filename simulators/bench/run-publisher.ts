import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface PublisherRun {
  mqttUrl: string;
  qos: 0 | 1;
  seconds: number;
  /** Messages per second; 0 or absent: as fast as the broker takes them. */
  rate?: number;
  site: string;
  /** Asset ids are `${prefix}-0001` … */
  prefix: string;
  count: number;
}

export interface PublisherResult {
  qos: number;
  sent: number;
  acked: number;
  failed: number;
  elapsed: number;
  /** Per asset (index 0 = `${prefix}-0001`): readings acknowledged, and the sum of their `run_hours`. */
  ackedPerAsset: number[];
  ackedSumPerAsset: number[];
}

/** Runs the load generator (publisher.ts) in its own process and returns what it reports. */
export function runPublisher(r: PublisherRun): Promise<PublisherResult> {
  return new Promise((resolve, reject) => {
    const args = [
      '--import',
      'tsx',
      'simulators/bench/publisher.ts',
      r.mqttUrl,
      String(r.qos),
      String(r.seconds),
      r.site,
      r.prefix,
      String(r.count),
      String(r.rate ?? 0),
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`publisher exited with ${code}`))));
  });
}
