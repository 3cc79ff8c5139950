import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { NewAlarm } from './alarm.ts';
import { createKyselyAlarmStore } from './alarm-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const raise = (assetId: string, at: number): NewAlarm => ({
  assetId,
  site: 'riverside',
  ruleId: 'pump.vibration-critical',
  fault: 'pump.vibration',
  ruleVersion: 1,
  severity: 'critical',
  message: 'vibration 7.4 mm/s',
  value: 7.4,
  raisedAt: at,
  receivedAt: at,
});

eachDatabase('alarm store', (open) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('raises one alarm per asset and fault however many raise it at once, counting every occurrence', async () => {
    const store = createKyselyAlarmStore(database.db);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.raise(raise('p1', T0 + i))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const rows = await database.db.selectFrom('alarms').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.occurrences).toBe(20);
    const events = await database.db.selectFrom('alarm_events').select('type').execute();
    expect(events.map((e) => e.type).sort()).toEqual(['raised', ...Array(19).fill('repeat')]);
  });

  it('opens a new alarm once the old one is cleared', async () => {
    const store = createKyselyAlarmStore(database.db);
    await store.raise(raise('p1', T0));
    await store.clear('p1', 'pump.vibration', T0 + 1000, 'back to normal');
    expect((await store.raise(raise('p1', T0 + 2000))).created).toBe(true);
    expect(await database.db.selectFrom('alarms').select(['state']).orderBy('id').execute()).toEqual([{ state: 'cleared' }, { state: 'active' }]);
  });
});
