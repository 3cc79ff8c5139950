import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { startFms } from '../../services/app.ts';
import { testConfig } from '../../services/config/config.ts';
import { importHistory, simulatedHistory } from '../history.ts';
import { createRandom } from '../random.ts';

export const SITES = ['north', 'south', 'east', 'west', 'central'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The orders were registered over this long before the benchmark, as a busy estate's backlog would be. */
const SPAN = 2 * DAY;
/** An order is acknowledged (and perhaps started) this many orders after it was registered: ~1 h later. */
const LAG = 200;

const pad = (n: number) => String(n).padStart(2, '0');

/** Five sites, each with 40 pumps, 12 lifts and 8 gates, 8 technicians, a supervisor and a team; a manager and an estate-wide dispatcher. */
export function consoleEstate() {
  const assets = SITES.flatMap((s) => [
    ...Array.from({ length: 40 }, (_, i) => ({
      id: `${s}-pump-${pad(i + 1)}`,
      type: 'pump',
      site: s,
      name: `Pump ${i + 1}`,
      location: `Tower ${'ABCDEFGH'[i % 8]} plant room`,
    })),
    ...Array.from({ length: 12 }, (_, i) => ({
      id: `${s}-lift-${pad(i + 1)}`,
      type: 'elevator',
      site: s,
      name: `Lift ${i + 1}`,
      location: `Tower ${'ABCDEF'[i % 6]}`,
    })),
    ...Array.from({ length: 8 }, (_, i) => ({ id: `${s}-gate-${pad(i + 1)}`, type: 'gate', site: s, name: `Gate ${i + 1}`, location: `Entrance ${i + 1}` })),
  ]);
  const skills = [['pump'], ['pump'], ['pump'], ['pump'], ['pump', 'gate'], ['elevator'], ['elevator'], ['gate', 'pump']];
  const people = [
    ...SITES.flatMap((s) => [
      ...skills.map((sk, i) => ({ id: `${s}-tech-${i + 1}`, name: `${s} technician ${i + 1}`, skills: sk })),
      { id: `${s}-sup`, name: `${s} supervisor`, role: 'supervisor' },
    ]),
    { id: 'dispatch', name: 'Estate dispatcher', role: 'supervisor' },
    { id: 'mgr', name: 'Estate manager', role: 'manager' },
  ];
  return {
    sites: SITES.map((id) => ({ id, timeZone: 'Asia/Shanghai' })),
    // Preventive maintenance would add its own orders as the seeding's clock runs through two days.
    pmTemplates: false,
    assets,
    people,
    teams: SITES.map((s) => ({
      id: `${s}-eng`,
      name: `${s} engineering`,
      sites: [s],
      members: skills.map((_, i) => `${s}-tech-${i + 1}`),
      supervisor: `${s}-sup`,
      manager: 'mgr',
    })),
  };
}

export interface Seeded {
  estateFile: string;
  dataDir: string;
  orders: number;
  seconds: number;
  /** An order and an asset (with 90 days of readings) whose pages the benchmark opens. */
  orderId: string;
  assetId: string;
}

/**
 * Writes the estate and fills a data folder with `count` open work orders registered over the API of
 * an FMS run in process, its clock running through the last two days as the orders come in: each is
 * validated, stored with its SLA clocks and dispatched, 90 % acknowledged about an hour later (two thirds
 * of all started, a tenth of all on hold), the rest left waiting; the sweep escalates and marks
 * breaches as their deadlines pass, as it would have over those days. Then 90 days of one pump's
 * readings are imported through the API. The real service then opens the same folder.
 */
export async function seedConsoleEstate(dir: string, count: number): Promise<Seeded> {
  const estateFile = path.join(dir, 'estate.yaml');
  writeFileSync(estateFile, JSON.stringify(consoleEstate()));
  const dataDir = path.join(dir, 'data');
  const realStart = Date.now();
  const from = realStart - SPAN;
  let clock: number | null = from;
  const fms = await startFms(
    testConfig({ FMS_CONFIG: estateFile, FMS_DATA_DIR: dataDir, FMS_HTTP_RATE_LIMIT: '0' }),
    pino({ level: 'silent' }),
    () => clock ?? Date.now(),
  );
  const api = async <T = { id: string; assignee: string | null }>(p: string, body?: unknown): Promise<T> => {
    const res = await fetch(
      `${fms.httpUrl}/api${p}`,
      body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const estate = consoleEstate();
  const rnd = createRandom(2026);
  const plan = Array.from({ length: count }, (_, i) => {
    const asset = rnd.chance(0.9) ? estate.assets[Math.floor(rnd.next() * estate.assets.length)]! : undefined;
    const category = rnd.chance(0.6) ? 'repair' : rnd.chance(0.4) ? 'complaint' : rnd.chance(0.7) ? 'inspection' : 'suggestion';
    const r = rnd.next();
    const fate = r < 0.1 ? 'waiting' : r < 0.3 ? 'acknowledged' : r < 0.9 ? 'started' : 'held';
    return {
      at: from + Math.round((i / count) * (SPAN - HOUR)),
      fate,
      body: {
        channel: ['hotline', 'wechat', 'app', 'front_desk'][i % 4],
        category,
        priority: rnd.chance(0.01) ? 'P1' : rnd.chance(0.05) ? 'P2' : undefined,
        title: `${category === 'complaint' ? 'Complaint' : 'Request'} ${i + 1}: ${asset ? `${asset.name} needs attention` : 'lobby light flickers'}`,
        ...(asset ? { assetId: asset.id } : { site: SITES[i % SITES.length], location: `Tower ${'ABCDEF'[i % 6]} lobby` }),
        requester: { name: `Resident ${i + 1}`, phone: '13800000000', unit: `${1 + (i % 30)}-${101 + (i % 20)}` },
        by: 'dispatch',
      },
    };
  });
  const created: { id: string; assignee: string | null }[] = new Array(count);
  const act = async (k: number) => {
    const o = created[k];
    const fate = plan[k]!.fate;
    if (!o?.assignee || fate === 'waiting') return;
    await api(`/work-orders/${o.id}/actions`, { action: 'acknowledge', by: o.assignee });
    if (fate === 'acknowledged') return;
    await api(`/work-orders/${o.id}/actions`, { action: 'start', by: o.assignee });
    if (fate === 'held') await api(`/work-orders/${o.id}/actions`, { action: 'hold', by: o.assignee, reason: 'waiting_parts' });
  };

  const t0 = performance.now();
  const say = (what: string) => process.stdout.write(`bench: console: ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  let next = 0;
  // Eight clients at once, as a busy service desk and its integrations would; the clock runs forward with the orders.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let k = next++; k < count + LAG; k = next++) {
        if (k < count) {
          clock = Math.max(clock!, plan[k]!.at);
          created[k] = await api('/work-orders', plan[k]!.body);
        } else clock = Math.max(clock!, from + SPAN - HOUR + ((k - count) / LAG) * HOUR);
        if (k >= LAG) await act(k - LAG);
      }
    }),
  );

  say(`${count} orders registered and worked`);
  // From now on the real time: the sweep catches up with every deadline that passed meanwhile.
  clock = null;
  const assetId = 'north-pump-01';
  const readings = simulatedHistory(
    { id: assetId, type: 'pump', site: 'north' },
    {
      seed: 2026,
      from: Date.now() - 90 * DAY,
      to: Date.now() - 60_000,
      stepMs: 10 * 60_000,
      metrics: ['flow_m3h', 'pressure_in_bar', 'pressure_out_bar', 'current_a', 'vibration_mms', 'motor_temp_c'],
      faults: [{ fault: 'bearing_wear', since: Date.now() - 20 * DAY, rampMs: 40 * DAY }],
    },
  );
  await importHistory(fms.httpUrl, assetId, readings);
  say('90 days of readings imported');
  const db = new Database(path.join(dataDir, 'fms.db'), { readonly: true });
  const due = db.prepare(
    "SELECT count(*) AS n FROM work_orders WHERE wake_at <= ? AND state IN ('new','assigned','acknowledged','in_progress','on_hold','resolved','verified')",
  );
  while ((due.get(Date.now()) as { n: number }).n > 0) await new Promise((r) => setTimeout(r, 1000));
  db.close();
  const seconds = (performance.now() - t0) / 1000;
  const orderId = created[Math.floor(count / 2)]!.id;
  await fms.stop();
  return { estateFile, dataDir, orders: count, seconds, orderId, assetId };
}
