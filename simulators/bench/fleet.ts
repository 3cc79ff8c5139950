import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startServiceProcess, type ServiceProcess } from '../../services/testing/service-process.ts';
import { metric, root, snapshot } from './common.ts';

/** Devices per generator process: each holds a socket per device, well under a process's open-file limit. */
const PER_GENERATOR = 5000;
/** Credentials issued at once over the API. */
const ISSUING_IN_FLIGHT = 8;
/** After `publish`: one full 10 s period so every device has published, then the measured window. */
const WARM_UP_S = 10;
const MEASURE_S = 30;
/** File descriptors FMS needs beside its MQTT connections (database, telemetry store, HTTP, stdio): measured ~40; kept generous. */
const FMS_OWN_FILES = 200;

/** One generator process of fleet-devices.ts, driven line by line. */
function generator(mqttUrl: string, file: string, from: number, to: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/bench/fleet-devices.ts', mqttUrl, file, String(from), String(to)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, number>[] = [];
  const waiting: ((l: Record<string, number>) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const o = JSON.parse(line) as Record<string, number>;
    const w = waiting.shift();
    if (w) w(o);
    else lines.push(o);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    next: () => new Promise<Record<string, number>>((resolve) => (lines.length ? resolve(lines.shift()!) : waiting.push(resolve))),
    send: (command: string) => child.stdin!.write(`${command}\n`),
    exited,
  };
}
type Generator = ReturnType<typeof generator>;

/** The service process's resident memory (MB) and CPU time so far (s), from /proc. */
function usage(pid: number): { rssMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th (stat(5)).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMb: rssKb / 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / clockTicks };
}
const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** FMS's V8 heap in use (MB), from its own metrics: how much of its resident memory is JavaScript objects. */
async function heapMb(s: ServiceProcess): Promise<number> {
  return metric(await (await fetch(`${s.httpUrl}/metrics`)).text(), 'fms_process_nodejs_heap_size_used_bytes') / 2 ** 20;
}

/** Issues every device its credentials through the API, a few at a time (as an installer's script would). */
async function issueAll(service: ServiceProcess, ids: string[]): Promise<[string, string][]> {
  const out: [string, string][] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const res = await service.request('POST', `/api/assets/${ids[i]}/credentials`);
      if (res.status !== 201) throw new Error(`credentials for ${ids[i]}: ${res.status} ${await res.text()}`);
      out[i] = [ids[i]!, ((await res.json()) as { secret: string }).secret];
    }
  };
  await Promise.all(Array.from({ length: ISSUING_IN_FLIGHT }, worker));
  return out;
}

/** Starts the generators, waits until they are ready, then connects every device at once: seconds until all are in. */
async function signInAll(
  service: ServiceProcess,
  file: string,
  n: number,
): Promise<{ generators: Generator[]; seconds: number; connected: number; cpuMsEach: number }> {
  const generators: Generator[] = [];
  for (let from = 0; from < n; from += PER_GENERATOR) generators.push(generator(service.mqttUrl, file, from, Math.min(n, from + PER_GENERATOR)));
  await Promise.all(generators.map((g) => g.next()));
  const started = Date.now();
  const cpu = usage(service.child.pid!).cpuS;
  for (const g of generators) g.send('go');
  const answers = await Promise.all(generators.map((g) => g.next()));
  const seconds = (Date.now() - started) / 1000;
  const connected = answers.reduce((a, r) => a + r.connected!, 0);
  return { generators, seconds, connected, cpuMsEach: ((usage(service.child.pid!).cpuS - cpu) * 1000) / Math.max(1, connected) };
}

async function stopAll(generators: Generator[]) {
  for (const g of generators) g.send('stop');
  const answers = await Promise.all(generators.map((g) => g.next()));
  await Promise.all(generators.map((g) => g.exited));
  const sum = (k: string) => answers.reduce((a, r) => a + (r[k] ?? 0), 0);
  return { sent: sum('sent'), acked: sum('acked'), failed: sum('failed') };
}

interface FleetRun {
  n: number;
  issueS: number;
  startS: number;
  idleMb: number;
  first: { seconds: number; connected: number; cpuMsEach: number };
  connectedMb: number;
  connectedHeapMb: number;
  steady: { rssMb: number; heapMb: number; rate: number; cpuPer1k: number; sent: number; acked: number; failed: number; ingested: number };
  restartS: number;
  storm: { seconds: number; connected: number; cpuMsEach: number };
  stormMb: number;
  load: [number, number];
}

async function fleetRun(n: number): Promise<FleetRun> {
  const load0 = os.loadavg()[0]!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-fleet-'));
  const ids = Array.from({ length: n }, (_, i) => `fleet-pump-${String(i + 1).padStart(5, '0')}`);
  writeFileSync(
    path.join(dir, 'estate.yaml'),
    `sites: [{ id: fleet }]\npmTemplates: false\nassets:\n${ids.map((id) => `  - { id: ${id}, type: pump, site: fleet }`).join('\n')}\n`,
  );
  const env = {
    FMS_DATA_DIR: path.join(dir, 'data'),
    FMS_CONFIG: path.join(dir, 'estate.yaml'),
    FMS_MQTT_MAX_CONNECTIONS_PER_IP: '0',
    FMS_HTTP_RATE_LIMIT: '0',
  };
  let t = Date.now();
  let service: ServiceProcess | undefined = await startServiceProcess(env);
  const startS = (Date.now() - t) / 1000;
  let generators: Generator[] = [];
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const idleMb = usage(service.child.pid!).rssMb;
    t = Date.now();
    const file = path.join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify(await issueAll(service, ids)));
    const issueS = (Date.now() - t) / 1000;
    say(`${n.toLocaleString('en')} devices: FMS started in ${startS.toFixed(1)} s (${idleMb.toFixed(0)} MB), credentials issued in ${issueS.toFixed(1)} s`);

    const first = await signInAll(service, file, n);
    generators = first.generators;
    const connectedMb = usage(service.child.pid!).rssMb;
    const connectedHeapMb = await heapMb(service);
    say(
      `${first.connected} of ${n} signed in on their own connections in ${first.seconds.toFixed(1)} s (FMS CPU ${first.cpuMsEach.toFixed(2)} ms each); FMS ${connectedMb.toFixed(0)} MB`,
    );

    const before = (await snapshot(service)).ingested;
    for (const g of generators) g.send('publish');
    await Promise.all(generators.map((g) => g.next()));
    await new Promise((r) => setTimeout(r, WARM_UP_S * 1000));
    const u0 = usage(service.child.pid!);
    const i0 = (await snapshot(service)).ingested;
    await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
    const u1 = usage(service.child.pid!);
    const i1 = (await snapshot(service)).ingested;
    const steadyHeapMb = await heapMb(service);
    const sent = await stopAll(generators);
    generators = [];
    await new Promise((r) => setTimeout(r, 1000));
    const total = (await snapshot(service)).ingested - before;
    const rate = (i1 - i0) / MEASURE_S;
    const steady = { rssMb: u1.rssMb, heapMb: steadyHeapMb, rate, cpuPer1k: (u1.cpuS - u0.cpuS) / MEASURE_S / (rate / 1000), ...sent, ingested: total };
    say(
      `steady: ${rate.toFixed(0)} msg/s, FMS ${u1.rssMb.toFixed(0)} MB (heap ${steadyHeapMb.toFixed(0)} MB), ${steady.cpuPer1k.toFixed(3)} CPU s/s per 1,000 msg/s; ${total} ingested of ${sent.sent} sent (${sent.acked} acknowledged, ${sent.failed} failed)`,
    );

    await service.stop('SIGTERM');
    t = Date.now();
    service = await startServiceProcess({ ...env, FMS_ADMIN_KEY: service.adminKey });
    const restartS = (Date.now() - t) / 1000;
    const storm = await signInAll(service, file, n);
    generators = storm.generators;
    const stormMb = usage(service.child.pid!).rssMb;
    say(
      `after a restart of FMS (${restartS.toFixed(1)} s): ${storm.connected} of ${n} signed in again in ${storm.seconds.toFixed(1)} s (FMS CPU ${storm.cpuMsEach.toFixed(2)} ms each); FMS ${stormMb.toFixed(0)} MB`,
    );
    await stopAll(generators);
    generators = [];
    return {
      n,
      issueS,
      startS,
      idleMb,
      first,
      connectedMb,
      connectedHeapMb,
      steady,
      restartS,
      storm: { seconds: storm.seconds, connected: storm.connected, cpuMsEach: storm.cpuMsEach },
      stormMb,
      load: [load0, os.loadavg()[0]!],
    };
  } finally {
    if (generators.length) await stopAll(generators).catch(() => undefined);
    await service?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const say = (text: string) => process.stdout.write(`bench: fleet: ${text}\n`);

/** The open-file limit of this process (and so of FMS, its child), or undefined where /proc is not. */
function openFileLimit(): number | undefined {
  try {
    return Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Fleet scale: 5,000 and then 20,000 devices (fewer if FMS's open-file limit cannot hold that many
 * connections), each signed in on its own MQTT connection from generator processes (fleet-devices.ts)
 * and publishing one reading every 10 s at QoS 1: FMS's memory and CPU, messages lost, and the time
 * until every device is signed in again after FMS restarts.
 */
export async function fleetBench(sizes: readonly number[] = [5000, 20_000]): Promise<string[]> {
  const limit = openFileLimit();
  const largest = limit ? Math.min(20_000, limit - FMS_OWN_FILES) : 20_000;
  const runs: FleetRun[] = [];
  for (const n of sizes.map((s) => Math.min(s, largest))) {
    say(`${n.toLocaleString('en')} devices`);
    runs.push(await fleetRun(n));
  }
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const row = (label: string, f: (r: FleetRun) => string) => `| ${label} | ${runs.map(f).join(' | ')} |`;
  return [
    `FMS as \`npm start\` runs it (embedded broker and telemetry store, device sign-in on), FMS_MQTT_MAX_CONNECTIONS_PER_IP=0 (every`,
    `device comes from 127.0.0.1). Each device signs in on its own MQTT connection with its own credentials (issued over the API,`,
    `${ISSUING_IN_FLIGHT} requests at a time), from generator processes of ${n(PER_GENERATOR)} devices each (simulators/bench/fleet-devices.ts,`,
    `at most 500 connecting at once per process; a connection that fails is tried again after 1–3 s, up to 5 times, as a device`,
    `does), and publishes one pump reading every 10 s at QoS 1. Memory is FMS's resident set`,
    `(VmRSS); CPU is its user + system time over ${MEASURE_S} s after a ${WARM_UP_S} s warm-up (every thread: ingest, broker, the`,
    `store's writer). Open-file limit of the processes: ${limit ?? 'unknown'}${limit && largest < Math.max(...sizes) ? `, so the larger run has ${n(largest)} devices, not ${n(Math.max(...sizes))} (FMS needs one file per connection plus ~${FMS_OWN_FILES} of its own)` : ''}.`,
    `Load average (1 min) before each run: ${runs.map((r) => r.load[0].toFixed(1)).join(' and ')}; after: ${runs.map((r) => r.load[1].toFixed(1)).join(' and ')}.`,
    '',
    `| what | ${runs.map((r) => `${n(r.n)} devices`).join(' | ')} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    row('credentials issued over the API', (r) => `${r.issueS.toFixed(1)} s`),
    row('FMS resident memory, started, no device connected', (r) => `${n(r.idleMb)} MB`),
    row('every device signed in, first time (each on its own connection)', (r) => `${r.first.seconds.toFixed(1)} s (${n(r.first.connected)} connected)`),
    row("FMS's CPU per sign-in, first time", (r) => `${r.first.cpuMsEach.toFixed(2)} ms`),
    row('FMS resident memory, every device connected, idle (of it V8 heap in use)', (r) => `${n(r.connectedMb)} MB (${n(r.connectedHeapMb)} MB)`),
    row('FMS resident memory, every device publishing (of it V8 heap in use)', (r) => `**${n(r.steady.rssMb)} MB** (${n(r.steady.heapMb)} MB)`),
    row('messages per second (one per device every 10 s)', (r) => n(r.steady.rate)),
    row('FMS CPU per 1,000 msg/s (CPU seconds a second: cores)', (r) => `**${r.steady.cpuPer1k.toFixed(2)}**`),
    row(
      'messages ingested of sent (acknowledged, failed)',
      (r) => `${n(r.steady.ingested)} of ${n(r.steady.sent)} (${n(r.steady.acked)}, ${n(r.steady.failed)})`,
    ),
    row('FMS restarted (SIGTERM, started again on the same data)', (r) => `${r.restartS.toFixed(1)} s`),
    row('**sign-in storm**: every device signed in again after the restart', (r) => `**${r.storm.seconds.toFixed(1)} s** (${n(r.storm.connected)} connected)`),
    row("FMS's CPU per sign-in in the storm", (r) => `${r.storm.cpuMsEach.toFixed(2)} ms`),
    row('FMS resident memory after the storm', (r) => `${n(r.stormMb)} MB`),
    '',
    'The storm costs no scrypt: device secrets are stored as HMAC-SHA-256 (docs/security.md, "Device secrets at rest"); a',
    "sign-in's CPU is the lookup, the broker's connection set-up and the audit record (log line and row). With scrypt",
    '(~10 ms a check on these cores) the storm took at least 10 ms × N of CPU on top: 50 s at 5,000, 200 s at 20,000.',
    `Resident memory grows by ${runs.map((r) => `${n(((r.connectedMb - r.idleMb) * 1024) / r.n)} KB`).join(' and ')} per connected device here (connected,`,
    "idle, against started); heap snapshots put ~10 KB of it in the V8 heap — Node's socket and its stream states, aedes's",
    'client, its packet parser and keep-alive timer — and nothing of it stays after the device disconnects.',
  ];
}
