import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { deviceTypes } from '../../devices/catalog.ts';
import { FmsError } from '../shared/errors.ts';
import { formatZodIssues } from '../shared/zod-format.ts';
import { ruleSchema, type Rule } from './rule-schema.ts';

const devicesDir = fileURLToPath(new URL('../../devices/', import.meta.url));

/** Reads and validates one rules YAML file; the error lists every problem with its place in the file. */
export function loadRuleFile(file: string): Rule[] {
  const label = path.relative(process.cwd(), file) || file;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8')) ?? [];
  } catch (err) {
    throw new FmsError('FMS_ERR_RULE_INVALID', `${label}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = z.array(ruleSchema).safeParse(doc);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues, (p) => `${label}: ${p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`, doc);
    throw new FmsError('FMS_ERR_RULE_INVALID', `Invalid rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
  }
  return parsed.data;
}

/** The default rules shipped in devices/<type>/rules.yaml. */
export function loadDefaultRules(): Rule[] {
  return deviceTypes.flatMap((type) => loadRuleFile(path.join(devicesDir, type, 'rules.yaml')));
}
