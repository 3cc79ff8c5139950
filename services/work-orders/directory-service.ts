import type { Logger } from 'pino';
import type { z } from 'zod';
import { formatZodIssues } from '../shared/zod-format.ts';
import { FmsError } from '../shared/errors.ts';
import type { DirectoryOrigin, DirectoryStore, PersonRecord, TeamRecord } from './directory-store.ts';
import {
  checkDirectory,
  createDirectory,
  personSchema,
  teamSchema,
  type Directory,
  type DirectoryProblem,
  type DispatchConfig,
  type Person,
  type PersonPatch,
  type StaffMember,
  type Team,
  type TeamPatch,
} from './people.ts';

/** Who a stored change names when the FMS_CONFIG file made it. */
export const FILE_AUTHOR = 'FMS_CONFIG file';

export interface DirectoryServiceDeps {
  store: DirectoryStore;
  /** The estate file's people, teams and dispatch rules (the rules stay the file's). */
  file: { people: readonly Person[]; teams: readonly Team[]; dispatch: DispatchConfig };
  /** The estate's sites: a team serves only these (none listed: any). */
  sites: () => readonly string[];
  log: Logger;
  now: () => number;
}

/** A person as the API shows them: the directory's fields, where they come from and who changed them last. */
export type PersonView = StaffMember & { origin: DirectoryOrigin; version: number; updatedAt: number; updatedBy: string };
export type TeamView = Team & { origin: DirectoryOrigin; version: number; updatedAt: number; updatedBy: string };

/** One change of the directory, for the audit log: `person.created`, `team.updated`… and what changed. */
export interface DirectoryChange {
  action: `person.${'created' | 'updated' | 'disabled' | 'enabled'}` | `team.${'created' | 'updated' | 'removed'}`;
  target: string;
  detail: string | null;
}

export type DirectoryService = Awaited<ReturnType<typeof createDirectoryService>>;

interface Loaded {
  people: Map<string, { record: PersonRecord; person: Person }>;
  teams: Map<string, { record: TeamRecord; team: Team }>;
}

/** Writes that may race with another instance's are tried again on fresh data this often. */
const ATTEMPTS = 5;

/**
 * The directory in force: people, teams and the estate file's dispatch rules. Every person and team
 * is stored in the database. The estate file's entries are recorded at start (added, changed,
 * disabled or removed as the file says) until the API changes one: from then on it is the API's, and
 * the file no longer changes it. Work orders read `current()`, which every change replaces, and which
 * `refresh()` brings up to date with what other instances stored.
 */
export async function createDirectoryService(deps: DirectoryServiceDeps) {
  const { store, log } = deps;
  const fileOrder = (ids: readonly { id: string }[]) => new Map(ids.map((x, i) => [x.id, i]));
  const peopleOrder = fileOrder(deps.file.people);
  const teamOrder = fileOrder(deps.file.teams);
  let loaded: Loaded = { people: new Map(), teams: new Map() };
  let current: Directory = createDirectory([], [], deps.file.dispatch);
  let fingerprint = '';

  /** The estate file's entries first, in its order (dispatch breaks ties by it), then the API's by id. */
  const ordered = <T extends { id: string }>(items: Iterable<T>, order: Map<string, number>) =>
    [...items].sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity) || a.id.localeCompare(b.id));

  async function read(): Promise<Loaded> {
    const [people, teams] = await Promise.all([store.people(), store.teams()]);
    const next: Loaded = { people: new Map(), teams: new Map() };
    for (const record of people) {
      const parsed = personSchema.safeParse(record.definition);
      if (parsed.success) next.people.set(record.id, { record, person: parsed.data });
      else log.error({ personId: record.id, problems: parsed.error.issues.map((i) => i.message) }, 'stored person no longer valid: left out');
    }
    for (const record of teams) {
      const parsed = teamSchema.safeParse(record.definition);
      if (parsed.success) next.teams.set(record.id, { record, team: parsed.data });
      else log.error({ teamId: record.id, problems: parsed.error.issues.map((i) => i.message) }, 'stored team no longer valid: left out');
    }
    return next;
  }

  const printOf = (l: Pick<Loaded, 'people' | 'teams'>) =>
    JSON.stringify([[...l.people.values()].map((p) => [p.record.id, p.record.version]), [...l.teams.values()].map((t) => [t.record.id, t.record.version])]);

  function install(next: Loaded): void {
    loaded = next;
    fingerprint = printOf(next);
    current = directoryOf(next);
  }

  function directoryOf(l: Loaded): Directory {
    const people = ordered(
      [...l.people.values()].map((p) => ({ ...p.person, enabled: p.record.enabled })),
      peopleOrder,
    );
    const teams = ordered(
      [...l.teams.values()].map((t) => t.team),
      teamOrder,
    );
    return createDirectory(people, teams, deps.file.dispatch);
  }

  /** What references break in `next` that were whole in `before` (an inconsistency already there is not the change's fault). */
  function introducedProblems(before: Directory, next: Directory): string[] {
    const problems = (d: Directory) => checkDirectory([...d.people.values()], d.teams, d.dispatch).map((p) => describe(p, d));
    const had = new Set(problems(before));
    return problems(next).filter((p) => !had.has(p));
  }

  function describe(p: DirectoryProblem, d: Directory): string {
    const [kind, index, ...rest] = p.path;
    const field = rest.filter((x) => typeof x === 'string').join('.');
    if (kind === 'teams') return `team ${d.teams[index as number]?.id}${field ? `, ${field}` : ''}: ${p.message}`;
    if (kind === 'people') return `person ${[...d.people.keys()][index as number]}: ${p.message}`;
    return `${p.path.join('.')}: ${p.message}`;
  }

  function checkSites(team: Team): void {
    const known = deps.sites();
    if (known.length === 0) return;
    const unknown = team.sites.filter((s) => !known.includes(s));
    if (unknown.length > 0)
      throw new FmsError(
        'FMS_ERR_DIRECTORY_INVALID',
        `team ${team.id}, sites: no site ${unknown.map((s) => `"${s}"`).join(', ')}; expected sites of the estate (${known.join(', ')})`,
      );
  }

  // Changes and reloads of this instance run one at a time, so that none installs a directory older
  // than another's; other instances' writes are caught by the versions.
  let queue: Promise<unknown> = Promise.resolve();
  function serially<T>(work: () => Promise<T>): Promise<T> {
    const done = queue.then(work);
    queue = done.catch(() => undefined);
    return done;
  }

  /**
   * Applies a change on fresh data: reads the directory, lets `plan` decide (and refuse) on it, checks
   * that no reference breaks, stores the records over the versions read. Another instance's write in
   * between makes it start again on what that instance stored.
   */
  const change = <T>(plan: (l: Loaded) => { people?: PersonRecord[]; teams?: TeamRecord[]; result: (l: Loaded) => T }): Promise<T> =>
    serially(async () => {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const fresh = await read();
        const p = plan(fresh);
        const next: Loaded = { people: new Map(fresh.people), teams: new Map(fresh.teams) };
        for (const r of p.people ?? []) next.people.set(r.id, { record: r, person: personSchema.parse(r.definition) });
        for (const r of p.teams ?? []) next.teams.set(r.id, { record: r, team: teamSchema.parse(r.definition) });
        const broken = introducedProblems(directoryOf(fresh), directoryOf(next));
        if (broken.length > 0) throw new FmsError('FMS_ERR_DIRECTORY_INVALID', broken.join('; '), { problems: broken });
        let stored = true;
        for (const r of p.people ?? []) stored = stored && (await store.savePerson(r));
        for (const r of p.teams ?? []) stored = stored && (await store.saveTeam(r));
        if (stored) {
          install(next);
          return p.result(next);
        }
      }
      throw new FmsError(
        'FMS_ERR_DIRECTORY_CONFLICT',
        'the directory kept changing under this change (another instance writing the same person or team); try again',
      );
    });

  const personView = (l: Loaded, id: string): PersonView => {
    const { record, person } = l.people.get(id)!;
    return { ...person, enabled: record.enabled, origin: record.origin, version: record.version, updatedAt: record.updatedAt, updatedBy: record.updatedBy };
  };
  const teamView = (l: Loaded, id: string): TeamView => {
    const { record, team } = l.teams.get(id)!;
    return { ...team, origin: record.origin, version: record.version, updatedAt: record.updatedAt, updatedBy: record.updatedBy };
  };

  function existingPerson(l: Loaded, id: string) {
    const p = l.people.get(id);
    if (!p) throw new FmsError('FMS_ERR_PERSON_NOT_FOUND', `no person "${id}"`);
    return p;
  }
  function existingTeam(l: Loaded, id: string) {
    const t = l.teams.get(id);
    if (!t) throw new FmsError('FMS_ERR_TEAM_NOT_FOUND', `no team "${id}"`);
    return t;
  }

  /** Records what the estate file says now, for every entry the API has not taken over. */
  async function syncFile(): Promise<{ changes: DirectoryChange[]; ignored: string[] }> {
    for (let attempt = 0; ; attempt++) {
      const l = await read();
      const at = deps.now();
      const changes: DirectoryChange[] = [];
      const ignored: string[] = [];
      const people: PersonRecord[] = [];
      const teams: TeamRecord[] = [];
      const removedTeams: TeamRecord[] = [];
      const inFile = new Set(deps.file.people.map((p) => p.id));
      for (const person of deps.file.people) {
        const had = l.people.get(person.id);
        const record = (version: number, enabled = true): PersonRecord => ({
          id: person.id,
          origin: 'config',
          definition: person,
          enabled,
          version,
          updatedAt: at,
          updatedBy: FILE_AUTHOR,
        });
        if (!had) {
          people.push(record(1));
          changes.push({ action: 'person.created', target: `person ${person.id}`, detail: `from the ${FILE_AUTHOR}` });
        } else if (had.record.origin === 'api') {
          if (!same(had.person, person)) ignored.push(`person ${person.id}`);
        } else if (!same(had.person, person) || !had.record.enabled) {
          people.push(record(had.record.version + 1));
          const what = [...(had.record.enabled ? [] : ['back in the file']), ...differences(had.person, person)];
          changes.push({
            action: had.record.enabled ? 'person.updated' : 'person.enabled',
            target: `person ${person.id}`,
            detail: `${what.join('; ')} (${FILE_AUTHOR})`,
          });
        }
      }
      // A person the file no longer lists is disabled, never deleted: their orders and history name them.
      for (const { record } of l.people.values()) {
        if (record.origin !== 'config' || inFile.has(record.id) || !record.enabled) continue;
        people.push({ ...record, enabled: false, version: record.version + 1, updatedAt: at, updatedBy: FILE_AUTHOR });
        changes.push({ action: 'person.disabled', target: `person ${record.id}`, detail: `no longer in the ${FILE_AUTHOR}` });
      }
      const teamsInFile = new Set(deps.file.teams.map((t) => t.id));
      for (const team of deps.file.teams) {
        const had = l.teams.get(team.id);
        const record = (version: number): TeamRecord => ({ id: team.id, origin: 'config', definition: team, version, updatedAt: at, updatedBy: FILE_AUTHOR });
        if (!had) {
          teams.push(record(1));
          changes.push({ action: 'team.created', target: `team ${team.id}`, detail: `from the ${FILE_AUTHOR}` });
        } else if (had.record.origin === 'api') {
          if (!same(had.team, team)) ignored.push(`team ${team.id}`);
        } else if (!same(had.team, team)) {
          teams.push(record(had.record.version + 1));
          changes.push({ action: 'team.updated', target: `team ${team.id}`, detail: `${differences(had.team, team).join('; ')} (${FILE_AUTHOR})` });
        }
      }
      for (const { record } of l.teams.values()) {
        if (record.origin !== 'config' || teamsInFile.has(record.id)) continue;
        removedTeams.push(record);
        changes.push({ action: 'team.removed', target: `team ${record.id}`, detail: `no longer in the ${FILE_AUTHOR}` });
      }
      let stored = true;
      for (const r of people) stored = stored && (await store.savePerson(r));
      for (const r of teams) stored = stored && (await store.saveTeam(r));
      for (const r of removedTeams) stored = stored && (await store.removeTeam(r.id, r.version));
      // Another instance starting at the same moment recorded the file first: look again.
      if (stored || attempt >= ATTEMPTS) return { changes, ignored };
    }
  }

  const synced = await syncFile();
  install(await read());
  if (synced.ignored.length > 0)
    log.warn({ entries: synced.ignored }, 'estate file changes not taken: these were changed over the API since, and the API’s version stays');
  for (const problem of checkDirectory([...current.people.values()], current.teams, current.dispatch))
    log.warn({ problem: describe(problem, current) }, 'directory inconsistent: fix it over the API or in the estate file');

  return {
    /** What the estate file changed at this start, and the entries it could not change (the API's). */
    synced,
    /** The directory in force now. */
    current: () => current,
    /** Takes what other instances stored (several instances share the database); true when anything changed. */
    refresh: (): Promise<boolean> =>
      serially(async () => {
        const next = await read();
        if (printOf(next) === fingerprint) return false;
        install(next);
        return true;
      }),
    people: (): PersonView[] =>
      ordered(
        [...loaded.people.keys()].map((id) => personView(loaded, id)),
        peopleOrder,
      ),
    person: (id: string): PersonView | undefined => (loaded.people.has(id) ? personView(loaded, id) : undefined),
    teams: (): TeamView[] =>
      ordered(
        [...loaded.teams.keys()].map((id) => teamView(loaded, id)),
        teamOrder,
      ),
    team: (id: string): TeamView | undefined => (loaded.teams.has(id) ? teamView(loaded, id) : undefined),

    createPerson: (input: Person, by: string) =>
      change((l) => {
        if (l.people.has(input.id))
          throw new FmsError('FMS_ERR_PERSON_EXISTS', `person "${input.id}" is already listed; change them with PATCH /api/people/${input.id}`);
        const person = valid(personSchema, input, `person ${input.id}`);
        return {
          people: [{ id: person.id, origin: 'api', definition: person, enabled: true, version: 1, updatedAt: deps.now(), updatedBy: by }],
          result: (n) => ({
            person: personView(n, person.id),
            change: { action: 'person.created', target: `person ${person.id}`, detail: `${person.name}, ${person.role}` } satisfies DirectoryChange,
          }),
        };
      }),

    updatePerson: (id: string, patch: PersonPatch, by: string) =>
      change((l) => {
        const { record, person } = existingPerson(l, id);
        const next = valid(personSchema, withPatch(person, patch), `person ${id}`);
        return {
          people: [{ ...record, origin: 'api', definition: next, version: record.version + 1, updatedAt: deps.now(), updatedBy: by }],
          result: (n) => ({
            person: personView(n, id),
            change: {
              action: 'person.updated',
              target: `person ${id}`,
              detail: differences(person, next).join('; ') || 'nothing changed',
            } satisfies DirectoryChange,
          }),
        };
      }),

    /** Disables or enables a person; undefined `change` when they already were. */
    setEnabled: (id: string, enabled: boolean, by: string, note?: string) =>
      change<{ person: PersonView; change: DirectoryChange | undefined }>((l) => {
        const { record } = existingPerson(l, id);
        if (record.enabled === enabled) return { result: (n) => ({ person: personView(n, id), change: undefined }) };
        return {
          people: [{ ...record, origin: 'api', enabled, version: record.version + 1, updatedAt: deps.now(), updatedBy: by }],
          result: (n) => ({
            person: personView(n, id),
            change: { action: enabled ? 'person.enabled' : 'person.disabled', target: `person ${id}`, detail: note ?? null } satisfies DirectoryChange,
          }),
        };
      }),

    createTeam: (input: Team, by: string) =>
      change((l) => {
        if (l.teams.has(input.id)) throw new FmsError('FMS_ERR_TEAM_EXISTS', `team "${input.id}" exists; change it with PATCH /api/teams/${input.id}`);
        const team = valid(teamSchema, input, `team ${input.id}`);
        checkSites(team);
        return {
          teams: [{ id: team.id, origin: 'api', definition: team, version: 1, updatedAt: deps.now(), updatedBy: by }],
          result: (n) => ({
            team: teamView(n, team.id),
            change: {
              action: 'team.created',
              target: `team ${team.id}`,
              detail: `${team.name}; sites ${team.sites.join(', ') || 'all'}; members ${team.members.join(', ') || 'none'}`,
            } satisfies DirectoryChange,
          }),
        };
      }),

    updateTeam: (id: string, patch: TeamPatch, by: string) =>
      change((l) => {
        const { record, team } = existingTeam(l, id);
        const next = valid(teamSchema, withPatch(team, patch), `team ${id}`);
        checkSites(next);
        return {
          teams: [{ ...record, origin: 'api', definition: next, version: record.version + 1, updatedAt: deps.now(), updatedBy: by }],
          result: (n) => ({
            team: teamView(n, id),
            change: { action: 'team.updated', target: `team ${id}`, detail: differences(team, next).join('; ') || 'nothing changed' } satisfies DirectoryChange,
          }),
        };
      }),
  };
}

/** The value as the schema has it, or FMS_ERR_DIRECTORY_INVALID naming each problem. */
function valid<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = formatZodIssues(parsed.error.issues, (p) => `${what}${p.length ? `, ${p.join('.')}` : ''}`, value);
  throw new FmsError('FMS_ERR_DIRECTORY_INVALID', problems.join('; '), { problems });
}

/** A patch applied: given fields replace, `null` removes an optional one. */
function withPatch<T extends object>(base: T, patch: object): T {
  const next: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  return next as T;
}

/** Equal as JSON whatever the order of keys. */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** What changed, in words for the audit log: `role: technician → supervisor`, `members: +li-wei −chen-jie`. */
export function differences(before: object, after: object): string[] {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])]) {
    const was = b[key];
    const is = a[key];
    if (same(was, is)) continue;
    if (Array.isArray(was) && Array.isArray(is) && [...was, ...is].every((x) => typeof x === 'string')) {
      const added = is.filter((x) => !was.includes(x)).map((x) => `+${x}`);
      const removed = was.filter((x) => !is.includes(x)).map((x) => `−${x}`);
      out.push(`${key}: ${[...added, ...removed].join(' ') || 'reordered'}`);
    } else if (key === 'onDuty')
      out.push(
        `onDuty: ${is === undefined ? 'always on duty' : (is as { days: string[]; hours: string }[]).map((w) => `${w.days.join(',')} ${w.hours}`).join('; ')}`,
      );
    else out.push(`${key}: ${was === undefined ? '(none)' : JSON.stringify(was)} → ${is === undefined ? '(none)' : JSON.stringify(is)}`);
  }
  return out;
}
