import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { eachDatabase, type DatabasePlace } from '../testing/databases.ts';
import { createRuleEngine } from './rule-engine.ts';
import { loadDefaultRules } from './rule-loader.ts';
import { ruleSchema, type Rule } from './rule-schema.ts';
import { createRuleService } from './rule-service.ts';
import { createKyselyRuleStore } from './rule-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const pump = { id: 'p1', type: 'pump' as const, site: 's', tags: [] };
const hot = { id: 'site.hot', assetType: 'pump', metric: 'motor_temp_c', when: { op: '>', value: 80 }, severity: 'major' };

eachDatabase('rule service', (_open, place) => {
  let where: DatabasePlace;
  let now: number;
  beforeEach(async () => {
    where = await place();
    now = T0;
  });
  afterEach(() => where.remove());

  /** A service on a database in `dir`, as one start of FMS would open it. */
  async function start(siteRules: Rule[] = []) {
    const database = await where.open();
    const engine = createRuleEngine([]);
    const service = await createRuleService({
      store: createKyselyRuleStore(database.db),
      engine,
      fileRules: [
        ...loadDefaultRules().map((rule) => ({ rule, origin: 'default' as const })),
        ...siteRules.map((rule) => ({ rule, origin: 'config' as const })),
      ],
      log: pino({ level: 'silent' }),
      now: () => now,
    });
    return { service, engine, close: () => database.close() };
  }

  it('puts a rule created over the API in force at once, at version 1', async () => {
    const { service, engine, close } = await start();
    const created = await service.create(hot, 'li.wei');
    expect(created).toMatchObject({ id: 'site.hot', version: 1, origin: 'api' });
    expect(engine.onReading(pump, T0, { motor_temp_c: 85 }).map((s) => s.rule.id)).toEqual(['site.hot']);
    await close();
  });

  it('keeps every version with who changed it; a change reaches the engine at once', async () => {
    const { service, engine, close } = await start();
    await service.create(hot, 'li.wei');
    now = T0 + 60_000;
    const changed = await service.update('site.hot', { ...hot, when: { op: '>', value: 90 } }, 'wang.fang');
    expect(changed.version).toBe(2);
    expect(engine.onReading(pump, T0, { motor_temp_c: 85 })).toEqual([]);
    const history = await service.history('site.hot');
    expect(history.map((h) => [h.version, h.change, h.changedBy, h.changedAt])).toEqual([
      [1, 'created', 'li.wei', T0],
      [2, 'updated', 'wang.fang', T0 + 60_000],
    ]);
    expect(history[0]!.definition).toMatchObject({ when: { op: '>', value: 80 } });
    await close();
  });

  it('refuses an invalid rule naming the field, a duplicate id, and a body whose id differs from the path', async () => {
    const { service, close } = await start();
    await expect(service.create({ ...hot, when: { op: '~', value: 1 } }, 'x')).rejects.toThrow(/invalid rule: when: expected \{ op, value \}/);
    await expect(service.create({ ...hot, id: 'pump.vibration-critical' }, 'x')).rejects.toMatchObject({ code: 'FMS_ERR_RULE_EXISTS' });
    await expect(service.update('pump.vibration-critical', { ...hot }, 'x')).rejects.toThrow(/does not match/);
    await expect(service.update('no.such', hot, 'x')).rejects.toMatchObject({ code: 'FMS_ERR_RULE_NOT_FOUND' });
    await close();
  });

  it('a shipped rule deleted over the API stays deleted after a restart', async () => {
    const first = await start();
    await first.service.remove('gate.tamper', 'li.wei');
    expect(first.service.get('gate.tamper')).toBeUndefined();
    await first.close();
    const second = await start();
    expect(second.service.get('gate.tamper')).toBeUndefined();
    expect((await second.service.history('gate.tamper')).map((h) => h.change)).toEqual(['created', 'deleted']);
    await second.close();
  });

  it('records a new version when a rule file changes between starts, and a site rule overrides a default', async () => {
    const first = await start();
    expect(first.service.get('pump.vibration-critical')).toMatchObject({ version: 1, origin: 'default', for: 60_000 });
    await first.close();
    const slower = ruleSchema.parse({ ...loadDefaultRules().find((r) => r.id === 'pump.vibration-critical'), for: '2m' });
    const second = await start([slower]);
    expect(second.service.get('pump.vibration-critical')).toMatchObject({ version: 2, origin: 'config', for: 120_000 });
    expect((await second.service.history('pump.vibration-critical')).map((h) => [h.version, h.origin, h.change])).toEqual([
      [1, 'default', 'created'],
      [2, 'config', 'updated'],
    ]);
    await second.close();
    // Same files again: no new version.
    const third = await start([slower]);
    expect(third.service.get('pump.vibration-critical')?.version).toBe(2);
    await third.close();
  });
});
