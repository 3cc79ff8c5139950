import { withinWeeklyWindows } from './business-calendar.ts';
import type { Directory, StaffMember, Team } from './people.ts';

export interface DispatchRequest {
  site: string | null;
  category: string;
  priority: string;
  assetType: string | null;
  /** A team chosen beforehand (a PM plan's); otherwise dispatch rules decide. */
  teamId?: string | undefined;
}

export type DispatchDecision = { assignee: string; team: string; reason: string } | { assignee: null; team: string | null; reason: string };

export type Eligibility =
  { candidates: { person: StaffMember; team: Team }[]; how: string; skills: string[] } | { candidates: []; team: string | null; reason: string };

/**
 * Who may take an order (派单): the first dispatch rule that matches names the team (without one,
 * the teams serving the site); its enabled technicians on duty now with the needed skills are eligible.
 */
export function eligibleTechnicians(order: DispatchRequest, dir: Directory, at: number, timeZoneOf: (site: string | null) => string): Eligibility {
  const rule = order.teamId
    ? { team: order.teamId, skills: undefined }
    : dir.dispatch.rules.find(
        (r) =>
          (!r.match.categories || r.match.categories.includes(order.category as never)) &&
          (!r.match.assetTypes || (order.assetType !== null && r.match.assetTypes.includes(order.assetType as never))) &&
          (!r.match.sites || (order.site !== null && r.match.sites.includes(order.site))) &&
          (!r.match.priorities || r.match.priorities.includes(order.priority as never)),
      );
  const teams: Team[] = rule
    ? dir.teams.filter((t) => t.id === rule.team)
    : dir.teams.filter((t) => t.sites.length === 0 || (order.site !== null && t.sites.includes(order.site)));
  const how = order.teamId ? `team ${order.teamId}` : rule ? `dispatch rule for team ${rule.team}` : `team serving site ${order.site ?? '(none)'}`;
  if (teams.length === 0) return { candidates: [], team: null, reason: `no team serves this order (${how})` };

  const members = teams
    .flatMap((t) => t.members.map((id) => ({ team: t, person: dir.people.get(id) })))
    .filter((m): m is { team: Team; person: StaffMember } => !!m.person && m.person.role === 'technician' && m.person.enabled);
  const tz = timeZoneOf(order.site);
  const onDuty = members.filter((m) => !m.person.onDuty || withinWeeklyWindows(at, tz, m.person.onDuty));
  if (onDuty.length === 0)
    return {
      candidates: [],
      team: teams[0]!.id,
      reason:
        members.length === 0
          ? `${teams.map((t) => t.id).join(', ')} has no enabled technician`
          : `no technician of ${teams.map((t) => t.id).join(', ')} is on duty`,
    };

  let required = rule?.skills ?? [];
  if (!rule?.skills && order.assetType && onDuty.some((m) => m.person.skills.includes(order.assetType!))) required = [order.assetType];
  const skilled = onDuty.filter((m) => required.every((s) => m.person.skills.includes(s)));
  if (skilled.length === 0) return { candidates: [], team: teams[0]!.id, reason: `no technician on duty has the skills ${required.join(', ')}` };
  return { candidates: skilled, how, skills: required };
}

/** Among eligible technicians the least loaded wins (ties: the one listed first). */
export function chooseAssignee(eligibility: Eligibility, openOrdersOf: (personId: string) => number): DispatchDecision {
  if (eligibility.candidates.length === 0)
    return { assignee: null, team: 'team' in eligibility ? eligibility.team : null, reason: 'reason' in eligibility ? eligibility.reason : 'nobody eligible' };
  const { candidates, how, skills } = eligibility as Extract<Eligibility, { how: string }>;
  let best = candidates[0]!;
  let bestLoad = openOrdersOf(best.person.id);
  for (const m of candidates.slice(1)) {
    const load = openOrdersOf(m.person.id);
    if (load < bestLoad) [best, bestLoad] = [m, load];
  }
  const skillNote = skills.length > 0 ? `, skills ${skills.join(', ')}` : '';
  return {
    assignee: best.person.id,
    team: best.team.id,
    reason: `${how}${skillNote}: least loaded on duty (${bestLoad} open order${bestLoad === 1 ? '' : 's'})`,
  };
}

/**
 * Who hears about an escalation: approaching → the assignee and the supervisor; breached → the
 * supervisor and the manager. The team is the order's, else the assignee's, else those serving the site.
 * A disabled person hears of nothing (a team's supervisor and manager are never disabled: people.ts).
 */
export function escalationRecipients(
  level: 'approaching' | 'breached',
  order: { assignee: string | null; team: string | null; site: string | null },
  dir: Directory,
): string[] {
  const { assignee } = order;
  const own = dir.teams.find((t) => t.id === order.team) ?? (assignee ? dir.teams.find((t) => t.members.includes(assignee)) : undefined);
  const teams = own ? [own] : dir.teams.filter((t) => t.sites.length === 0 || (order.site !== null && t.sites.includes(order.site)));
  const ids = level === 'approaching' ? [assignee, ...teams.map((t) => t.supervisor)] : teams.flatMap((t) => [t.supervisor, t.manager]);
  return [...new Set(ids.filter((x): x is string => !!x && dir.people.get(x)?.enabled !== false))];
}
