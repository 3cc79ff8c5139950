import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDefaultRules, loadRuleFile } from '../services/rules/rule-loader.ts';
import { loadRuleTestFile, runRuleTest } from '../services/rules/rule-test.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(here, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('rules.test.yaml'))
  .sort();
const defaults = loadDefaultRules();
const raisedSomewhere = new Set<string>();

for (const file of files) {
  describe(`rule tests in devices/${file}`, () => {
    const { tests, rules, baseDir } = loadRuleTestFile(path.join(here, file), defaults, loadRuleFile);
    for (const test of tests) {
      it(test.name, () => {
        const result = runRuleTest(rules, test, baseDir);
        for (const line of result.actual) if (line.includes(' raise ')) raisedSomewhere.add(line.split(' raise ')[1]!);
        expect(result.actual).toEqual(result.expected);
      });
    }
  });
}

describe('default rule packs', () => {
  it('every shipped rule is raised by at least one rule test', () => {
    expect(defaults.map((r) => r.id).filter((id) => !raisedSomewhere.has(id))).toEqual([]);
  });
});
