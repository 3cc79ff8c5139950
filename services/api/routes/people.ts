import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FmsError } from '../../shared/errors.ts';
import type { PersonView } from '../../work-orders/directory-service.ts';
import { personPatchSchema, personSchema, teamPatchSchema, teamSchema } from '../../work-orders/people.ts';
import { adminOnly, anySite, staff, type Scope, type Touch } from '../access.ts';
import { auditRequest, requesterName } from '../request-audit.ts';
import type { ApiDeps } from '../server.ts';

/**
 * The directory: people and teams, read by staff and changed by admins. A key limited to sites
 * changes only teams serving its sites and people of those teams alone (docs/people.md).
 */
export const peopleRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const idParams = z.object({ id: z.string() });
    /** Optional: a request without a body (or `null`) is fine. */
    const noteBody = z.strictObject({ note: z.string().max(500).optional() }).nullish();

    /** The sites of some teams: a team serving every site (no `sites`) is the whole estate's. */
    const sitesOf = (teams: readonly { sites: readonly string[] }[]): Touch =>
      teams.some((t) => t.sites.length === 0) ? 'estate' : [...new Set(teams.flatMap((t) => t.sites))];
    /** A person touches the sites of every team they are on (member, supervisor, manager); on none, no site's. */
    const personSite: Scope = (req) => {
      const id = (req.params as { id: string }).id;
      const teams = deps.directory.current().teams.filter((t) => t.members.includes(id) || t.supervisor === id || t.manager === id);
      return teams.length === 0 ? 'any' : sitesOf(teams);
    };
    /** A team touches the sites it serves, before and after the change. */
    const teamSite: Scope = (req) => {
      const team = deps.directory.team((req.params as { id: string }).id);
      if (!team) return 'any'; // the route answers 404
      const sites = (req.body as { sites?: string[] } | undefined)?.sites;
      return sitesOf(sites ? [team, { sites }] : [team]);
    };
    const newTeamSite: Scope = (req) => sitesOf([{ sites: (req.body as { sites?: string[] }).sites ?? [] }]);

    /** A person with their open orders (on the key's sites, for a key limited to some). */
    async function withOrders(req: FastifyRequest, person: PersonView) {
      const open = await deps.workOrders.list({ assignee: person.id, state: ['assigned', 'acknowledged', 'in_progress', 'on_hold'], limit: 100, offset: 0 });
      const sites = req.principal?.sites;
      return { ...person, orders: sites ? open.items.filter((o) => o.site !== null && sites.includes(o.site)) : open.items };
    }
    function found(id: string): PersonView {
      const person = deps.directory.person(id);
      if (!person) throw new FmsError('FMS_ERR_PERSON_NOT_FOUND', `no person "${id}"`);
      return person;
    }

    r.get(
      '/people',
      {
        config: { access: { roles: staff, scope: anySite } },
        schema: { summary: 'Technicians, supervisors and managers, with their teams and open orders', tags: ['people'] },
      },
      // A key limited to sites sees the people of the teams serving them, and their load there only.
      async (req) => ({ items: await deps.workOrders.people(req.principal?.sites ?? null) }),
    );
    r.get(
      '/people/:id',
      { config: { access: { roles: staff, scope: anySite } }, schema: { summary: 'One person with their open orders', tags: ['people'], params: idParams } },
      async (req) => {
        const person = found(req.params.id);
        // Another site's person is no business of a key limited to sites: as if there were none.
        const sites = req.principal?.sites;
        if (sites && !(await deps.workOrders.people(sites)).some((p) => p.id === person.id))
          throw new FmsError('FMS_ERR_PERSON_NOT_FOUND', `no person "${req.params.id}"`);
        return withOrders(req, person);
      },
    );
    r.post(
      '/people',
      {
        // A new person is on no team yet: no site's business until a team takes them.
        config: { access: { roles: adminOnly, scope: anySite } },
        schema: { summary: 'Add a person: a technician, supervisor or manager', tags: ['people'], body: personSchema },
      },
      async (req, reply) => {
        const { person, change } = await deps.directory.createPerson(req.body, requesterName(req));
        auditRequest(deps.audit, req, change.action, change.target, change.detail);
        return reply.status(201).header('location', `/api/people/${person.id}`).send(person);
      },
    );
    r.patch(
      '/people/:id',
      {
        config: { access: { roles: adminOnly, scope: personSite } },
        schema: {
          summary: 'Change a person: name, role, skills, phone, email, on-duty hours (null removes phone, email or hours)',
          tags: ['people'],
          params: idParams,
          body: personPatchSchema,
        },
      },
      async (req) => {
        found(req.params.id);
        const { person, change } = await deps.directory.updatePerson(req.params.id, req.body, requesterName(req));
        auditRequest(deps.audit, req, change.action, change.target, change.detail);
        return person;
      },
    );
    for (const [verb, enabled] of [
      ['disable', false],
      ['enable', true],
    ] as const) {
      r.post(
        `/people/:id/${verb}`,
        {
          config: { access: { roles: adminOnly, scope: personSite } },
          schema: {
            summary: enabled
              ? 'Enable a person again: they take orders and act on them'
              : 'Disable a person: no new orders, no actions; their open orders stay theirs and are listed for re-assigning',
            tags: ['people'],
            params: idParams,
            body: noteBody,
          },
        },
        async (req) => {
          found(req.params.id);
          const { person, change } = await deps.directory.setEnabled(req.params.id, enabled, requesterName(req), req.body?.note);
          if (change) auditRequest(deps.audit, req, change.action, change.target, change.detail);
          return withOrders(req, person);
        },
      );
    }

    r.get(
      '/teams',
      { config: { access: { roles: staff, scope: anySite } }, schema: { summary: 'Teams: sites served, members, supervisor and manager', tags: ['people'] } },
      async (req) => ({ items: deps.workOrders.teams(req.principal?.sites ?? null) }),
    );
    r.get(
      '/teams/:id',
      { config: { access: { roles: staff, scope: anySite } }, schema: { summary: 'One team', tags: ['people'], params: idParams } },
      async (req) => {
        const team = deps.directory.team(req.params.id);
        const visible = team && deps.workOrders.teams(req.principal?.sites ?? null).some((t) => t.id === team.id);
        if (!team || !visible) throw new FmsError('FMS_ERR_TEAM_NOT_FOUND', `no team "${req.params.id}"`);
        return team;
      },
    );
    r.post(
      '/teams',
      {
        config: { access: { roles: adminOnly, scope: newTeamSite } },
        schema: { summary: 'Create a team: sites served (none: all), members, supervisor, manager', tags: ['people'], body: teamSchema },
      },
      async (req, reply) => {
        const { team, change } = await deps.directory.createTeam(req.body, requesterName(req));
        auditRequest(deps.audit, req, change.action, change.target, change.detail);
        return reply.status(201).header('location', `/api/teams/${team.id}`).send(team);
      },
    );
    r.patch(
      '/teams/:id',
      {
        config: { access: { roles: adminOnly, scope: teamSite } },
        schema: {
          summary: 'Change a team: name, sites, members (the whole list), supervisor, manager (null removes them)',
          tags: ['people'],
          params: idParams,
          body: teamPatchSchema,
        },
      },
      async (req) => {
        const { team, change } = await deps.directory.updateTeam(req.params.id, req.body, requesterName(req));
        auditRequest(deps.audit, req, change.action, change.target, change.detail);
        return team;
      },
    );
  };
