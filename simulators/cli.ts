/**
 * `npm run sim -- …`: a fleet of simulated pumps, elevators and gates against any MQTT broker.
 */
import { parseArgs } from 'node:util';
import { deviceTypes, type DeviceType } from '../devices/catalog.ts';
import { parseDuration } from '../services/shared/duration.ts';
import { parseFault } from './fault-spec.ts';
import { createFleet, type FleetDevice } from './fleet.ts';

const usage = `Usage: npm run sim -- --broker mqtt://127.0.0.1:1883 [options]

  --broker URL        MQTT broker (required)
  --site ID           site id of the simulated devices (default: sim)
  --pumps N           number of pumps (default 2)
  --elevators N       number of elevators (default 2)
  --gates N           number of gates (default 2)
  --prefix TEXT       asset id prefix (default: the site id)
  --interval DUR      telemetry interval per device, e.g. 1s, 500ms (default 5s)
  --qos 0|1           QoS of telemetry; events always use 1 (default 0)
  --seed N            random seed: the same seed gives the same signals (default 1)
  --fault SPEC        inject a fault: ASSET:FAULT[@DELAY][~RAMP], e.g. sim-pump-01:bearing_wear@30s~5m
                      (repeatable; faults: pump bearing_wear, dry_run, trip; elevator entrapment,
                      door_obstruction, overheating; gate forced_open, held_open, battery_decline)
  --register URL      register the devices as assets at this FMS API first, e.g. http://127.0.0.1:3000
  --duration DUR      stop after this long (default: run until Ctrl+C)`;

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n\n${usage}\n`);
  process.exit(2);
}

function duration(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) fail(`--${name} "${text}" is not a duration (e.g. 500ms, 5s, 2m)`);
  return ms;
}

function count(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) fail(`--${name} "${text}" is not a whole number from 0 to 100000`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    values = parseArgs({
      options: {
        broker: { type: 'string' },
        site: { type: 'string', default: 'sim' },
        pumps: { type: 'string', default: '2' },
        elevators: { type: 'string', default: '2' },
        gates: { type: 'string', default: '2' },
        prefix: { type: 'string' },
        interval: { type: 'string', default: '5s' },
        qos: { type: 'string', default: '0' },
        seed: { type: 'string', default: '1' },
        fault: { type: 'string', multiple: true, default: [] },
        register: { type: 'string' },
        duration: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) return void process.stdout.write(usage + '\n');
  if (!values.broker) fail('--broker is required');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.site!)) fail(`--site "${values.site}" is not 1-64 of A-Z a-z 0-9 _ -`);
  if (values.qos !== '0' && values.qos !== '1') fail('--qos must be 0 or 1');
  const prefix = values.prefix ?? values.site!;
  const counts: Record<DeviceType, number> = { pump: count('pumps', values.pumps!), elevator: count('elevators', values.elevators!), gate: count('gates', values.gates!) };
  const devices: FleetDevice[] = deviceTypes.flatMap((type) =>
    Array.from({ length: counts[type] }, (_, i) => ({ id: `${prefix}-${type}-${String(i + 1).padStart(2, '0')}`, type, site: values.site! })),
  );
  const faults = values.fault!.map((spec) => parseFault(spec) ?? fail(`--fault "${spec}" is not ASSET:FAULT[@DELAY][~RAMP]`));
  for (const f of faults) if (!devices.some((d) => d.id === f.assetId)) fail(`--fault names "${f.assetId}", which is not in this fleet (ids look like ${devices[0]?.id})`);

  if (values.register) await register(values.register, devices);

  const fleet = createFleet({ brokerUrl: values.broker, devices, seed: Number(values.seed), intervalMs: duration('interval', values.interval!), qos: Number(values.qos) as 0 | 1 });
  const started = Date.now();
  await fleet.start();
  process.stdout.write(`sim: ${devices.length} devices connected to ${values.broker}\n`);
  const timers = faults.map((f) =>
    setTimeout(() => {
      process.stdout.write(`sim: ${f.fault} injected on ${f.assetId}${f.rampMs ? ` (full severity in ${f.rampMs / 1000}s)` : ''}\n`);
      fleet.inject(f.assetId, f.fault, f.rampMs);
    }, f.delayMs),
  );

  let lastPublished = 0;
  const progress = setInterval(() => {
    const s = fleet.stats();
    const rate = (s.published - lastPublished) / 5;
    lastPublished = s.published;
    const active = faults.filter((f) => Date.now() - started >= f.delayMs).length;
    process.stdout.write(`sim: ${s.connected}/${s.devices} connected, ${rate.toFixed(0)} msg/s, ${s.published} sent, ${s.failed} failed, ${active} fault(s) active\n`);
  }, 5000);

  const stop = async () => {
    clearInterval(progress);
    for (const t of timers) clearTimeout(t);
    await fleet.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (values.duration) setTimeout(() => void stop(), duration('duration', values.duration));
}

async function register(apiUrl: string, devices: FleetDevice[]): Promise<void> {
  let added = 0;
  for (const d of devices) {
    const res = await fetch(new URL('/api/assets', apiUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: d.id, type: d.type, site: d.site }) });
    if (res.status === 201) added++;
    else if (res.status !== 409) fail(`registering ${d.id} at ${apiUrl} failed: ${res.status} ${await res.text()}`);
  }
  process.stdout.write(`sim: ${added} assets registered at ${apiUrl} (${devices.length - added} already there)\n`);
}

main().catch((err) => {
  process.stderr.write(`sim: ${(err as Error).message}\n`);
  process.exit(1);
});
