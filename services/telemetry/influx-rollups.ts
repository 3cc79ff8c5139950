import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { catalog, deviceTypes, type DeviceType } from '../../devices/catalog.ts';
import type { Aggregate } from './buckets.ts';
import type { InfluxClient, Series } from './influx-client.ts';
import { influxIdent as ident, influxString as literal } from './influxql.ts';
import { escapeKey, escapeMeasurement } from './line-protocol.ts';
import type { RangeQuery } from './telemetry-store.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Readings may arrive this late and still make it into their hour's first rollup (as the embedded store). */
const GRACE_MS = 2 * MINUTE;
/** Hours rolled up by one query: a day of one device type. */
const CHUNK_MS = DAY;
/** How long one run may spend filling in the rollups of history written before they existed. */
const BACKFILL_BUDGET_MS = 20_000;
const LINES_PER_WRITE = 5000;

const floorHour = (t: number) => Math.floor(t / HOUR) * HOUR;

/** The hourly rollups of a device type's measurement: tags asset and site, fields `<metric>_min|_max|_sum|_count`. */
export function rollupMeasurement(type: DeviceType): string {
  return `${type}_1h`;
}

/** The metrics that are rolled up: numbers (states are booleans, which InfluxQL cannot add up). */
function numericMetrics(type: DeviceType): string[] {
  return catalog[type].metrics.filter((m) => m.kind !== 'state').map((m) => m.name);
}

/** What one run did. */
export interface RollupRun {
  /** Hours before this are rolled up (for every asset) … */
  until: number;
  /** … from this one on. */
  from: number;
  /** Rollup points written (asset × hour). */
  written: number;
  /** (Asset, hour) pairs rolled up again because readings arrived after their hour was. */
  rolledUpLate: number;
  /** History older than `from` still to be rolled up. */
  backfillDone: boolean;
  /** Why nothing was rolled up, when it was not. */
  skipped?: string;
}

interface SavedState {
  from: number;
  until: number;
  /** [measurement, asset, hour] of readings written after their hour was rolled up. */
  late: [DeviceType, string, number][];
}

export interface InfluxRollupsOptions {
  /** Reads the raw readings (FMS_INFLUX_RP). */
  raw: InfluxClient;
  /** Reads and writes the rollups (FMS_INFLUX_ROLLUP_RP, or the raw one). */
  rollups: InfluxClient;
  /** The state file (what is rolled up, and late readings not rolled up yet), kept across restarts. */
  file: string;
  log: Logger;
  /** Writes everything accepted so far; resolves true when it is all in InfluxDB (nothing pending, nothing spooled). */
  writtenAll: () => Promise<boolean>;
}

/**
 * Hourly rollups of the raw readings in InfluxDB, made by FMS: InfluxDB computes each hour's
 * minimum, maximum, sum and count per asset (`GROUP BY time(1h), asset, site`) and FMS writes them
 * back as points of `<type>_1h`. Every run rolls up the hours finished since the last (once all
 * readings accepted before are written), the hours late readings arrived in (marked when they are
 * accepted, kept in a file until rolled up), and history from before the rollups existed, a day at a
 * time backwards. Queries read rollups only for hours in [from, until) that no late reading waits for.
 */
export function createInfluxRollups(opts: InfluxRollupsOptions) {
  const { log } = opts;
  let state: { from: number; until: number } | undefined;
  /** Late readings per measurement and asset: hour → the generation of its last mark. */
  const late = new Map<string, Map<number, number>>();
  let generation = 0;
  let changed = false;
  /**
   * A reading older than this is late: its hour is (or is being) rolled up. Until the state is known:
   * infinite (every reading marked) when InfluxDB could not say, minus infinity when nothing is rolled up.
   */
  let lateBefore = Infinity;
  let earliest: number | undefined;
  let running: Promise<RollupRun> | undefined;
  /** Hours rolled up by one query; halved when a query takes too long. */
  let chunkMs = CHUNK_MS;
  let saveTimer: NodeJS.Timeout | undefined;

  try {
    const saved = JSON.parse(readFileSync(opts.file, 'utf8')) as SavedState;
    state = { from: saved.from, until: saved.until };
    lateBefore = saved.until;
    for (const [m, asset, hour] of saved.late) markHour(m, asset, hour);
    changed = false;
  } catch {
    // first start with this data folder: the state comes from InfluxDB, or is made by the first run
  }

  function markHour(measurement: DeviceType, asset: string, hour: number): void {
    const key = `${measurement}\0${asset}`;
    let hours = late.get(key);
    if (!hours) late.set(key, (hours = new Map()));
    hours.set(hour, ++generation);
    changed = true;
  }

  function saveMarks(): void {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    if (changed) save();
  }

  function save(): void {
    if (!state) return;
    const saved: SavedState = { ...state, late: [] };
    for (const [key, hours] of late) {
      const [m, asset] = key.split('\0') as [DeviceType, string];
      for (const hour of hours.keys()) saved.late.push([m, asset, hour]);
    }
    mkdirSync(path.dirname(opts.file), { recursive: true });
    writeFileSync(opts.file + '.tmp', JSON.stringify(saved));
    renameSync(opts.file + '.tmp', opts.file);
    changed = false;
  }

  /** What InfluxDB says is rolled up (written by this FMS before with another data folder, or by another instance). */
  async function readState(): Promise<{ from: number; until: number } | undefined> {
    const [series] = await opts.rollups.query<[number, number | null, number | null]>(`SELECT MIN("from"), MAX("until") FROM "fms_rollup_state"`);
    const row = series?.values[0];
    return row && row[1] !== null && row[2] !== null ? { from: row[1], until: row[2] } : undefined;
  }

  async function loadState(now: number): Promise<{ from: number; until: number }> {
    if (state) return state;
    // Nothing rolled up yet: start at the last finished hour; older history is filled in backwards.
    // Readings accepted before now need no mark: the run rolls up after they are all written.
    const until = floorHour(now - GRACE_MS);
    state = (await readState()) ?? { from: until, until };
    lateBefore = state.until;
    save();
    return state;
  }

  async function saveState(s: { from: number; until: number }, now: number): Promise<void> {
    state = s;
    save();
    const outcome = await opts.rollups.write(`fms_rollup_state from=${s.from},until=${s.until} ${Math.trunc(now)}`);
    if (outcome.kind !== 'ok') log.warn({ reason: outcome.reason }, 'rollup state not written to InfluxDB');
  }

  /** Rolls up [from, to) of one device type (of one asset, or of all), a day per query; returns the points written. */
  async function rollUp(type: DeviceType, from: number, to: number, asset?: string): Promise<number> {
    const metrics = numericMetrics(type);
    if (!metrics.length || to <= from) return 0;
    const select = metrics
      .map((m) => {
        const f = ident(m);
        return `MIN(${f}) AS ${ident(m + '_min')}, MAX(${f}) AS ${ident(m + '_max')}, SUM(${f}) AS ${ident(m + '_sum')}, COUNT(${f}) AS ${ident(m + '_count')}`;
      })
      .join(', ');
    let written = 0;
    let step = chunkMs;
    for (let a = from; a < to; a += step) {
      const b = Math.min(to, a + step);
      const who = asset === undefined ? '' : `"asset" = ${literal(asset)} AND `;
      let series: Series<(number | null)[]>[];
      try {
        series = await opts.raw.query<(number | null)[]>(
          `SELECT ${select} FROM ${ident(type)} WHERE ${who}time >= ${a}ms AND time < ${b}ms GROUP BY time(1h), "asset", "site" fill(none)`,
        );
      } catch (err) {
        // Too much for one query within the client's time limit (a large estate, a busy server): fewer hours a query.
        if (step <= HOUR || !/did not answer|timeout|aborted/i.test((err as Error).message)) throw err;
        step = Math.max(HOUR, step / 2);
        chunkMs = step;
        a -= step;
        log.info({ hours: step / HOUR }, 'telemetry rollup query too slow: fewer hours a query');
        continue;
      }
      const lines: string[] = [];
      for (const s of series) {
        // A tag the readings lack (written by something other than FMS) is left out: line protocol has no empty tag values.
        const tag = (key: string) => (s.tags?.[key] ? `,${key}=${escapeKey(s.tags[key])}` : '');
        const tags = `${escapeMeasurement(rollupMeasurement(type))}${tag('asset')}${tag('site')}`;
        for (const row of s.values) {
          let fields = '';
          metrics.forEach((m, i) => {
            const [min, max, sum, count] = [row[1 + 4 * i], row[2 + 4 * i], row[3 + 4 * i], row[4 + 4 * i]];
            if (!count || min == null || max == null || sum == null) return;
            fields += `${fields ? ',' : ''}${m}_min=${min},${m}_max=${max},${m}_sum=${sum},${m}_count=${count}i`;
          });
          if (fields) lines.push(`${tags} ${fields} ${row[0]}`);
        }
      }
      for (let i = 0; i < lines.length; i += LINES_PER_WRITE) {
        const outcome = await opts.rollups.write(lines.slice(i, i + LINES_PER_WRITE).join('\n'));
        // Hours past the rollups' retention are dropped by the server, as it would drop them anyway.
        if (outcome.kind !== 'ok' && !/beyond retention/.test(outcome.reason)) throw new Error(`rollups not written: ${outcome.reason}`);
      }
      written += lines.length;
    }
    return written;
  }

  /** The start of the oldest raw reading of any rolled-up metric (once a process). */
  async function earliestReading(fallback: number): Promise<number> {
    if (earliest !== undefined) return earliest;
    let first = fallback;
    for (const type of deviceTypes) {
      const metrics = numericMetrics(type);
      if (!metrics.length) continue;
      const results = await opts.raw.queryAll<[number, unknown]>(metrics.map((m) => `SELECT FIRST(${ident(m)}) FROM ${ident(type)}`).join('; '));
      for (const [series] of results) {
        const t = series?.values[0]?.[0];
        if (t !== undefined && t < first) first = t;
      }
    }
    return (earliest = floorHour(first));
  }

  async function run(now: number): Promise<RollupRun> {
    const before = await loadState(now);
    const target = Math.max(before.until, floorHour(now - GRACE_MS));
    // From here on, a reading of an hour this run rolls up is marked, whenever it arrives.
    lateBefore = Math.max(Number.isFinite(lateBefore) ? lateBefore : before.until, target);
    const snapshot = new Map([...late].map(([key, hours]) => [key, new Map(hours)]));
    if (!(await opts.writtenAll())) return { ...before, written: 0, rolledUpLate: 0, backfillDone: false, skipped: 'readings not yet written to InfluxDB' };
    let written = 0;
    for (const type of deviceTypes) written += await rollUp(type, before.until, target);
    let rolledUpLate = 0;
    for (const [key, hours] of snapshot) {
      const [type, asset] = key.split('\0') as [DeviceType, string];
      for (const [a, b] of runsOf([...hours.keys()].sort((x, y) => x - y))) {
        // Hours from `before.until` on were rolled up for every asset just now, or will be when they finish.
        const end = Math.min(b, before.until);
        if (a >= end) continue;
        await rollUp(type, a, end, asset);
        rolledUpLate += (end - a) / HOUR;
      }
      const now_ = late.get(key)!;
      for (const [hour, gen] of hours) if (hour < target && now_.get(hour) === gen) now_.delete(hour);
      if (now_.size === 0) late.delete(key);
    }
    let from = before.from;
    if (target > before.until || snapshot.size) await saveState({ from, until: target }, now);
    // History written before the rollups existed (a fresh FMS on an InfluxDB with data), newest first.
    const oldest = await earliestReading(from);
    const started = performance.now();
    while (from > oldest && performance.now() - started < BACKFILL_BUDGET_MS) {
      const a = Math.max(oldest, from - CHUNK_MS);
      for (const type of deviceTypes) written += await rollUp(type, a, from);
      from = a;
      await saveState({ from, until: target }, now);
    }
    if (written || rolledUpLate) log.info({ written, rolledUpLate, from, until: target }, 'telemetry rolled up');
    return { from, until: target, written, rolledUpLate, backfillDone: from <= oldest };
  }

  return {
    /** Reads what is rolled up from InfluxDB, if the state file did not say (queries read raw readings until then). */
    async start(): Promise<void> {
      if (state) return;
      try {
        const found = await readState();
        if (found) {
          state = found;
          lateBefore = found.until;
          save();
        } else lateBefore = -Infinity;
      } catch (err) {
        log.warn({ err }, 'rollup state not read from InfluxDB: queries read raw readings until it is');
      }
    },

    /** Readings older than this are late: pass them to `mark`. */
    get lateBefore(): number {
      return lateBefore;
    },

    /**
     * Notes a reading accepted after its hour was rolled up. The notes reach the disk within a second
     * (a device uploading a day it held back marks many hours, one message after another, and each
     * would otherwise rewrite the file on the ingest path), and on `saveMarks`. A second is what the
     * writer's own buffer holds readings before they are written, too.
     */
    mark(measurement: DeviceType, asset: string, ts: number): void {
      const hour = floorHour(ts);
      if (late.get(`${measurement}\0${asset}`)?.has(hour)) return;
      markHour(measurement, asset, hour);
      saveTimer ??= setTimeout(saveMarks, 1000).unref();
    },

    /** Writes the late marks to disk now, if any were added (on close). */
    saveMarks,

    /** Rolls up what finished or changed since the last run; one run at a time. */
    run(now: number): Promise<RollupRun> {
      running ??= run(now).finally(() => (running = undefined));
      return running;
    },

    /**
     * The hourly items of `q` (whole hours, buckets of whole hours starting on the hour): rollups
     * where they are complete, raw readings grouped by hour elsewhere (before `from`, from `until`
     * on, and hours late readings wait in). Null when the query cannot use them.
     */
    async read(q: RangeQuery): Promise<Aggregate[] | null> {
      if (!state || q.every % HOUR !== 0 || q.from % HOUR !== 0 || !numericMetrics(q.measurement).includes(q.metric)) return null;
      const from = Math.max(q.from, state.from);
      const to = Math.min(floorHour(q.to), state.until);
      if (to <= from) return null;
      const dirty = [...(late.get(`${q.measurement}\0${q.asset}`)?.keys() ?? [])].filter((h) => h >= from && h < to).sort((a, b) => a - b);
      const rawRanges = [...runsOf(dirty), [q.from, from] as [number, number], [to, q.to] as [number, number]].filter(([a, b]) => b > a);
      const m = q.metric;
      const asset = `"asset" = ${literal(q.asset)}`;
      const f = ident(m);
      const rawStatements = rawRanges.map(
        ([a, b]) =>
          `SELECT MIN(${f}), MAX(${f}), SUM(${f}), COUNT(${f}) FROM ${ident(q.measurement)} WHERE ${asset} AND time >= ${a}ms AND time < ${b}ms GROUP BY time(1h) fill(none)`,
      );
      type Row = [number, number | null, number | null, number | null, number | null];
      const [rolled, raw] = await Promise.all([
        opts.rollups.query<Row>(
          `SELECT ${ident(m + '_min')}, ${ident(m + '_max')}, ${ident(m + '_sum')}, ${ident(m + '_count')} FROM ${ident(rollupMeasurement(q.measurement))} WHERE ${asset} AND time >= ${from}ms AND time < ${to}ms`,
        ),
        rawStatements.length ? opts.raw.queryAll<Row>(rawStatements.join('; ')) : Promise.resolve([]),
      ]);
      const dirtySet = new Set(dirty);
      const items: Aggregate[] = [];
      const add = ([ts, min, max, sum, count]: Row) => {
        if (count && min !== null && max !== null && sum !== null) items.push({ ts, min, max, sum, count, first: min, last: max, inc: 0 });
      };
      for (const s of rolled) for (const row of s.values) if (!dirtySet.has(row[0])) add(row);
      for (const statement of raw) for (const s of statement) for (const row of s.values) add(row);
      items.sort((a, b) => a.ts - b.ts);
      return items;
    },
  };
}
export type InfluxRollups = ReturnType<typeof createInfluxRollups>;

/** Runs of consecutive hours in sorted `hours`, as [start, end) ranges. */
function runsOf(hours: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const h of hours) {
    const last = runs[runs.length - 1];
    if (last && last[1] === h) last[1] = h + HOUR;
    else runs.push([h, h + HOUR]);
  }
  return runs;
}
