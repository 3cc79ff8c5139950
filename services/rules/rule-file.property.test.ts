import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isFmsError } from '../shared/errors.ts';
import { loadRuleFile } from './rule-loader.ts';

/** Whatever a rule file holds, loading it gives rules or an FMS_ERR_RULE_INVALID that names the file and the place. */
describe('rule files, property-tested', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-rule-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const load = (text: string) => {
    const file = path.join(dir, `rules-${++n}.yaml`);
    writeFileSync(file, text);
    try {
      return { rules: loadRuleFile(file), file };
    } catch (err) {
      return { err, file };
    }
  };
  const expectClearRefusal = (r: ReturnType<typeof load>) => {
    if (!('err' in r)) return;
    expect(isFmsError(r.err), String(r.err)).toBe(true);
    expect((r.err as { code: string }).code).toBe('FMS_ERR_RULE_INVALID');
    expect((r.err as Error).message).toContain(path.basename(r.file));
  };

  // Rule-shaped objects with plausible and implausible values in every field.
  const ruleish = fc.record(
    {
      id: fc.oneof(fc.constantFrom('pump.hot', 'x', ''), fc.string({ maxLength: 70 })),
      assetType: fc.oneof(fc.constantFrom('pump', 'elevator', 'gate'), fc.string({ maxLength: 10 })),
      metric: fc.oneof(fc.constantFrom('motor_temp_c', 'vibration_mms', 'flow_m3h'), fc.string({ maxLength: 20 })),
      when: fc.oneof(
        fc.record({
          op: fc.constantFrom('>', '<', '>=', '==', 'between', '~'),
          value: fc.oneof(fc.double(), fc.boolean(), fc.string(), fc.array(fc.double(), { maxLength: 3 })),
        }),
        fc.anything(),
      ),
      for: fc.oneof(fc.constantFrom('60s', '5m', '-1s', 'soon'), fc.anything()),
      severity: fc.oneof(fc.constantFrom('info', 'warning', 'major', 'critical'), fc.string({ maxLength: 10 })),
      on: fc.oneof(fc.constantFrom('entrapment', 'forced_open'), fc.string({ maxLength: 10 })),
      workOrder: fc.oneof(fc.record({ priority: fc.constantFrom('P1', 'P2', 'P9'), title: fc.string({ maxLength: 30 }) }), fc.anything()),
    },
    { requiredKeys: [] },
  );

  it('loads rule-shaped YAML or refuses it clearly', () => {
    fc.assert(
      fc.property(fc.array(ruleish, { maxLength: 4 }), (rules) => expectClearRefusal(load(stringify(rules)))),
      { numRuns: 400 },
    );
  });

  it('refuses any other text clearly (not YAML, not a list, anything)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.anything().map((v) => stringify(v) ?? ''),
        ),
        (text) => expectClearRefusal(load(text)),
      ),
      { numRuns: 400 },
    );
  });
});
