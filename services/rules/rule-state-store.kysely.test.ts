import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase, type DatabasePlace } from '../testing/databases.ts';
import type { RuleState, SavedRuleState } from './rule-engine.ts';
import { createKyselyRuleStateStore } from './rule-state-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

const pending = (over: Partial<RuleState> = {}): RuleState => ({
  phase: 'pending',
  since: T0 - 60_000,
  lastTs: T0 - 5_000,
  site: 'riverside',
  held: true,
  edges: [T0 - 60_000, T0 - 30_000],
  history: [
    { ts: T0 - 10_000, value: 81.5 },
    { ts: T0 - 5_000, value: 83.25 },
  ],
  ...over,
});

const saved = (assetId: string, ruleId: string, over: Partial<RuleState> = {}): SavedRuleState => ({ assetId, ruleId, state: pending(over) });

const key = (s: SavedRuleState) => `${s.assetId}/${s.ruleId}`;
const sorted = (states: SavedRuleState[]) => [...states].sort((a, b) => key(a).localeCompare(key(b)));

eachDatabase('rule state store', (open, place) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('gives back the pending states saved before a restart, each as it was', async () => {
    const where = await place();
    try {
      const before = await where.open();
      const states = [
        saved('rs-pump-01', 'pump.motor_overheat'),
        saved('rs-pump-01', 'pump.vibration_rising', { phase: 'clearing', held: false, edges: [], history: [] }),
        saved('rs-meter-01', 'meter.usage', { phase: 'normal', edges: [], history: [], usage: 1250.5, lastCounter: 98_765 }),
      ];
      await createKyselyRuleStateStore(before.db).save(states, T0);
      await before.close();

      const after = await where.open();
      expect(sorted(await createKyselyRuleStateStore(after.db).load())).toEqual(sorted(states));
      await after.close();
    } finally {
      where.remove();
    }
  });

  it('loads only the assets asked for', async () => {
    const store = createKyselyRuleStateStore(database.db);
    await store.save([saved('rs-pump-01', 'pump.motor_overheat'), saved('hb-pump-01', 'pump.motor_overheat'), saved('rs-lift-01', 'lift.door_faults')], T0);
    const riverside = await store.load((assetId) => assetId.startsWith('rs-'));
    expect(riverside.map(key).sort()).toEqual(['rs-lift-01/lift.door_faults', 'rs-pump-01/pump.motor_overheat']);
  });

  it('a save replaces the saved states of its assets: a condition that cleared is not resumed', async () => {
    const store = createKyselyRuleStateStore(database.db);
    await store.save(
      [saved('rs-pump-01', 'pump.motor_overheat'), saved('rs-pump-01', 'pump.vibration_rising'), saved('rs-pump-02', 'pump.motor_overheat')],
      T0,
    );
    await store.save([saved('rs-pump-01', 'pump.motor_overheat', { since: T0, lastTs: T0 + 9_000 })], T0 + 10_000);
    expect(await store.load()).toEqual([saved('rs-pump-01', 'pump.motor_overheat', { since: T0, lastTs: T0 + 9_000 })]);
  });

  it('instances sharing a database each save their own assets and leave the others’', async () => {
    const where: DatabasePlace = await place();
    const [a, b] = [await where.open(), await where.open()];
    try {
      const first = createKyselyRuleStateStore(a.db);
      const second = createKyselyRuleStateStore(b.db);
      const ofFirst = (assetId: string) => assetId.startsWith('rs-pump-');
      const ofSecond = (assetId: string) => !ofFirst(assetId);
      // Each instance's engine holds state only of the assets it evaluates, but passes what it has.
      await first.save([saved('rs-pump-01', 'pump.motor_overheat'), saved('rs-pump-02', 'pump.motor_overheat')], T0, ofFirst);
      await second.save([saved('rs-lift-01', 'lift.door_faults'), saved('rs-pump-01', 'stale-from-before-a-hand-over')], T0, ofSecond);
      // rs-pump-02's condition cleared on the first instance: only its own assets are replaced.
      await first.save([saved('rs-pump-01', 'pump.motor_overheat', { lastTs: T0 + 9_000 })], T0 + 10_000, ofFirst);

      expect(sorted(await second.load())).toEqual([
        saved('rs-lift-01', 'lift.door_faults'),
        saved('rs-pump-01', 'pump.motor_overheat', { lastTs: T0 + 9_000 }),
      ]);
    } finally {
      await a.close();
      await b.close();
      where.remove();
    }
  });

  it('saves and replaces the state of a large estate at once', async () => {
    // 9,000 assets with two rules pending each: more assets than one delete takes (500) and more
    // values than one insert may carry (SQLite binds at most 32,766 parameters, PostgreSQL 65,535).
    const store = createKyselyRuleStateStore(database.db);
    const states = Array.from({ length: 9_000 }, (_, i) => `rs-sensor-${String(i).padStart(5, '0')}`).flatMap((assetId) => [
      saved(assetId, 'env.temp_high'),
      saved(assetId, 'env.humidity_high', { phase: 'active' }),
    ]);
    await store.save(states, T0);
    const later = states.filter((_, i) => i % 3 === 0).map((s) => ({ ...s, state: { ...s.state, lastTs: T0 + 9_000 } }));
    await store.save(later, T0 + 10_000);
    const loaded = await store.load();
    expect(loaded).toHaveLength(later.length);
    expect(sorted(loaded)).toEqual(sorted(later));
  }, 60_000);
});
