import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDefaultRules, loadRuleFile } from './rule-loader.ts';
import { loadRuleTestFile, runRuleTest } from './rule-test.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'fms-rule-tests-'));

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const hotPump = `
rules:
  - id: site.hot
    assetType: pump
    metric: motor_temp_c
    when: { op: ">", value: 80 }
    for: 1m
    severity: major
tests:
  - name: a hot pump
    asset: { type: pump }
    series:
      - { metric: motor_temp_c, every: 30s, values: "70 85x5 60" }
    expect:
      - { at: EXPECTED, rule: site.hot, kind: raise }
      - { at: 3m, rule: site.hot, kind: clear }
`;

describe('rule tests as files', () => {
  it('pass when the alarms come at the expected times, and show both lists when they do not', () => {
    const good = loadRuleTestFile(file('good.yaml', hotPump.replace('EXPECTED', '1m30s')), loadDefaultRules(), loadRuleFile);
    expect(runRuleTest(good.rules, good.tests[0]!)).toMatchObject({ passed: true });
    const bad = loadRuleTestFile(file('bad.yaml', hotPump.replace('EXPECTED', '1m')), loadDefaultRules(), loadRuleFile);
    expect(runRuleTest(bad.rules, bad.tests[0]!)).toEqual({
      name: 'a hot pump',
      passed: false,
      expected: ['1m00s raise site.hot', '3m00s clear site.hot'],
      actual: ['1m30s raise site.hot', '3m00s clear site.hot'],
    });
  });

  it('refuse a file with mistakes, naming the place', () => {
    const f = file('broken.yaml', hotPump.replace('EXPECTED', 'soon').replace('"70 85x5 60"', '"70 hot"'));
    expect(() => loadRuleTestFile(f, [], loadRuleFile)).toThrow(/tests\[0\]\.series\[0\]\.values: "hot" is not a value/);
    expect(() => loadRuleTestFile(f, [], loadRuleFile)).toThrow(/tests\[0\]\.expect\[0\]\.at: expected a time from the start/);
  });

  it('the command exits 0 when every test passes, 1 when one fails, 2 on a bad file', () => {
    const run = (f: string) => spawnSync(process.execPath, ['--import', 'tsx', 'services/cli/main.ts', 'rules', 'test', f], { cwd: root, encoding: 'utf8' });
    const ok = run(file('ok.yaml', hotPump.replace('EXPECTED', '1m30s')));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('✓ a hot pump');
    const failing = run(file('failing.yaml', hotPump.replace('EXPECTED', '1m')));
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/✗ a hot pump\n {4}expected:\n {6}1m00s raise site.hot/);
    expect(run(file('invalid.yaml', 'tests: []')).status).toBe(2);
  });

  it('the command passes on every shipped rule test file', () => {
    const shipped = ['devices/pump/rules.test.yaml', 'devices/elevator/rules.test.yaml', 'devices/gate/rules.test.yaml'];
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'services/cli/main.ts', 'rules', 'test', ...shipped], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
  });
});
