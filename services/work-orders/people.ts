import { z } from 'zod';
import { idSchema } from '../assets/asset.ts';
import { deviceTypes } from '../../devices/catalog.ts';
import { categories, priorities } from '../shared/vocabulary.ts';
import { parseHours, weekdayNames, type WeekdayName } from './business-calendar.ts';

/** The ways a person can be told: the console's bell, email, SMS (docs/notifications.md). */
export const notifyChannels = ['email', 'sms'] as const;
export type NotifyChannel = (typeof notifyChannels)[number];

export const personRoles = ['technician', 'supervisor', 'manager'] as const;
export type PersonRole = (typeof personRoles)[number];

const dutyWindow = z.strictObject({
  days: z.array(z.enum(weekdayNames, { error: `expected weekdays among ${weekdayNames.join(', ')}` })).min(1),
  /** Local hours, e.g. 08:00-20:00; a night shift such as 20:00-08:00 runs into the next day. */
  hours: z.string().refine((h) => parseHours(h, true) !== undefined, 'expected hours such as 08:00-20:00 or 20:00-08:00'),
});

export const personSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200),
  role: z.enum(personRoles, { error: `expected one of ${personRoles.join(', ')}` }).default('technician'),
  /** What the person can work on: asset types (pump, elevator, gate) and trades (electrical, plumbing…). */
  skills: z.array(z.string().min(1).max(50)).default([]),
  phone: z.string().max(50).optional(),
  email: z.string().max(200).optional(),
  /** Weekly on-duty windows in the site's time zone; absent means always on duty. */
  onDuty: z.array(dutyWindow).optional(),
  /** Language of what FMS sends them (their console account's language comes first when set). */
  language: z.enum(['en', 'zh'], { error: 'expected en or zh' }).optional(),
  /** How they are told (docs/notifications.md): in the console always; email and SMS when listed and their address is known. */
  notify: z.array(z.enum(notifyChannels, { error: `expected channels among ${notifyChannels.join(', ')}` })).optional(),
  /** Local hours in which only urgent news (P1, safety) reaches them at once, e.g. 22:00-07:00; the rest waits for the end. */
  quietHours: z
    .string()
    .refine((h) => parseHours(h, true) !== undefined, 'expected hours such as 22:00-07:00')
    .optional(),
});
export type Person = z.infer<typeof personSchema>;

export const teamSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200),
  /** Sites the team serves; empty serves every site. */
  sites: z.array(idSchema).default([]),
  /** Person ids of the technicians. */
  members: z.array(idSchema).default([]),
  /** Escalations go to the supervisor first, then to the manager. */
  supervisor: idSchema.optional(),
  manager: idSchema.optional(),
});
export type Team = z.infer<typeof teamSchema>;

/**
 * Whether a technician reads an order: theirs, their team's, or one a teammate has (the API's order
 * routes and the console's live updates both ask). Without teams every technician reads every order.
 */
export function technicianSeesOrder(
  order: { assignee: string | null; team: string | null },
  personId: string,
  teams: readonly Pick<Team, 'id' | 'members'>[],
): boolean {
  if (teams.length === 0 || order.assignee === personId) return true;
  return teams.some((t) => t.members.includes(personId) && (t.id === order.team || (order.assignee !== null && t.members.includes(order.assignee))));
}

const optional = <T extends z.ZodType>(t: T) => t.nullable().optional();

/** A change of a person: the fields given replace theirs; `null` removes phone, email or on-duty hours (always on duty). */
export const personPatchSchema = z
  .strictObject({
    name: personSchema.shape.name.optional(),
    role: z.enum(personRoles, { error: `expected one of ${personRoles.join(', ')}` }).optional(),
    skills: z.array(z.string().min(1).max(50)).optional(),
    phone: optional(z.string().max(50)),
    email: optional(z.string().max(200)),
    onDuty: optional(z.array(dutyWindow)),
    language: optional(personSchema.shape.language.unwrap()),
    notify: optional(personSchema.shape.notify.unwrap()),
    quietHours: optional(personSchema.shape.quietHours.unwrap()),
  })
  .refine(
    (p) => Object.values(p).some((v) => v !== undefined),
    'expected at least one of name, role, skills, phone, email, onDuty, language, notify, quietHours',
  );
export type PersonPatch = z.infer<typeof personPatchSchema>;

/** A change of a team: the fields given replace its own (members and sites as whole lists); `null` removes the supervisor or manager. */
export const teamPatchSchema = z
  .strictObject({
    name: teamSchema.shape.name.optional(),
    sites: z.array(idSchema).optional(),
    members: z.array(idSchema).optional(),
    supervisor: optional(idSchema),
    manager: optional(idSchema),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'expected at least one of name, sites, members, supervisor, manager');
export type TeamPatch = z.infer<typeof teamPatchSchema>;

export const dispatchRuleSchema = z.strictObject({
  /** Every list given must contain the order's value; an empty match takes every order. */
  match: z
    .strictObject({
      categories: z.array(z.enum(categories)).optional(),
      assetTypes: z.array(z.enum(deviceTypes)).optional(),
      sites: z.array(idSchema).optional(),
      priorities: z.array(z.enum(priorities)).optional(),
    })
    .default({}),
  team: idSchema,
  /** Skills a technician must have; by default, the asset type when a member has it. */
  skills: z.array(z.string()).optional(),
});
export type DispatchRule = z.infer<typeof dispatchRuleSchema>;

export const dispatchConfigSchema = z
  .strictObject({
    /** Assign new orders at once to the least-loaded eligible technician. */
    auto: z.boolean().default(true),
    /** First matching rule wins; without a match, teams serving the order's site are eligible. */
    rules: z.array(dispatchRuleSchema).default([]),
  })
  .prefault({});
export type DispatchConfig = z.infer<typeof dispatchConfigSchema>;

/** A person as the directory holds them: whether they take work now, beside what the estate file or the API says. */
export type StaffMember = Person & {
  /** A disabled person gets no new orders and acts on none; their history and open orders stay. */
  enabled: boolean;
};

export interface Directory {
  people: ReadonlyMap<string, StaffMember>;
  teams: readonly Team[];
  dispatch: DispatchConfig;
}

export function createDirectory(people: readonly (Person & { enabled?: boolean })[], teams: readonly Team[], dispatch: DispatchConfig): Directory {
  return { people: new Map(people.map((p) => [p.id, { ...p, enabled: p.enabled ?? true }])), teams, dispatch };
}

/** A problem with references between people, teams and dispatch rules: where, and what to fix. */
export interface DirectoryProblem {
  path: (string | number)[];
  message: string;
}

/** Problems with references between people, teams and dispatch rules, as config messages. */
export function checkDirectory(
  people: readonly (Person & { enabled?: boolean })[],
  teams: readonly Team[],
  dispatch: Pick<DispatchConfig, 'rules'>,
): DirectoryProblem[] {
  const problems: DirectoryProblem[] = [];
  const byId = new Map(people.map((p) => [p.id, p]));
  const seen = new Set<string>();
  people.forEach((p, i) => {
    if (seen.has(p.id)) problems.push({ path: ['people', i, 'id'], message: `duplicate person id "${p.id}"` });
    seen.add(p.id);
  });
  const teamIds = new Set<string>();
  teams.forEach((t, i) => {
    if (teamIds.has(t.id)) problems.push({ path: ['teams', i, 'id'], message: `duplicate team id "${t.id}"` });
    teamIds.add(t.id);
    t.members.forEach((m, j) => {
      if (!byId.has(m)) problems.push({ path: ['teams', i, 'members', j], message: `"${m}" is not listed under people` });
    });
    for (const key of ['supervisor', 'manager'] as const) {
      const id = t[key];
      if (id === undefined) continue;
      const p = byId.get(id);
      if (!p) problems.push({ path: ['teams', i, key], message: `"${id}" is not listed under people` });
      else if (p.role === 'technician') problems.push({ path: ['teams', i, key], message: `"${id}" is a technician; expected a supervisor or manager` });
      // The team's escalations go to them: a disabled person would hear of none.
      else if (p.enabled === false) problems.push({ path: ['teams', i, key], message: `"${id}" is disabled; expected a ${key} who takes escalations` });
    }
  });
  dispatch.rules.forEach((r, i) => {
    if (!teamIds.has(r.team)) problems.push({ path: ['dispatch', 'rules', i, 'team'], message: `"${r.team}" is not listed under teams` });
  });
  return problems;
}

export type { WeekdayName };
