import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { deviceTypes } from '../../devices/catalog.ts';
import { parseDuration } from '../shared/duration.ts';
import { formatZodIssues } from '../shared/zod-format.ts';
import { createRuleEngine, type AlarmSignal, type RuleTarget } from './rule-engine.ts';
import { ruleSchema, type Rule } from './rule-schema.ts';

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, 'expected a duration such as 30s, 5m')
  .transform((s) => parseDuration(s)!);
const offset = z.union(
  [
    z
      .number()
      .min(0)
      .transform((n) => n * 1000),
    duration,
  ],
  { error: 'expected a time from the start: seconds or a duration such as 90s, 2m' },
);

/**
 * `values` as in promtool: numbers or true/false separated by spaces, `VxN` repeats V N times, `_`
 * skips a step (no reading). `2 2 8x7 3x40` is two readings of 2, seven of 8 and forty of 3.
 */
const values = z.string().transform((s, ctx) => {
  const out: (number | boolean | null)[] = [];
  for (const token of s.trim().split(/\s+/)) {
    const m = /^(_|true|false|-?\d+(?:\.\d+)?)(?:x(\d+))?$/.exec(token);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `"${token}" is not a value: expected a number, true, false or _ (none), optionally followed by xN` });
      return z.NEVER;
    }
    const v = m[1] === '_' ? null : m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]);
    for (let i = 0; i < Number(m[2] ?? 1); i++) out.push(v);
  }
  return out;
});

const testSchema = z.strictObject({
  name: z.string().min(1),
  asset: z.strictObject({
    id: z.string().default('test-asset'),
    type: z.enum(deviceTypes),
    site: z.string().default('test-site'),
    tags: z.array(z.string()).default([]),
  }),
  /** Readings: one series per metric, one value per step. */
  series: z.array(z.strictObject({ metric: z.string(), every: duration, values, start: offset.default(0) })).default([]),
  /**
   * Readings recorded elsewhere (a site's export, a simulator run): a CSV file, relative to the test
   * file, with a header `time,metric,value`; time in seconds from the start, or ISO-8601 (then the
   * first row is the start).
   */
  csv: z.string().optional(),
  /** Device events at times from the start. */
  events: z.array(z.strictObject({ at: offset, type: z.string() })).default([]),
  /** How long the test runs (default: to the last reading or event); the engine ticks every second of it. */
  duration: duration.optional(),
  /** Every alarm raised and cleared, in order; repeats are not listed. */
  expect: z.array(z.strictObject({ at: offset, rule: z.string(), kind: z.enum(['raise', 'clear']) })),
});

export const ruleTestFileSchema = z.strictObject({
  /** Extra rule files to load, relative to this file; the shipped default rules are always in. */
  ruleFiles: z.array(z.string()).default([]),
  /** Rules written in the test file itself. */
  rules: z.array(ruleSchema).default([]),
  tests: z.array(testSchema).min(1),
});
export type RuleTestFile = z.infer<typeof ruleTestFileSchema>;
export type RuleTest = z.infer<typeof testSchema>;

export interface RuleTestResult {
  name: string;
  passed: boolean;
  expected: string[];
  actual: string[];
}

const START = Date.UTC(2026, 0, 5, 8, 0, 0);

/**
 * Feeds a test's readings and events through the rules, in time order, with the engine ticking every
 * second (so silence and event clears happen on time), and lists the alarms raised and cleared.
 */
export function runRuleTest(rules: readonly Rule[], test: RuleTest, baseDir = process.cwd()): RuleTestResult {
  const engine = createRuleEngine(rules, START);
  const target: RuleTarget = { id: test.asset.id, type: test.asset.type, site: test.asset.site, tags: test.asset.tags };
  type Item = { at: number; fields?: Record<string, number | boolean>; event?: string };
  const items: Item[] = [];
  for (const s of test.series) {
    s.values.forEach((v, i) => {
      if (v !== null) items.push({ at: s.start + i * s.every, fields: { [s.metric]: v } });
    });
  }
  for (const e of test.events) items.push({ at: e.at, event: e.type });
  if (test.csv) for (const r of readCsv(path.resolve(baseDir, test.csv))) items.push({ at: r.at, fields: { [r.metric]: r.value } });
  items.sort((a, b) => a.at - b.at);
  // Readings of different metrics at the same moment arrive as one message, as a device would send them.
  const merged: Item[] = [];
  for (const it of items) {
    const last = merged.at(-1);
    if (last && last.at === it.at && it.fields && last.fields) Object.assign(last.fields, it.fields);
    else merged.push({ ...it, fields: it.fields ? { ...it.fields } : undefined });
  }
  const end = test.duration ?? merged.at(-1)?.at ?? 0;
  const signals: AlarmSignal[] = [];
  let next = 0;
  for (let t = 0; t <= end; t += 1000) {
    for (; next < merged.length && merged[next]!.at <= t; next++) {
      const it = merged[next]!;
      const ts = START + it.at;
      signals.push(...engine.onActivity(target, ts));
      if (it.fields) signals.push(...engine.onReading(target, ts, it.fields));
      if (it.event) signals.push(...engine.onEvent(target, ts, it.event));
    }
    signals.push(...engine.tick(START + t, { targets: [target], brokerUpSince: START }));
  }
  const show = (at: number, rule: string, kind: string) => `${formatOffset(at)} ${kind} ${rule}`;
  const actual = signals.filter((s) => s.kind !== 'repeat').map((s) => show(s.ts - START, s.rule.id, s.kind));
  const expected = test.expect.map((e) => show(e.at, e.rule, e.kind));
  return { name: test.name, passed: JSON.stringify(actual) === JSON.stringify(expected), expected, actual };
}

/** `time,metric,value` rows; time in seconds from the start or ISO-8601 (the first row is the start). */
export function readCsv(file: string): { at: number; metric: string; value: number | boolean }[] {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines
    .shift()
    ?.split(',')
    .map((h) => h.trim());
  if (header?.join(',') !== 'time,metric,value') throw new Error(`${file}: expected the header time,metric,value`);
  let start: number | undefined;
  return lines.map((line, i) => {
    const [time, metric, raw] = line.split(',').map((c) => c.trim());
    const iso = time && !/^\d+(\.\d+)?$/.test(time) ? Date.parse(time) : undefined;
    if (iso !== undefined && Number.isNaN(iso)) throw new Error(`${file}:${i + 2}: "${time}" is not seconds or an ISO-8601 time`);
    if (iso !== undefined) start ??= iso;
    const at = iso !== undefined ? iso - start! : Number(time) * 1000;
    const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    if (!metric || (typeof value === 'number' && Number.isNaN(value)))
      throw new Error(`${file}:${i + 2}: expected time,metric,value with a number, true or false`);
    return { at, metric, value };
  });
}

function formatOffset(ms: number): string {
  const s = ms / 1000;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Reads a rule test file: its rules are the defaults, the files it names and its own. */
export function loadRuleTestFile(
  file: string,
  defaults: readonly Rule[],
  loadRules: (file: string) => Rule[],
): { tests: RuleTest[]; rules: Rule[]; baseDir: string } {
  const doc = parseYaml(readFileSync(file, 'utf8'));
  const parsed = ruleTestFileSchema.safeParse(doc);
  if (!parsed.success) {
    const where = (p: readonly PropertyKey[]) =>
      `${path.relative(process.cwd(), file)}: ${p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
    throw new Error(
      `Invalid rule test file:\n${formatZodIssues(parsed.error.issues, where, doc)
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
  }
  const byId = new Map<string, Rule>(defaults.map((r) => [r.id, r]));
  for (const f of parsed.data.ruleFiles) for (const r of loadRules(path.resolve(path.dirname(file), f))) byId.set(r.id, r);
  for (const r of parsed.data.rules) byId.set(r.id, r);
  return { tests: parsed.data.tests, rules: [...byId.values()], baseDir: path.dirname(file) };
}
