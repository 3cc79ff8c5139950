import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createKyselyDirectoryStore } from './directory-store.kysely.ts';
import type { PersonRecord, TeamRecord } from './directory-store.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

const liWei: PersonRecord = {
  id: 'li-wei',
  origin: 'config',
  definition: { id: 'li-wei', name: 'Li Wei', role: 'technician', skills: ['pump'], onDuty: [{ days: ['mon'], hours: '20:00-08:00' }] },
  enabled: true,
  version: 1,
  updatedAt: T0,
  updatedBy: 'FMS_CONFIG file',
};
const team: TeamRecord = {
  id: 'riverside-eng',
  origin: 'api',
  definition: { id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei'] },
  version: 1,
  updatedAt: T0,
  updatedBy: 'Ops admin (key 0123456789ab)',
};

eachDatabase('directory store', (open, place) => {
  let database: OpenedDatabase;
  beforeEach(async () => {
    database = await open();
  });
  afterEach(() => database.close());

  it('keeps people and teams as they were written, across a reopening', async () => {
    const where = await place();
    try {
      const before = await where.open();
      const store = createKyselyDirectoryStore(before.db);
      expect(await store.savePerson(liWei)).toBe(true);
      expect(await store.saveTeam(team)).toBe(true);
      await before.close();
      const after = await where.open();
      const reopened = createKyselyDirectoryStore(after.db);
      expect(await reopened.people()).toEqual([liWei]);
      expect(await reopened.teams()).toEqual([team]);
      await after.close();
    } finally {
      where.remove();
    }
  });

  it('stores a change only over the version it was made from: of two writers of the same version, one wins', async () => {
    const store = createKyselyDirectoryStore(database.db);
    expect(await store.savePerson(liWei)).toBe(true);
    expect(await store.savePerson({ ...liWei, definition: { id: 'li-wei', name: 'Someone else' } })).toBe(false); // created twice
    const disabled = { ...liWei, origin: 'api' as const, enabled: false, version: 2, updatedAt: T0 + 1, updatedBy: 'a' };
    const renamed = { ...liWei, origin: 'api' as const, definition: { id: 'li-wei', name: 'Li Wei (B1)' }, version: 2, updatedBy: 'b' };
    expect(await store.savePerson(disabled)).toBe(true);
    expect(await store.savePerson(renamed)).toBe(false);
    expect(await store.people()).toEqual([disabled]);

    expect(await store.saveTeam(team)).toBe(true);
    expect(await store.saveTeam({ ...team, version: 3 })).toBe(false); // skipped a version
    expect(await store.saveTeam({ ...team, version: 2, definition: { ...(team.definition as object), members: [] } })).toBe(true);
    expect(await store.removeTeam('riverside-eng', 1)).toBe(false); // changed since
    expect(await store.removeTeam('riverside-eng', 2)).toBe(true);
    expect(await store.teams()).toEqual([]);
  });
});
