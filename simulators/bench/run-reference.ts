import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ReferenceStats } from './reference-pipeline.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface ReferencePipeline {
  mqttUrl: string;
  stats(): Promise<ReferenceStats>;
  /** Its counters once everything it accepted has been written to InfluxDB. */
  drained(): Promise<ReferenceStats>;
  /** SIGTERM (it writes what it holds first); resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the reference pipeline (reference-pipeline.ts) in its own process, writing to `db` on
 * InfluxDB; with `brokerUrl`, subscribed to that broker instead of embedding its own.
 */
export function startReferencePipeline(influxUrl: string, db: string, brokerUrl?: string): Promise<ReferencePipeline> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/bench/reference-pipeline.ts', influxUrl, db, ...(brokerUrl ? [brokerUrl] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    void exited.then((code) => reject(new Error(`reference pipeline exited with ${code} before it listened`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const { mqtt, stats: statsUrl } = JSON.parse(line) as { mqtt: string; stats: string };
      const stats = async () => (await (await fetch(statsUrl)).json()) as ReferenceStats;
      resolve({
        mqttUrl: mqtt,
        stats,
        async drained() {
          for (;;) {
            const s = await stats();
            if (s.pending === 0) return s;
            await new Promise((r) => setTimeout(r, 100));
          }
        },
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

/** Points of `measurement` in `db`, counted by InfluxDB itself (the largest per-field count: every reading carries that field). */
export async function influxPointCount(influxUrl: string, db: string, measurement = 'pump'): Promise<number> {
  const q = `SELECT count(*) FROM "${measurement}"`;
  const res = await fetch(`${influxUrl}/query?db=${encodeURIComponent(db)}&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results?: { error?: string; series?: { columns: string[]; values: unknown[][] }[] }[] };
  const result = body.results?.[0];
  if (!res.ok || result?.error) throw new Error(`InfluxDB count failed: ${res.status} ${result?.error ?? ''}`);
  const row = result?.series?.[0]?.values[0] ?? [];
  return Math.max(0, ...row.slice(1).map((v) => Number(v) || 0));
}
