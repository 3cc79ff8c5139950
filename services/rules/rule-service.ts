import type { Logger } from 'pino';
import { z } from 'zod';
import { FmsError } from '../shared/errors.ts';
import { formatZodIssues } from '../shared/zod-format.ts';
import type { RuleEngine } from './rule-engine.ts';
import { ruleSchema, type Rule } from './rule-schema.ts';
import type { RuleRecord, RuleStore } from './rule-store.ts';

export interface RuleServiceDeps {
  store: RuleStore;
  engine: RuleEngine;
  /** Rules from files: the shipped defaults, then the estate file's (which win on the same id). */
  fileRules: { rule: Rule; origin: 'default' | 'config' }[];
  log: Logger;
  now: () => number;
}

export type RuleService = Awaited<ReturnType<typeof createRuleService>>;

/** A rule in force, with its version and where it came from. */
export type RuleInForce = Rule & { origin: RuleRecord['origin'] };

/**
 * The rules in force and their history. File rules are recorded as versions whenever a file changes
 * between starts; rules created or changed over the API are stored and win over the files; deleting
 * a rule over the API keeps it deleted even when a file still has it. Every change reaches the rule
 * engine at once.
 */
export async function createRuleService(deps: RuleServiceDeps) {
  const { store, engine, log } = deps;
  const records = new Map<string, RuleRecord>((await store.all()).map((r) => [r.id, r]));

  // Record what the files say now: new rules, and changed ones (unless the API has taken them over).
  const fromFiles = new Map<string, { rule: Rule; origin: 'default' | 'config' }>();
  for (const f of deps.fileRules) fromFiles.set(f.rule.id, f);
  for (const { rule, origin } of fromFiles.values()) {
    const current = records.get(rule.id);
    const definition = { ...rule, version: undefined };
    if (current && (current.origin === 'api' || current.deleted)) continue;
    if (current && JSON.stringify(current.definition) === JSON.stringify(definition) && current.origin === origin) continue;
    const record: RuleRecord = { id: rule.id, version: (current?.version ?? 0) + 1, origin, definition, deleted: false, updatedAt: deps.now() };
    await store.save(record, current ? 'updated' : 'created', origin === 'default' ? 'devices/<type>/rules.yaml' : 'FMS_CONFIG file');
    records.set(rule.id, record);
    if (current) log.info({ ruleId: rule.id, version: record.version }, 'rule changed in its file');
  }

  let inForce: RuleInForce[] = [];
  function apply(): void {
    inForce = [];
    for (const r of records.values()) {
      if (r.deleted) continue;
      // A file rule that is no longer in any file is no longer in force.
      if (r.origin !== 'api' && !fromFiles.has(r.id)) continue;
      const parsed = ruleSchema.safeParse(r.definition);
      if (!parsed.success) {
        log.error({ ruleId: r.id, problems: parsed.error.issues.map((i) => i.message) }, 'stored rule no longer valid: not in force');
        continue;
      }
      inForce.push({ ...parsed.data, version: r.version, origin: r.origin });
    }
    inForce.sort((a, b) => a.id.localeCompare(b.id));
    engine.setRules(inForce);
  }
  apply();

  const fingerprint = (rs: Iterable<RuleRecord>) => JSON.stringify([...rs].map((r) => [r.id, r.version, r.deleted]).sort());

  function validate(input: unknown): Rule {
    const parsed = z.array(ruleSchema).safeParse([input]);
    if (!parsed.success) {
      const problems = formatZodIssues(parsed.error.issues, (p) => p.slice(1).map(String).join('.') || '(rule)', [input]);
      throw new FmsError('FMS_ERR_RULE_INVALID', `invalid rule: ${problems.join('; ')}`, problems);
    }
    return parsed.data[0]!;
  }

  async function put(rule: Rule, change: 'created' | 'updated', by: string): Promise<RuleInForce> {
    const current = records.get(rule.id);
    const record: RuleRecord = {
      id: rule.id,
      version: (current?.version ?? 0) + 1,
      origin: 'api',
      definition: { ...rule, version: undefined },
      deleted: false,
      updatedAt: deps.now(),
    };
    await store.save(record, change, by);
    records.set(rule.id, record);
    apply();
    log.info({ ruleId: rule.id, version: record.version, by }, `rule ${change}`);
    return inForce.find((r) => r.id === rule.id)!;
  }

  function existing(id: string): RuleRecord {
    const r = records.get(id);
    if (!r || r.deleted || !inForce.some((x) => x.id === id)) throw new FmsError('FMS_ERR_RULE_NOT_FOUND', `no rule "${id}"`);
    return r;
  }

  /** Takes changes other instances stored (several instances share the database): reloads when any rule's version differs. */
  async function refresh(): Promise<boolean> {
    const stored = await store.all();
    if (fingerprint(stored) === fingerprint(records.values())) return false;
    records.clear();
    for (const r of stored) records.set(r.id, r);
    apply();
    log.info({ rules: inForce.length }, 'rules changed by another instance: reloaded');
    return true;
  }

  return {
    refresh,
    list: (): readonly RuleInForce[] => inForce,
    get: (id: string): RuleInForce | undefined => inForce.find((r) => r.id === id),
    history: async (id: string) => {
      if (!records.has(id)) throw new FmsError('FMS_ERR_RULE_NOT_FOUND', `no rule "${id}"`);
      return store.history(id);
    },

    async create(input: unknown, by: string): Promise<RuleInForce> {
      const rule = validate(input);
      if (inForce.some((r) => r.id === rule.id)) throw new FmsError('FMS_ERR_RULE_EXISTS', `rule "${rule.id}" exists; PUT /api/rules/${rule.id} changes it`);
      return put(rule, 'created', by);
    },

    async update(id: string, input: unknown, by: string): Promise<RuleInForce> {
      existing(id);
      const body = input && typeof input === 'object' && !Array.isArray(input) ? { id, ...input } : input;
      const rule = validate(body);
      if (rule.id !== id) throw new FmsError('FMS_ERR_RULE_INVALID', `invalid rule: id "${rule.id}" in the body does not match "${id}" in the path`);
      return put(rule, 'updated', by);
    },

    async remove(id: string, by: string): Promise<void> {
      const current = existing(id);
      const record: RuleRecord = { ...current, version: current.version + 1, deleted: true, updatedAt: deps.now() };
      await store.save(record, 'deleted', by);
      records.set(id, record);
      apply();
      log.info({ ruleId: id, by }, 'rule deleted');
    },
  };
}
