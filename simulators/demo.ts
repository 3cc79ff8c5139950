import type { AssetInput } from '../services/assets/asset.ts';
import type { Config } from '../services/config/config.ts';
import type { Fms } from '../services/app.ts';
import { personSchema, teamSchema } from '../services/work-orders/people.ts';
import { loadPlanTemplates } from '../services/pm/pm-plan-service.ts';
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DeviceType } from '../devices/catalog.ts';
import { startDemoCrew } from './demo-crew.ts';
import { fileURLToPath } from 'node:url';
import { createFleet, type FleetDevice } from './fleet.ts';
import { importHistory, simulatedHistory } from './history.ts';
import { indicatorsByType } from '../services/condition/indicators.ts';
import { devicesOf, loadScenario } from './scenario.ts';

/** The demo estate: two sites, 6 pumps, 4 elevators and 6 gates. */
export const demoSites = [
  { id: 'riverside', name: 'Riverside Gardens', timeZone: 'Asia/Shanghai' },
  { id: 'lakeview', name: 'Lakeview Towers', timeZone: 'Asia/Shanghai' },
] as const;

/** The demo's engineering staff: a team per site, one supervisor and one manager for both. */
export const demoPeople = [
  { id: 'li-wei', name: 'Li Wei', skills: ['pump', 'electrical'] },
  { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator', 'gate'] },
  { id: 'zhao-lei', name: 'Zhao Lei', skills: ['pump', 'gate'] },
  { id: 'sun-yu', name: 'Sun Yu', skills: ['elevator'] },
  { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' as const },
  { id: 'wang-fang', name: 'Wang Fang', role: 'manager' as const, language: 'zh' as const },
  // Each has a mailbox: with FMS_SMTP_URL set (a local mail catcher, docs/notifications.md), the crew's email arrives there.
].map((p) => personSchema.parse({ ...p, email: `${p.id}@fms-demo.example` }));

export const demoTeams = [
  { id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min', manager: 'wang-fang' },
  { id: 'lakeview-eng', name: 'Lakeview engineering', sites: ['lakeview'], members: ['zhao-lei', 'sun-yu'], supervisor: 'zhang-min', manager: 'wang-fang' },
].map((t) => teamSchema.parse(t));

/**
 * The demo's estate, unless the FMS_CONFIG file brings its own people: sites, staff, a sensor window
 * of two minutes so that a repair is verified while you watch, and elevators last maintained 14 days
 * ago, so that their statutory visit (due tomorrow) opens as a PM order at once.
 */
export function withDemoEstate(config: Config, now = Date.now()): Config {
  if (config.estate.people.length > 0) return config;
  const elevatorPlan = loadPlanTemplates().find((p) => p.id === 'elevator.maintenance')!;
  const lastVisit = DateTime.fromMillis(now, { zone: demoSites[0].timeZone }).minus({ days: 14 }).toISODate()!;
  return {
    ...config,
    estate: {
      ...config.estate,
      sites: config.estate.sites.length > 0 ? config.estate.sites : demoSites.map((s) => ({ ...s })),
      people: demoPeople,
      teams: demoTeams,
      workOrders: { ...config.estate.workOrders, sensorWindow: 2 * 60_000, closeAfter: 10 * 60_000 },
      pmPlans: [...config.estate.pmPlans, { ...elevatorPlan, start: lastVisit }],
      // Residents of both sites may report faults (the request pages and posters, docs/residents.md).
      residents: config.estate.residents.sites.length > 0 ? config.estate.residents : { ...config.estate.residents, sites: demoSites.map((s) => s.id) },
    },
  };
}

/** The demo's devices and fault schedule live in a scenario file, so they also run against any FMS. */
export const demoScenario = loadScenario(fileURLToPath(new URL('./scenarios/demo.yaml', import.meta.url)));

export const demoDevices: FleetDevice[] = devicesOf(demoScenario);

const locations: Record<DeviceType, string> = { pump: 'Basement plant room', elevator: 'Tower lobby', gate: 'Main entrance' };

export const demoAssets: AssetInput[] = demoDevices.map((d) => ({
  id: d.id,
  type: d.type,
  site: d.site,
  name: `${d.type[0]!.toUpperCase()}${d.type.slice(1)} ${d.id.slice(-2)}, ${demoSites.find((s) => s.id === d.site)!.name}`,
  location: locations[d.type],
  criticality: d.type === 'elevator' ? 5 : d.type === 'pump' ? 4 : 3,
}));

/** Faults the demo injects, seconds after start: each one opens a work order; one comes back after the repair. */
export const demoSchedule = demoScenario.faults.map((f) => ({ at: f.at / 1000, assetId: f.device, fault: f.fault, rampMs: f.ramp, note: f.note ?? '' }));

/**
 * The demo's past: each pump and elevator "uploads" its last 30 days of condition readings at the
 * start (POST /api/assets/{id}/telemetry), and one pump's bearing has been wearing for 12 days — its
 * vibration heads for the 7.1 mm/s limit in about a week, so the hourly condition check opens its
 * predictive work order a minute in, and the weekly report shows its trend and the range in which the
 * limit will likely be reached. The live device goes on wearing where its history left off.
 */
export const demoHistory = {
  days: 30,
  stepMs: 10 * 60_000,
  wear: { assetId: 'lakeview-pump-01', fault: 'bearing_wear', sinceDays: 12, rampDays: 24 },
};

/** A resident's complaint at the front desk, 30 s in: a request that needs their confirmation and QC. */
export const demoRequest = {
  at: 30,
  body: {
    channel: 'front_desk',
    category: 'complaint',
    title: 'Lift 2 shakes between floors 5 and 6',
    assetId: 'lakeview-elevator-02',
    requester: { name: 'Mrs Zhou', phone: '13900000000', unit: '3-1702' },
    by: 'zhang-min',
  },
};

/** A person's key and account role: the directory's supervisors and managers, everyone else a technician. */
const roleOf = (p: { role: string }) => (p.role === 'supervisor' || p.role === 'manager' ? p.role : 'technician');

/**
 * Console accounts for the demo's own crew, with one password for this run (printed in the banner; the
 * previous run's stops working, and its sessions end). Technicians are limited to their team's sites,
 * as a site's staff would be. People an estate file brings are left alone: their accounts are theirs.
 */
export async function provisionDemoAccounts(fms: Pick<Fms, 'accounts' | 'audit'>, config: Config): Promise<DemoAccount[]> {
  const crew = config.estate.people.filter((p) => demoPeople.some((d) => d.id === p.id));
  if (crew.length === 0) return [];
  const password = demoPassword();
  const accounts = await Promise.all(
    crew.map(async (p) => {
      const user = p.id.toLowerCase();
      const role = roleOf(p);
      const teamSites = [...new Set(config.estate.teams.filter((t) => t.members.includes(p.id)).flatMap((t) => t.sites))];
      const sites = role === 'technician' && teamSites.length > 0 ? teamSites : null;
      const existed = !!(await fms.accounts.get(user));
      if (existed) {
        await fms.accounts.enable(user);
        await fms.accounts.setPassword(user, password);
      } else await fms.accounts.create({ user, name: p.name, role, personId: p.id, sites, password });
      fms.audit.record({
        action: existed ? 'account.password_changed' : 'account.created',
        outcome: 'ok',
        actor: 'system',
        target: `account ${user}`,
        detail: "the demo's password for this run",
      });
      return { user, role, sites };
    }),
  );
  return accounts.map((a) => ({ ...a, password }));
}

export interface DemoAccount {
  user: string;
  role: string;
  sites: string[] | null;
  password: string;
}

/** 72 random bits, readable enough to type from the banner. */
const demoPassword = () => `demo-${randomBytes(9).toString('base64url')}`;

/**
 * What the demo needs to get in under FMS's default security, issued afresh at each start: MQTT
 * credentials for its devices, an API key for each person of the crew (technicians' bound to
 * themselves), one for the resident app (an integration acting for requesters), a read-only key
 * to print for whoever watches, and console accounts for the crew. The keys of earlier demo runs are
 * revoked first.
 */
export async function provisionDemo(fms: Pick<Fms, 'credentials' | 'apiKeys' | 'accounts' | 'audit'>, config: Config) {
  let credentials: ((device: FleetDevice) => { username: string; password: string }) | undefined;
  if (!config.mqtt.url && config.mqtt.auth === 'devices') {
    const secrets = new Map<string, string>();
    for (const d of demoDevices) secrets.set(d.id, (await fms.credentials.issue(d.id)).secret);
    credentials = (d) => ({ username: d.id, password: secrets.get(d.id)! });
  }
  if (config.http.auth !== 'keys') return { credentials, keyFor: undefined, viewerKey: undefined, accounts: [] };
  for (const k of await fms.apiKeys.list()) if (k.name.startsWith('demo: ') && k.revokedAt === null) await fms.apiKeys.revoke(k.id);
  const tokens = new Map<string, string>();
  for (const p of config.estate.people) {
    tokens.set(p.id, (await fms.apiKeys.issue({ name: `demo: ${p.name}`, role: roleOf(p), personId: p.id })).token);
  }
  tokens.set('requester', (await fms.apiKeys.issue({ name: 'demo: resident app', role: 'integration' })).token);
  tokens.set('history', (await fms.apiKeys.issue({ name: 'demo: history import', role: 'integration' })).token);
  const viewerKey = (await fms.apiKeys.issue({ name: 'demo: viewer (read only)', role: 'viewer' })).token;
  const accounts = await provisionDemoAccounts(fms, config);
  return { credentials, keyFor: (by: string) => tokens.get(by), viewerKey, accounts };
}

/**
 * Runs the demo: the fleet against the broker with its scheduled faults, a resident's request, and
 * the crew that works every order through to the end over the API.
 */
export async function startDemo(opts: {
  brokerUrl: string;
  httpUrl: string;
  say: (line: string) => void;
  /** Each device's MQTT sign-in, when the broker wants one. */
  credentials?: (device: FleetDevice) => { username: string; password: string } | undefined;
  /** The API key of each person of the crew (and `requester`: the resident app), when FMS wants keys. */
  keyFor?: (by: string) => string | undefined;
}) {
  const { say } = opts;
  const fleet = createFleet({
    brokerUrl: opts.brokerUrl,
    devices: demoDevices,
    seed: demoScenario.seed,
    intervalMs: demoScenario.interval,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  });
  await fleet.start();
  const started = Date.now();
  const wear = demoHistory.wear;
  const wearSince = started - wear.sinceDays * 86_400_000;
  fleet.inject(wear.assetId, wear.fault, wear.rampDays * 86_400_000, wearSince);
  // Stopping the demo stops the import first: FMS then closes with no import request in flight.
  const importing = new AbortController();
  const history = importDemoHistory(opts.httpUrl, started, opts.keyFor?.('history'), importing.signal).then(
    (n) => say(`demo: 30 days of condition readings imported (${n}); ${wear.assetId}'s bearing has been wearing for ${wear.sinceDays} days`),
    (err) => say(importing.signal.aborted ? 'demo: the history import stopped' : `demo: the history import failed: ${(err as Error).message}`),
  );
  const timers = demoSchedule.map((f) =>
    setTimeout(() => {
      say(`demo: ${f.fault} on ${f.assetId} (${f.note})`);
      fleet.inject(f.assetId, f.fault, f.rampMs);
    }, f.at * 1000),
  );
  timers.push(
    setTimeout(() => {
      say(`demo: ${demoRequest.body.requester.name} complains at the front desk: ${demoRequest.body.title}`);
      const key = opts.keyFor?.(demoRequest.body.by);
      fetch(`${opts.httpUrl}/api/work-orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(demoRequest.body),
      }).catch((err) => say(`demo: the request failed: ${(err as Error).message}`));
    }, demoRequest.at * 1000),
  );
  const crew = startDemoCrew({ httpUrl: opts.httpUrl, fleet, supervisor: 'zhang-min', say, ...(opts.keyFor ? { keyFor: opts.keyFor } : {}) });
  return {
    fleet,
    history,
    async stop() {
      for (const t of timers) clearTimeout(t);
      importing.abort();
      await history;
      crew.stop();
      await fleet.stop();
    },
  };
}

/** Imports the demo's 30 days of condition readings for its pumps and elevators; returns how many were stored. */
export async function importDemoHistory(httpUrl: string, now: number, key?: string, signal?: AbortSignal): Promise<number> {
  const wear = demoHistory.wear;
  let stored = 0;
  for (const d of demoDevices) {
    const metrics = (indicatorsByType[d.type] ?? []).map((x) => x.metric);
    if (metrics.length === 0) continue;
    const readings = simulatedHistory(d, {
      seed: demoScenario.seed,
      from: now - demoHistory.days * 86_400_000,
      to: now,
      stepMs: demoHistory.stepMs,
      metrics,
      faults: d.id === wear.assetId ? [{ fault: wear.fault, since: now - wear.sinceDays * 86_400_000, rampMs: wear.rampDays * 86_400_000 }] : [],
    });
    stored += await importHistory(httpUrl, d.id, readings, key, signal);
  }
  return stored;
}
