import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { deviceTypes } from '../devices/catalog.ts';
import { parseDuration } from '../services/shared/duration.ts';
import { formatZodIssues } from '../services/shared/zod-format.ts';
import { createSimulatedDevice, type DeviceSpec, type OutMessage, type SimulatedDevice } from './device.ts';

const duration = (example: string) =>
  z.union(
    [
      z
        .number()
        .min(0)
        .transform((n) => n * 1000),
      z
        .string()
        .refine((s) => parseDuration(s) !== undefined, `expected a duration such as ${example}`)
        .transform((s) => parseDuration(s)!),
    ],
    {
      error: `expected a duration such as ${example} (or seconds)`,
    },
  );
const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 of A-Z a-z 0-9 _ -');

/**
 * A scenario: an estate of simulated devices, faults at times, a seed. Everything happens in simulated
 * time from `start`; `speed` compresses it when the scenario runs live against a broker.
 */
export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().default(1),
  /** When simulated time begins (ISO-8601); a fixed default keeps runs identical. */
  start: z.iso
    .datetime({ offset: true })
    .default('2026-03-02T00:00:00+08:00')
    .transform((s) => Date.parse(s)),
  /** Telemetry interval of every device, simulated time. */
  interval: duration('10s').default(10_000),
  /** How long the scenario runs, simulated time. */
  duration: duration('2h'),
  /** Time zone of the sites: daily demand and traffic follow it. */
  timeZone: z.string().default('Asia/Shanghai'),
  /** Live runs: simulated seconds per real second (60 = an hour in a minute). */
  speed: z.number().positive().default(1),
  devices: z
    .array(
      z.union([
        z.strictObject({ id: idSchema, type: z.enum(deviceTypes), site: idSchema }),
        /** Many alike: ids `<prefix>-01` … */
        z.strictObject({ type: z.enum(deviceTypes), site: idSchema, count: z.number().int().min(1).max(100_000), prefix: idSchema }),
      ]),
    )
    .min(1),
  faults: z
    .array(
      z.strictObject({
        at: duration('10m'),
        device: idSchema,
        fault: z.string().min(1),
        /** Growing faults reach full severity after this long. */
        ramp: duration('30m').default(0),
        /** The repair: the fault is cleared at this time. */
        until: duration('1h').optional(),
        /** What it shows, for the log of a live run. */
        note: z.string().optional(),
      }),
    )
    .default([]),
  /** What the default rules must make of it (scenario tests): exactly these rules raised; [] = none. */
  expect: z.strictObject({ raises: z.array(z.string()) }).optional(),
});
export type Scenario = z.infer<typeof scenarioSchema>;

export function loadScenario(file: string): Scenario {
  const label = path.relative(process.cwd(), file) || file;
  const doc = parseYaml(readFileSync(file, 'utf8'));
  const parsed = scenarioSchema.safeParse(doc);
  if (!parsed.success)
    throw new Error(
      `Invalid scenario:\n${formatZodIssues(parsed.error.issues, (p) => `${label}: ${p.join('.')}`, doc)
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
  const scenario = parsed.data;
  const ids = new Set(devicesOf(scenario).map((d) => d.id));
  for (const f of scenario.faults)
    if (!ids.has(f.device)) throw new Error(`${label}: fault ${f.fault} names device "${f.device}", which the scenario does not have`);
  return scenario;
}

/** The scenario's devices, with `count` entries expanded. */
export function devicesOf(s: Scenario): DeviceSpec[] {
  const width = (n: number) => Math.max(2, String(n).length);
  return s.devices.flatMap((d) =>
    'id' in d
      ? [{ ...d, timeZone: s.timeZone }]
      : Array.from({ length: d.count }, (_, i) => ({
          id: `${d.prefix}-${String(i + 1).padStart(width(d.count), '0')}`,
          type: d.type,
          site: d.site,
          timeZone: s.timeZone,
        })),
  );
}

export interface TimedMessage extends OutMessage {
  /** Simulated time it is sent at. */
  t: number;
}

interface FaultAction {
  at: number;
  device: string;
  fault: string;
  ramp: number;
  kind: 'inject' | 'clear';
}

function faultActions(s: Scenario): FaultAction[] {
  return s.faults
    .flatMap((f) => [
      { at: s.start + f.at, device: f.device, fault: f.fault, ramp: f.ramp, kind: 'inject' as const },
      ...(f.until !== undefined ? [{ at: s.start + f.until, device: f.device, fault: f.fault, ramp: 0, kind: 'clear' as const }] : []),
    ])
    .sort((a, b) => a.at - b.at);
}

/**
 * Runs a scenario in simulated time without a broker: every message each device sends, in order.
 * The same scenario and seed give the same messages. `onStep` is called after each telemetry round
 * (the rule engine ticks there).
 */
export function* generateMessages(s: Scenario, opts: { devices?: SimulatedDevice[] } = {}): Generator<TimedMessage> {
  const devices = opts.devices ?? devicesOf(s).map((d) => createSimulatedDevice(d, s.seed, s.start));
  const byId = new Map(devices.map((d) => [d.spec.id, d]));
  const actions = faultActions(s);
  const online = new Map(devices.map((d) => [d.spec.id, true]));
  for (const d of devices) yield { t: s.start, topic: d.topic('status'), payload: 'online', qos: 1, retain: true };
  let next = 0;
  for (let t = s.start + s.interval; t <= s.start + s.duration; t += s.interval) {
    for (; next < actions.length && actions[next]!.at <= t; next++) {
      const a = actions[next]!;
      const d = byId.get(a.device)!;
      if (a.kind === 'clear') {
        d.clear(a.fault);
        continue;
      }
      d.inject(a.fault, a.at, a.ramp);
      for (const m of d.eventsNow(a.at)) yield { ...m, t: a.at };
    }
    for (const d of devices) {
      const up = d.online(t);
      if (up !== online.get(d.spec.id)) {
        online.set(d.spec.id, up);
        yield { t, topic: d.topic('status'), payload: up ? 'online' : 'offline', qos: 1, retain: true };
      }
      for (const m of d.step(t)) yield { ...m, t };
    }
  }
}
