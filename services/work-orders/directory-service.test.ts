import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estateFileSchema } from '../config/estate-file.ts';
import type { Db, OpenedDatabase } from '../db/database.ts';
import { FmsError } from '../shared/errors.ts';
import { captureLogger } from '../testing/harness.ts';
import { eachDatabase } from '../testing/databases.ts';
import { workOrderEstate } from '../testing/work-orders.ts';
import { createDirectoryService, differences } from './directory-service.ts';
import { createKyselyDirectoryStore } from './directory-store.kysely.ts';

const T0 = Date.UTC(2026, 10, 24, 1, 0, 0);
const ADMIN = 'Ops admin (key 0123456789ab)';

eachDatabase('directory service', (open, place) => {
  let database: OpenedDatabase;
  let now: number;
  beforeEach(async () => {
    database = await open();
    now = T0;
  });
  afterEach(() => database.close());

  function start(estate: unknown = workOrderEstate, db: Db = database.db, log = pino({ level: 'silent' })) {
    const file = estateFileSchema.parse(estate);
    return createDirectoryService({
      store: createKyselyDirectoryStore(db),
      file,
      sites: () => ['riverside', 'lakeview'],
      log,
      now: () => now,
    });
  }

  async function errorOf(p: Promise<unknown>): Promise<FmsError> {
    try {
      await p;
    } catch (err) {
      return err as FmsError;
    }
    throw new Error('expected an error');
  }

  it('records the estate file at the first start, and a restart keeps every change made over the API', async () => {
    const where = await place();
    try {
      const first = await where.open();
      const directory = await start(workOrderEstate, first.db);
      expect(directory.synced.changes.map((c) => `${c.action} ${c.target}`)).toEqual([
        'person.created person li-wei',
        'person.created person chen-jie',
        'person.created person zhang-min',
        'person.created person wang-fang',
        'team.created team riverside-eng',
      ]);
      expect(directory.person('li-wei')).toMatchObject({ origin: 'config', enabled: true, updatedBy: 'FMS_CONFIG file' });
      now += 1000;
      await directory.createPerson({ id: 'zhao-lei', name: 'Zhao Lei', role: 'technician', skills: ['pump'] }, ADMIN);
      await directory.updateTeam('riverside-eng', { members: ['li-wei', 'chen-jie', 'zhao-lei'] }, ADMIN);
      await directory.setEnabled('chen-jie', false, ADMIN);
      await directory.updatePerson('li-wei', { phone: '13800000001', onDuty: [{ days: ['mon', 'tue'], hours: '20:00-08:00' }] }, ADMIN);
      await first.close();

      const second = await where.open();
      const restarted = await start(workOrderEstate, second.db);
      expect(restarted.synced.changes).toEqual([]);
      const dir = restarted.current();
      expect(dir.teams[0]!.members).toEqual(['li-wei', 'chen-jie', 'zhao-lei']);
      expect(dir.people.get('chen-jie')?.enabled).toBe(false);
      expect(dir.people.get('li-wei')).toMatchObject({ phone: '13800000001', onDuty: [{ days: ['mon', 'tue'], hours: '20:00-08:00' }] });
      expect(restarted.person('zhao-lei')).toMatchObject({ origin: 'api', updatedBy: ADMIN, updatedAt: T0 + 1000, version: 1 });
      await second.close();
    } finally {
      where.remove();
    }
  });

  it('lets the estate file keep deciding its own entries until the API changes them; one it drops is disabled, not deleted', async () => {
    await start();
    await (await start()).updatePerson('chen-jie', { phone: '13900000002' }, ADMIN);
    const { log: captured, records } = captureLogger('warn');
    const edited = {
      ...workOrderEstate,
      people: [
        { id: 'li-wei', name: 'Li Wei', skills: ['pump', 'electrical', 'elevator'] }, // the file changes him
        { id: 'chen-jie', name: 'Chen Jie', skills: ['elevator'] }, // changed over the API: the file's edit is not taken
        ...workOrderEstate.people.slice(2),
        // sun-yu is new
        { id: 'sun-yu', name: 'Sun Yu' },
      ],
      teams: [{ ...workOrderEstate.teams[0], members: ['li-wei', 'chen-jie', 'sun-yu'] }],
    };
    const second = await start(edited, database.db, captured);
    expect(second.synced.changes.map((c) => [c.action, c.target, c.detail])).toEqual([
      ['person.updated', 'person li-wei', 'skills: +elevator (FMS_CONFIG file)'],
      ['person.created', 'person sun-yu', 'from the FMS_CONFIG file'],
      ['team.updated', 'team riverside-eng', 'members: +sun-yu (FMS_CONFIG file)'],
    ]);
    expect(second.synced.ignored).toEqual(['person chen-jie']);
    expect(records).toContainEqual(expect.objectContaining({ entries: ['person chen-jie'], msg: expect.stringContaining('the API’s version stays') }));
    expect(second.current().people.get('chen-jie')).toMatchObject({ skills: ['pump', 'elevator'], phone: '13900000002' });

    // Sun Yu leaves the file (and its team): disabled with his history, back when the file lists him again.
    const third = await start(
      { ...edited, people: edited.people.filter((p) => p.id !== 'sun-yu'), teams: workOrderEstate.teams, sites: [{ id: 'riverside' }] },
      database.db,
    );
    expect(third.synced.changes.map((c) => `${c.action} ${c.target}`)).toEqual(['person.disabled person sun-yu', 'team.updated team riverside-eng']);
    expect(third.person('sun-yu')).toMatchObject({ enabled: false, origin: 'config' });
    const fourth = await start(edited, database.db);
    expect(fourth.person('sun-yu')).toMatchObject({ enabled: true });

    // A team the file drops goes; one the API took over stays.
    await fourth.createTeam({ id: 'night-shift', name: 'Night shift', sites: ['riverside'], members: ['sun-yu'] }, ADMIN);
    const fifth = await start({ ...edited, teams: [] }, database.db);
    expect(fifth.synced.changes.map((c) => `${c.action} ${c.target}`)).toEqual(['team.removed team riverside-eng']);
    expect(fifth.teams().map((t) => t.id)).toEqual(['night-shift']);
  });

  it('refuses a change that would break the directory, naming what to fix, and stores nothing of it', async () => {
    const directory = await start();
    const before = JSON.stringify([directory.people(), directory.teams()]);
    const refused = async (p: Promise<unknown>) => {
      const err = await errorOf(p);
      expect(JSON.stringify([directory.people(), directory.teams()])).toBe(before);
      return [err.code, err.message];
    };
    expect(await refused(directory.updateTeam('riverside-eng', { members: ['li-wei', 'nobody'] }, ADMIN))).toEqual([
      'FMS_ERR_DIRECTORY_INVALID',
      'team riverside-eng, members: "nobody" is not listed under people',
    ]);
    expect(await refused(directory.updateTeam('riverside-eng', { supervisor: 'li-wei' }, ADMIN))).toEqual([
      'FMS_ERR_DIRECTORY_INVALID',
      'team riverside-eng, supervisor: "li-wei" is a technician; expected a supervisor or manager',
    ]);
    expect(await refused(directory.updatePerson('zhang-min', { role: 'technician' }, ADMIN))).toEqual([
      'FMS_ERR_DIRECTORY_INVALID',
      'team riverside-eng, supervisor: "zhang-min" is a technician; expected a supervisor or manager',
    ]);
    expect(await refused(directory.setEnabled('wang-fang', false, ADMIN))).toEqual([
      'FMS_ERR_DIRECTORY_INVALID',
      'team riverside-eng, manager: "wang-fang" is disabled; expected a manager who takes escalations',
    ]);
    expect(await refused(directory.createPerson({ id: 'li-wei', name: 'Another Li Wei', role: 'technician', skills: [] }, ADMIN))).toEqual([
      'FMS_ERR_PERSON_EXISTS',
      'person "li-wei" is already listed; change them with PATCH /api/people/li-wei',
    ]);
    expect(await refused(directory.createTeam({ id: 'riverside-eng', name: 'Again', sites: [], members: [] }, ADMIN))).toEqual([
      'FMS_ERR_TEAM_EXISTS',
      'team "riverside-eng" exists; change it with PATCH /api/teams/riverside-eng',
    ]);
    expect(await refused(directory.createTeam({ id: 'tower', name: 'Tower', sites: ['hillside'], members: [] }, ADMIN))).toEqual([
      'FMS_ERR_DIRECTORY_INVALID',
      'team tower, sites: no site "hillside"; expected sites of the estate (riverside, lakeview)',
    ]);
    expect(await refused(directory.updatePerson('li-wei', { onDuty: [{ days: ['mon'], hours: '08:00-08:00' }] } as never, ADMIN))).toEqual([
      'FMS_ERR_DIRECTORY_INVALID',
      'person li-wei, onDuty.0.hours: expected hours such as 08:00-20:00 or 20:00-08:00 (got "08:00-08:00")',
    ]);
    expect((await errorOf(directory.updatePerson('nobody', { name: 'X' }, ADMIN))).code).toBe('FMS_ERR_PERSON_NOT_FOUND');
    expect((await errorOf(directory.updateTeam('nobody', { name: 'X' }, ADMIN))).code).toBe('FMS_ERR_TEAM_NOT_FOUND');
  });

  it('lets a supervisor be replaced and then disabled; a disabled member stays on the team', async () => {
    const directory = await start();
    await directory.createPerson({ id: 'liu-yang', name: 'Liu Yang', role: 'supervisor', skills: [] }, ADMIN);
    const updated = await directory.updateTeam('riverside-eng', { supervisor: 'liu-yang', manager: null }, ADMIN);
    expect(updated.change.detail).toBe('supervisor: "zhang-min" → "liu-yang"; manager: "wang-fang" → (none)');
    expect((await directory.setEnabled('zhang-min', false, ADMIN, 'left the company')).change).toEqual({
      action: 'person.disabled',
      target: 'person zhang-min',
      detail: 'left the company',
    });
    expect((await directory.setEnabled('zhang-min', false, ADMIN)).change).toBeUndefined(); // already
    await directory.setEnabled('li-wei', false, ADMIN);
    expect(directory.current().teams[0]!.members).toEqual(['li-wei', 'chen-jie']);
    expect(directory.person('li-wei')).toMatchObject({ enabled: false, origin: 'api', version: 2 });
  });

  it('keeps every one of several changes made at the same moment, in the directory dispatch reads', async () => {
    const directory = await start();
    await Promise.all([
      directory.updateTeam('riverside-eng', { members: ['chen-jie'] }, ADMIN),
      directory.updatePerson('li-wei', { phone: '13800000001' }, ADMIN),
      directory.setEnabled('li-wei', true, ADMIN), // already: nothing to store
      directory.createPerson({ id: 'sun-yu', name: 'Sun Yu', role: 'technician', skills: [] }, ADMIN),
    ]);
    const dir = directory.current();
    expect(dir.teams[0]!.members).toEqual(['chen-jie']);
    expect(dir.people.get('li-wei')?.phone).toBe('13800000001');
    expect(dir.people.has('sun-yu')).toBe(true);
  });

  it('takes what another instance stored on refresh, and a change on stale data is made on what that instance stored', async () => {
    const a = await start();
    const b = await start();
    await a.updateTeam('riverside-eng', { name: 'Riverside engineering (B1)' }, ADMIN);
    expect(b.current().teams[0]!.name).toBe('Riverside engineering');
    // b has not refreshed yet: its change of the members is made on a's, not over it.
    await b.updateTeam('riverside-eng', { members: ['li-wei'] }, 'b');
    expect(b.team('riverside-eng')).toMatchObject({ name: 'Riverside engineering (B1)', members: ['li-wei'], version: 3 });
    expect(await a.refresh()).toBe(true);
    expect(a.current().teams[0]).toMatchObject({ name: 'Riverside engineering (B1)', members: ['li-wei'] });
    expect(await a.refresh()).toBe(false);
  });
});

describe('what changed, in words', () => {
  it('names added and removed members, and old and new values', () => {
    expect(differences({ members: ['a', 'b'], name: 'X' }, { members: ['b', 'c'], name: 'Y', phone: '1' })).toEqual([
      'members: +c −a',
      'name: "X" → "Y"',
      'phone: (none) → "1"',
    ]);
    expect(differences({ onDuty: [{ days: ['mon'], hours: '08:00-20:00' }] }, {})).toEqual(['onDuty: always on duty']);
  });
});
