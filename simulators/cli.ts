/**
 * `npm run sim -- …`: a fleet of simulated pumps, elevators and gates against any MQTT broker.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { deviceTypes, type DeviceType } from '../devices/catalog.ts';
import { loadDefaultRules } from '../services/rules/rule-loader.ts';
import { parseDuration } from '../services/shared/duration.ts';
import { startControlApi } from './control.ts';
import { parseFault, type FaultSpec } from './fault-spec.ts';
import { createFleet, type FleetDevice } from './fleet.ts';
import { readReplayCsv, replay } from './replay.ts';
import { checkScenario } from './scenario-check.ts';
import { devicesOf, loadScenario, type Scenario } from './scenario.ts';

const usage = `Usage: npm run sim -- --broker mqtt://127.0.0.1:1883 [options]
       npm run sim -- --scenario FILE [--broker URL] [--speed N] [--check]
       npm run sim -- --replay FILE.csv --broker URL [--speed N]

  --broker URL        MQTT broker (required, except with --check)
  --scenario FILE     run a scenario file: devices, faults, seed, interval (see docs/simulators.md)
  --speed N           simulated seconds per real second (default: the scenario's, else 1); with
                      --replay, 0 sends as fast as the broker takes it
  --check             with --scenario: play it offline through ingest and the default rules, print the
                      alarms and exit 1 when they differ from the scenario's expect
  --replay FILE.csv   publish recorded readings (timestamp,asset,metric,value[,site,type]) as devices
  --type TYPE         device type of replayed assets without a type column
  --devices N         that many devices, half pumps, a quarter elevators, a quarter gates
  --rate N            messages per second across the fleet (sets --interval)
  --credentials FILE  lines ASSET_ID:PASSWORD: each device logs in as its asset id with its password
  --control HOST:PORT serve the control API there: GET /devices, POST /faults, DELETE /faults/{device}/{fault}
  --site ID           site id of the simulated devices (default: sim)
  --pumps N           number of pumps (default 2)
  --elevators N       number of elevators (default 2)
  --gates N           number of gates (default 2)
  --prefix TEXT       asset id prefix (default: the site id)
  --interval DUR      telemetry interval per device, e.g. 1s, 500ms (default 5s)
  --qos 0|1           QoS of telemetry; events always use 1 (default 0)
  --seed N            random seed: the same seed gives the same signals (default 1)
  --fault SPEC        inject a fault: ASSET:FAULT[@DELAY][~RAMP], e.g. sim-pump-01:bearing_wear@30s~5m
                      (repeatable; the faults are listed in docs/simulators.md)
  --register URL      register the devices as assets at this FMS API first, e.g. http://127.0.0.1:3000
  --api-key KEY       the admin API key for --register and --provision (default: $FMS_API_KEY)
  --provision         with --register: issue each device its MQTT credentials at FMS (rotating any
                      earlier ones) and sign in with them; the broker of FMS wants them by default
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
        scenario: { type: 'string' },
        speed: { type: 'string' },
        check: { type: 'boolean', default: false },
        replay: { type: 'string' },
        type: { type: 'string' },
        devices: { type: 'string' },
        rate: { type: 'string' },
        credentials: { type: 'string' },
        'api-key': { type: 'string' },
        provision: { type: 'boolean', default: false },
        control: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) return void process.stdout.write(usage + '\n');
  const speedArg = values.speed === undefined ? undefined : Number(values.speed);
  // A replay may go as fast as the broker takes it (0); simulated time needs a positive speed.
  if (speedArg !== undefined && !(speedArg > 0 || (speedArg === 0 && values.replay)))
    fail(`--speed "${values.speed}" is not a positive number${values.replay ? ' or 0 (as fast as possible)' : ''}`);

  const scenario: Scenario | undefined = values.scenario ? loadOrFail(values.scenario) : undefined;
  if (values.check) {
    if (!scenario) fail('--check needs --scenario');
    const outcome = checkScenario(scenario, loadDefaultRules());
    for (const line of outcome.signals) process.stdout.write(`${line}\n`);
    process.stdout.write(`sim: ${outcome.messages} messages, ${outcome.rejected} rejected by ingest, rules raised: ${outcome.raised.join(', ') || 'none'}\n`);
    const expected = scenario.expect?.raises;
    if (expected && [...expected].sort().join() !== [...outcome.raised].sort().join()) {
      process.stdout.write(`sim: FAILED: expected ${expected.join(', ') || 'none'}\n`);
      process.exit(1);
    }
    return;
  }
  if (!values.broker) fail('--broker is required');
  if (values.qos !== '0' && values.qos !== '1') fail('--qos must be 0 or 1');
  const qos = Number(values.qos) as 0 | 1;

  if (values.replay) {
    if (values.type && !deviceTypes.includes(values.type as DeviceType)) fail(`--type "${values.type}" is not one of ${deviceTypes.join(', ')}`);
    let rows;
    try {
      rows = readReplayCsv(values.replay, { site: values.site, type: values.type as DeviceType | undefined });
    } catch (err) {
      fail((err as Error).message);
    }
    process.stdout.write(
      `sim: replaying ${rows.length} readings of ${new Set(rows.map((r) => r.asset)).size} asset(s) at ${speedArg ?? 1}× to ${values.broker}\n`,
    );
    const logins = values.credentials ? readCredentials(values.credentials) : undefined;
    const credentials = logins ? (asset: string) => (logins.has(asset) ? { username: asset, password: logins.get(asset)! } : undefined) : undefined;
    const sent = await replay({
      brokerUrl: values.broker,
      rows,
      speed: speedArg ?? 1,
      qos,
      ...(credentials ? { credentials } : {}),
      onProgress: (n, total) => process.stdout.write(`sim: ${n}/${total} messages\n`),
    });
    process.stdout.write(`sim: ${sent} messages replayed\n`);
    return;
  }

  let devices: FleetDevice[];
  let faults: (FaultSpec & { untilMs?: number | undefined; note?: string | undefined })[];
  let intervalMs: number;
  let seed = Number(values.seed);
  const speed = speedArg ?? scenario?.speed ?? 1;
  if (scenario) {
    devices = devicesOf(scenario);
    faults = scenario.faults.map((f) => ({
      assetId: f.device,
      fault: f.fault,
      delayMs: f.at / speed,
      rampMs: f.ramp,
      untilMs: f.until === undefined ? undefined : f.until / speed,
      note: f.note,
    }));
    intervalMs = scenario.interval / speed;
    seed = scenario.seed;
  } else {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(values.site!)) fail(`--site "${values.site}" is not 1-64 of A-Z a-z 0-9 _ -`);
    const prefix = values.prefix ?? values.site!;
    const total = values.devices === undefined ? undefined : count('devices', values.devices);
    const counts: Record<DeviceType, number> =
      total === undefined
        ? { pump: count('pumps', values.pumps!), elevator: count('elevators', values.elevators!), gate: count('gates', values.gates!) }
        : { pump: Math.ceil(total / 2), elevator: Math.floor(total / 4), gate: total - Math.ceil(total / 2) - Math.floor(total / 4) };
    const width = Math.max(2, String(Math.max(...Object.values(counts))).length);
    devices = deviceTypes.flatMap((type) =>
      Array.from({ length: counts[type] }, (_, i) => ({ id: `${prefix}-${type}-${String(i + 1).padStart(width, '0')}`, type, site: values.site! })),
    );
    faults = values.fault!.map((spec) => parseFault(spec) ?? fail(`--fault "${spec}" is not ASSET:FAULT[@DELAY][~RAMP]`));
    intervalMs =
      values.rate !== undefined
        ? (1000 * devices.length) / (Number(values.rate) || fail(`--rate "${values.rate}" is not a number`))
        : duration('interval', values.interval!);
  }
  for (const f of faults)
    if (!devices.some((d) => d.id === f.assetId)) fail(`--fault names "${f.assetId}", which is not in this fleet (ids look like ${devices[0]?.id})`);
  if (values.provision && !values.register) fail('--provision needs --register URL (the FMS that issues the credentials)');
  if (values.provision && values.credentials) fail('--provision and --credentials both give the devices passwords: choose one');
  const apiKey = values['api-key'] ?? process.env.FMS_API_KEY;
  let passwords = values.credentials ? readCredentials(values.credentials) : undefined;

  if (values.register) await register(values.register, devices, apiKey);
  if (values.provision) passwords = await provision(values.register!, devices, apiKey);

  // Simulated time runs `speed` times faster than real time from the scenario's start.
  const realStart = Date.now();
  const now = scenario ? () => scenario.start + (Date.now() - realStart) * speed : Date.now;
  const fleet = createFleet({
    brokerUrl: values.broker,
    devices,
    seed,
    intervalMs,
    qos,
    now,
    credentials: passwords ? (d) => (passwords.has(d.id) ? { username: d.id, password: passwords.get(d.id)! } : undefined) : undefined,
  });
  await fleet.start();
  process.stdout.write(`sim: ${devices.length} devices connected to ${values.broker}${scenario ? ` (scenario ${scenario.name}, ${speed}× speed)` : ''}\n`);
  const control = values.control ? await startControlApi(fleet, devices, ...hostPort(values.control)) : undefined;
  if (control) process.stdout.write(`sim: control API on http://${values.control}\n`);
  const timers = faults.flatMap((f) => [
    setTimeout(() => {
      process.stdout.write(
        `sim: ${f.fault} injected on ${f.assetId}${f.rampMs ? ` (full severity in ${f.rampMs / 1000}s simulated)` : ''}${f.note ? `: ${f.note}` : ''}\n`,
      );
      fleet.inject(f.assetId, f.fault, f.rampMs);
    }, f.delayMs),
    ...(f.untilMs !== undefined
      ? [
          setTimeout(() => {
            process.stdout.write(`sim: ${f.fault} cleared on ${f.assetId} (repaired)\n`);
            fleet.clear(f.assetId, f.fault);
          }, f.untilMs),
        ]
      : []),
  ]);

  let lastPublished = 0;
  let lastAt = Date.now();
  const progress = setInterval(() => {
    const s = fleet.stats();
    const rate = (s.published - lastPublished) / ((Date.now() - lastAt) / 1000);
    lastPublished = s.published;
    lastAt = Date.now();
    process.stdout.write(
      `sim: ${s.connected}/${s.devices} connected, ${rate.toFixed(0)} msg/s, ${s.published} sent, ${s.failed} failed, ${fleet.activeFaults()} fault(s) active\n`,
    );
  }, 5000);

  const stop = async () => {
    clearInterval(progress);
    for (const t of timers) clearTimeout(t);
    control?.close();
    await fleet.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (values.duration) setTimeout(() => void stop(), duration('duration', values.duration));
  else if (scenario) setTimeout(() => void stop(), scenario.duration / speed);
}

function loadOrFail(file: string): Scenario {
  try {
    return loadScenario(file);
  } catch (err) {
    fail((err as Error).message);
  }
}

function readCredentials(file: string): Map<string, string> {
  const map = new Map<string, string>();
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.startsWith('#'))
    .forEach((line, i) => {
      const at = line.indexOf(':');
      if (at < 1) fail(`${file}:${i + 1}: expected ASSET_ID:PASSWORD`);
      map.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    });
  return map;
}

function hostPort(text: string): [string, number] {
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) fail(`--control "${text}" is not HOST:PORT`);
  return [m[1]!, Number(m[2])];
}

const authorization = (apiKey: string | undefined): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});

/** Why FMS refused, with what to do when it is the key. */
async function refusal(what: string, apiUrl: string, res: Response): Promise<never> {
  const hint = res.status === 401 ? ' (give an admin API key with --api-key or FMS_API_KEY)' : res.status === 403 ? ' (the API key is not an admin key)' : '';
  return fail(`${what} at ${apiUrl} failed: ${res.status} ${await res.text()}${hint}`);
}

async function register(apiUrl: string, devices: FleetDevice[], apiKey: string | undefined): Promise<void> {
  let added = 0;
  for (const d of devices) {
    const res = await fetch(new URL('/api/assets', apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization(apiKey) },
      body: JSON.stringify({ id: d.id, type: d.type, site: d.site }),
    });
    if (res.status === 201) added++;
    else if (res.status !== 409) await refusal(`registering ${d.id}`, apiUrl, res);
  }
  process.stdout.write(`sim: ${added} assets registered at ${apiUrl} (${devices.length - added} already there)\n`);
}

async function provision(apiUrl: string, devices: FleetDevice[], apiKey: string | undefined): Promise<Map<string, string>> {
  const passwords = new Map<string, string>();
  for (const d of devices) {
    const res = await fetch(new URL(`/api/assets/${d.id}/credentials`, apiUrl), { method: 'POST', headers: authorization(apiKey) });
    if (res.status !== 201) await refusal(`issuing credentials for ${d.id}`, apiUrl, res);
    passwords.set(d.id, ((await res.json()) as { secret: string }).secret);
  }
  process.stdout.write(`sim: MQTT credentials issued for ${devices.length} devices at ${apiUrl}\n`);
  return passwords;
}

main().catch((err) => {
  process.stderr.write(`sim: ${(err as Error).message}\n`);
  process.exit(1);
});
