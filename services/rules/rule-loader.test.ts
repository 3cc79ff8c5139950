import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefaultRules, loadRuleFile } from './rule-loader.ts';

describe('default rule packs', () => {
  const rules = loadDefaultRules();

  it('load and validate for every device type, with unique ids', () => {
    expect(new Set(rules.map((r) => r.assetType))).toEqual(new Set(['pump', 'elevator', 'gate']));
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  it('contain the first rules of the foundation: pump vibration, entrapment and forced-open', () => {
    expect(rules.find((r) => r.id === 'pump.vibration-critical')).toMatchObject({
      metric: 'vibration_mms',
      when: { op: '>', value: 7.1 },
      for: 60_000,
      severity: 'critical',
      workOrder: { priority: 'P2' },
    });
    expect(rules.find((r) => r.id === 'elevator.entrapment')).toMatchObject({ on: 'entrapment', safety: true, workOrder: { priority: 'P1' } });
    expect(rules.find((r) => r.id === 'gate.forced-open')).toMatchObject({ on: 'forced_open', workOrder: { priority: 'P1' } });
  });

  it('every rule says why it exists', () => {
    for (const r of rules) expect(r.description, r.id).toBeTruthy();
  });
});

describe('loadRuleFile', () => {
  it('names the file, the rule and the field of each problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fms-rules-'));
    const file = path.join(dir, 'rules.yaml');
    writeFileSync(
      file,
      `
- id: ok.rule
  assetType: pump
  metric: vibration_mms
  when: { op: ">", value: 7.1 }
  severity: critical
- id: bad.rule
  assetType: pump
  metric: vibration_mms
  when: { op: "~", value: 7.1 }
  for: 1 minute
  severity: fatal
`,
    );
    expect(() => loadRuleFile(file)).toThrow(/\[1\]\.when: expected \{ op, value \}/);
    expect(() => loadRuleFile(file)).toThrow(/\[1\]\.for: expected a duration such as 500ms/);
    expect(() => loadRuleFile(file)).toThrow(/\[1\]\.severity: expected one of info, warning, major, critical/);
  });
});
