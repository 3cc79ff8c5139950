import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceProcess } from '../../services/testing/service-process.ts';

/** What the parts of the benchmark share: its constants, FMS's counters, the machine and the commit. */

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
export const PUMPS = 1000;
/**
 * The load generator publishes for 1,000 pumps over one connection, which no signed-in device may
 * (each may publish only its own topics): the ingest figures are taken without device sign-in. What
 * sign-in costs is measured on its own (the connection storm below).
 */
export const LOAD_GENERATOR = { FMS_MQTT_AUTH: 'off' };
export const GATES = 200;

export interface PhaseResult {
  name: string;
  sent: number;
  acked: number;
  ingested: number;
  stored: number;
  rejected: number;
  seconds: number;
  /** From the publisher's start until the last accepted reading was stored. */
  storedSeconds: number;
  rate: number;
}

export function metric(text: string, name: string, labels = ''): number {
  const escaped = name.replace(/[{}"]/g, '\\$&') + (labels ? `\\{${labels.replace(/[{}"]/g, '\\$&')}\\}` : '');
  const m = new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export async function snapshot(service: ServiceProcess) {
  const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
  return {
    ingested: metric(text, 'fms_mqtt_messages_total', 'channel="telemetry"'),
    accepted: metric(text, 'fms_telemetry_points_accepted_total'),
    written: metric(text, 'fms_telemetry_written_points'),
    pending: metric(text, 'fms_telemetry_pending_points'),
    rejected: ['topic', 'unknown_asset', 'asset_mismatch', 'too_large', 'payload'].reduce(
      (a, k) => a + metric(text, 'fms_ingest_rejected_total', `reason="${k}"`),
      0,
    ),
  };
}

/** The jobs a freshly started FMS runs once soon after its start, over the whole estate. */
const STARTUP_JOBS = ['PM generation', 'condition check'];

/**
 * Waits until FMS has run its start-up jobs once (the first PM generation tracks every pump, the first
 * condition check a minute after the start assesses every asset): the throughput measured is then the
 * steady state, not the one-off work of the first minute landing on whichever phase runs during it.
 */
export async function settled(service: ServiceProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
    if (STARTUP_JOBS.every((job) => metric(text, 'fms_job_runs_total', `job="${job}",outcome="ok"`) > 0)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  process.stdout.write(`bench: FMS had not finished its start-up jobs (${STARTUP_JOBS.join(', ')}) after 3 minutes: measuring anyway\n`);
}

export async function drained(service: ServiceProcess) {
  for (;;) {
    const s = await snapshot(service);
    if (s.pending === 0) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  let distro = os.type();
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distro;
  } catch {
    // not Linux
  }
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${distro}, Node ${process.version}`;
}

/** Node flags for the measured FMS: BENCH_NODE_ARGS (to try a flag), and with BENCH_PROFILE=1 those that write a CPU profile of it to .bench/ when it stops. */
export function fmsNodeArgs(): string[] {
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  return [...extra, ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(root, '.bench')}`] : [])];
}

export function commitId(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim();
  } catch {
    return 'uncommitted';
  }
}

export function influxdInstalled(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v influxd'], { stdio: 'pipe' });
    return true;
  } catch {
    process.stdout.write('bench: influxd not installed (apt-get install influxdb): InfluxDB figures skipped\n');
    return false;
  }
}
