import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FmsError, type ErrorCode } from './errors.ts';
import { formatZodIssues } from './zod-format.ts';

/**
 * Reads a YAML file holding a list (rules, PM plans) and validates every item; the error lists every
 * problem with its place in the file: `devices/pump/rules.yaml: [1].when: expected …`.
 */
export function loadYamlList<T extends z.ZodType>(file: string, item: T, code: ErrorCode, what: string): z.infer<T>[] {
  const label = path.relative(process.cwd(), file) || file;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8')) ?? [];
  } catch (err) {
    throw new FmsError(code, `${label}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = z.array(item).safeParse(doc);
  if (!parsed.success) {
    const problems = formatZodIssues(
      parsed.error.issues,
      (p) => `${label}: ${p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`,
      doc,
    );
    throw new FmsError(code, `Invalid ${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
  }
  return parsed.data;
}
