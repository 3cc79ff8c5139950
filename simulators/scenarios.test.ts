import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDefaultRules } from '../services/rules/rule-loader.ts';
import { checkScenario } from './scenario-check.ts';
import { generateMessages, loadScenario, scenarioSchema } from './scenario.ts';

const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const rules = loadDefaultRules();
const raisedByScenarios = new Set<string>();

describe('shipped scenarios through ingest validation and the default rules', () => {
  for (const file of files) {
    const scenario = loadScenario(path.join(dir, file));
    it(`${file}: ${scenario.expect?.raises.length ? `raises ${scenario.expect.raises.join(', ')}` : 'raises nothing'}`, () => {
      const outcome = checkScenario(scenario, rules);
      for (const r of outcome.raised) raisedByScenarios.add(r);
      expect([...outcome.raised].sort()).toEqual([...(scenario.expect?.raises ?? [])].sort());
      expect(outcome.messages).toBeGreaterThan(0);
    });
  }

  it('every default rule is raised by a scenario, and normal operation over a week raises none', () => {
    expect(rules.map((r) => r.id).filter((id) => !raisedByScenarios.has(id))).toEqual([]);
    const week = loadScenario(path.join(dir, 'normal-week.yaml'));
    expect(week.duration).toBe(7 * 86_400_000);
    expect(week.expect?.raises).toEqual([]);
  });

  it('rejects what broken devices send, with no alarm: malformed payloads and a clock 10 minutes ahead', () => {
    const outcome = checkScenario(loadScenario(path.join(dir, 'device-faults.yaml')), rules);
    expect(outcome.raised).toEqual([]);
    expect(outcome.rejected).toBeGreaterThan(100);
  });
});

describe('scenario determinism', () => {
  const base = scenarioSchema.parse({
    name: 'mixed',
    duration: '2h',
    devices: [
      { type: 'pump', site: 's', count: 2, prefix: 'p' },
      { type: 'elevator', site: 's', count: 2, prefix: 'e' },
      { type: 'gate', site: 's', count: 2, prefix: 'g' },
    ],
    faults: [
      { at: '20m', device: 'p-01', fault: 'bearing_wear', ramp: '30m' },
      { at: '30m', device: 'e-02', fault: 'door_obstruction', until: '50m' },
      { at: '40m', device: 'g-01', fault: 'spikes' },
    ],
  });
  const digest = (seed: number) => {
    const h = createHash('sha256');
    let n = 0;
    for (const m of generateMessages({ ...base, seed })) {
      h.update(`${m.t} ${m.topic} ${m.payload}\n`);
      n++;
    }
    return { hash: h.digest('hex'), n };
  };

  it('gives the same messages for the same seed, and others for another seed', () => {
    const a = digest(3);
    expect(a.n).toBeGreaterThan(4000);
    expect(digest(3)).toEqual(a);
    expect(digest(4).hash).not.toBe(a.hash);
  });

  it('clears a fault at its `until`: the repair', () => {
    const doorFaults = [...generateMessages({ ...base, seed: 3 })].filter((m) => m.topic === 'fms/s/elevator/e-02/event' && m.payload.includes('door_fault'));
    expect(doorFaults.length).toBeGreaterThan(0);
    for (const m of doorFaults) expect(m.t).toBeLessThan(base.start + 50 * 60_000 + base.interval);
  });
});
