import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deviceTypes } from '../../devices/catalog.ts';
import { FmsError } from '../shared/errors.ts';
import { formatZodIssues } from '../shared/zod-format.ts';
import { loadYamlList } from '../shared/yaml-list-file.ts';
import { pmPlanSchema, type PmPlan } from './pm-plan.ts';
import type { PmStore } from './pm-store.ts';

const devicesDir = fileURLToPath(new URL('../../devices/', import.meta.url));

export type PlanOrigin = 'template' | 'config' | 'api';
export type PlanInForce = PmPlan & { origin: PlanOrigin };

/** Reads and validates a PM plans YAML file; the error names every problem with its place. */
export function loadPlanFile(file: string): PmPlan[] {
  return loadYamlList(file, pmPlanSchema, 'FMS_ERR_PM_PLAN_INVALID', 'PM plans');
}

/** The templates shipped in devices/<type>/pm-templates.yaml (DOMAIN.md's regimes). */
export function loadPlanTemplates(): PmPlan[] {
  return deviceTypes.flatMap((type) => {
    const file = path.join(devicesDir, type, 'pm-templates.yaml');
    return existsSync(file) ? loadPlanFile(file) : [];
  });
}

export function parsePlan(input: unknown): PmPlan {
  const parsed = pmPlanSchema.safeParse(input);
  if (!parsed.success) throw new FmsError('FMS_ERR_PM_PLAN_INVALID', formatZodIssues(parsed.error.issues, (p) => p.join('.') || 'plan', input).join('; '));
  return parsed.data;
}

/**
 * The plans in force: shipped templates, then the estate file's (same id replaces), then those
 * created, replaced or deleted over the API (stored, they win).
 */
export async function createPmPlanService(deps: { store: PmStore; templates: PmPlan[]; filePlans: PmPlan[]; now: () => number }) {
  const inForce = new Map<string, PlanInForce>();
  async function load(): Promise<void> {
    const next = new Map<string, PlanInForce>();
    for (const p of deps.templates) next.set(p.id, { ...p, origin: 'template' });
    for (const p of deps.filePlans) next.set(p.id, { ...p, origin: 'config' });
    for (const r of await deps.store.plans()) {
      if (r.deleted) next.delete(r.id);
      else next.set(r.id, { ...parsePlan(r.definition), origin: 'api' });
    }
    inForce.clear();
    for (const [id, p] of next) inForce.set(id, p);
  }
  await load();

  return {
    /** Takes plans other instances stored (several instances share the database). */
    refresh: load,
    list: (): PlanInForce[] => [...inForce.values()].sort((a, b) => a.id.localeCompare(b.id)),
    get: (id: string) => inForce.get(id),
    async create(input: unknown): Promise<PlanInForce> {
      const plan = parsePlan(input);
      if (inForce.has(plan.id)) throw new FmsError('FMS_ERR_PM_PLAN_EXISTS', `a PM plan "${plan.id}" is in force; change it with PUT /api/pm-plans/${plan.id}`);
      await deps.store.savePlan({ id: plan.id, origin: 'api', definition: input, deleted: false, updatedAt: deps.now() });
      const saved = { ...plan, origin: 'api' as const };
      inForce.set(plan.id, saved);
      return saved;
    },
    async replace(id: string, input: unknown): Promise<PlanInForce> {
      if (!inForce.has(id)) throw new FmsError('FMS_ERR_PM_PLAN_NOT_FOUND', `no PM plan "${id}"`);
      const plan = parsePlan({ ...(input as object), id });
      await deps.store.savePlan({ id, origin: 'api', definition: { ...(input as object), id }, deleted: false, updatedAt: deps.now() });
      const saved = { ...plan, origin: 'api' as const };
      inForce.set(id, saved);
      return saved;
    },
    async remove(id: string): Promise<void> {
      if (!inForce.has(id)) throw new FmsError('FMS_ERR_PM_PLAN_NOT_FOUND', `no PM plan "${id}"`);
      await deps.store.savePlan({ id, origin: 'api', definition: null, deleted: true, updatedAt: deps.now() });
      inForce.delete(id);
    },
  };
}
export type PmPlanService = Awaited<ReturnType<typeof createPmPlanService>>;
