import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import type { Asset } from './asset.ts';
import { createKyselyAssetStore } from './asset-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const HOUR = 3_600_000;

const asset = (id: string, over: Partial<Asset> = {}): Asset => ({
  id,
  type: 'pump',
  site: 'riverside',
  name: `Pump ${id}`,
  location: 'Basement plant room B2',
  criticality: 4,
  tags: ['chilled-water', 'duty'],
  installedAt: '2019-05-01',
  origin: 'api',
  createdAt: T0,
  updatedAt: T0,
  maintenance: null,
  ...over,
});

const byId = (assets: Asset[]) => [...assets].sort((a, b) => a.id.localeCompare(b.id));

eachDatabase('asset store', (open, place) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('an asset stored is there again after the database is reopened, as it was registered', async () => {
    const where = await place();
    try {
      const first = await where.open();
      const pump = asset('rs-pump-01', { origin: 'config', maintenance: { until: T0 + 2 * HOUR, by: 'li.wei' } });
      const lift = asset('rs-lift-01', { type: 'elevator', name: 'Lift A', criticality: 5, tags: [], installedAt: null });
      await createKyselyAssetStore(first.db).insert(pump);
      await createKyselyAssetStore(first.db).insert(lift);
      await first.close();

      const again = await where.open();
      expect(byId(await createKyselyAssetStore(again.db).list())).toEqual([lift, pump]);
      await again.close();
    } finally {
      where.remove();
    }
  });

  it('an update writes the changed fields and keeps the others, on that asset only', async () => {
    const store = createKyselyAssetStore(database.db);
    const pump = asset('rs-pump-01');
    const other = asset('rs-pump-02', { name: 'Pump 2', location: 'Roof' });
    await store.insert(pump);
    await store.insert(other);
    const renamed = { ...pump, name: 'Chilled water pump 1', criticality: 5, updatedAt: T0 + HOUR };
    await store.update(renamed);
    const listed = byId(await store.list());
    expect(listed).toEqual([renamed, other]);
    expect(listed[0]).toMatchObject({ location: 'Basement plant room B2', tags: ['chilled-water', 'duty'], installedAt: '2019-05-01', createdAt: T0 });
  });

  it('a removed asset is gone and the others stay', async () => {
    const store = createKyselyAssetStore(database.db);
    await store.insert(asset('rs-pump-01'));
    await store.insert(asset('rs-pump-02'));
    await store.remove('rs-pump-01');
    expect((await store.list()).map((a) => a.id)).toEqual(['rs-pump-02']);
    // Another instance removed it first: nothing left to remove is not an error.
    await store.remove('rs-pump-01');
    expect((await store.list()).map((a) => a.id)).toEqual(['rs-pump-02']);
  });

  it('keeps who is on site in maintenance mode and until when, and forgets it when it ends', async () => {
    const store = createKyselyAssetStore(database.db);
    const pump = asset('rs-pump-01');
    await store.insert(pump);
    const inMaintenance = { ...pump, maintenance: { until: T0 + 4 * HOUR, by: 'zhang.min' }, updatedAt: T0 + HOUR };
    await store.update(inMaintenance);
    expect(await store.list()).toEqual([inMaintenance]);
    await store.update({ ...inMaintenance, maintenance: null, updatedAt: T0 + 2 * HOUR });
    expect((await store.list())[0]!.maintenance).toBeNull();
  });

  it('gives tags back as the list they were, in order, none as an empty list', async () => {
    const store = createKyselyAssetStore(database.db);
    const tags = ['zone:north', 'fire, life safety', '冷冻水', 'duty'];
    await store.insert(asset('rs-pump-01', { tags }));
    await store.insert(asset('rs-pump-02', { tags: [] }));
    expect(byId(await store.list()).map((a) => a.tags)).toEqual([tags, []]);
  });

  it('refuses a second asset with the same id rather than replacing the first', async () => {
    const store = createKyselyAssetStore(database.db);
    await store.insert(asset('rs-pump-01', { name: 'First' }));
    await expect(store.insert(asset('rs-pump-01', { name: 'Second' }))).rejects.toThrow();
    expect((await store.list()).map((a) => a.name)).toEqual(['First']);
  });
});
