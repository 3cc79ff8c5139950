import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildBoards, toJson } from './index.ts';
import { dashboardSchema } from './schema/generate-schema.ts';

const generatedDir = fileURLToPath(new URL('./generated/', import.meta.url));
const schemaFile = fileURLToPath(new URL('./schema/dashboard.schema.json', import.meta.url));
const boards = buildBoards();

type Panel = {
  type: string;
  title: string;
  datasource?: { uid: string };
  fieldConfig?: { defaults: { unit?: string; thresholds?: { steps: { value: number | null; color: string }[] } } };
  targets?: { query: string }[];
};
const panelsOf = (file: string) => (boards[file]!.panels ?? []) as unknown as Panel[];

describe('Grafana boards as code', () => {
  it('are generated: dashboards/generated/ matches the code (run npm run dashboards)', () => {
    expect(readdirSync(generatedDir).sort()).toEqual(Object.keys(boards).sort());
    for (const [file, board] of Object.entries(boards))
      expect(readFileSync(generatedDir + file, 'utf8'), `${file} is stale: run npm run dashboards`).toBe(toJson(board));
  });

  it("validate against Grafana's dashboard schema (derived from the pinned foundation SDK)", () => {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    expect(schema, 'the committed schema is stale: run npm run dashboards:schema').toEqual(JSON.parse(JSON.stringify(dashboardSchema())));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    for (const [file, board] of Object.entries(boards)) {
      const ok = validate(JSON.parse(toJson(board)));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(ok).toBe(true);
    }
    // The schema has teeth: a malformed board fails.
    expect(validate({ title: 'x', panels: 'not a list', schemaVersion: 'forty' })).toBe(false);
  });

  it('set units, thresholds, defaults and the InfluxDB datasource on every panel', () => {
    for (const file of Object.keys(boards)) {
      const board = boards[file]!;
      expect(board.time, file).toEqual({ from: 'now-6h', to: 'now' });
      expect(board.refresh, file).toBe('30s');
      expect(board.uid, file).toMatch(/^fms-/);
      for (const p of panelsOf(file).filter((x) => x.type !== 'row')) {
        expect(p.datasource?.uid, `${file}: ${p.title}`).toBe('fms-influxdb');
        expect(p.targets?.length, `${file}: ${p.title}`).toBeGreaterThan(0);
        if (p.type === 'timeseries') expect(p.fieldConfig?.defaults.unit, `${file}: ${p.title}`).toBeTruthy();
      }
    }
    const vibration = panelsOf('pumps.json').find((p) => p.title === 'Vibration (RMS velocity)')!;
    expect(vibration.fieldConfig!.defaults).toMatchObject({
      unit: 'velocitymms',
      thresholds: { steps: [{ color: 'green' }, { value: 4.5, color: 'yellow' }, { value: 7.1, color: 'red' }] },
    });
  });

  it('offer site and asset variables, and alarms as annotations, on the device boards', () => {
    for (const file of ['pumps.json', 'elevators.json', 'gates.json', 'asset.json']) {
      const names = (boards[file]!.templating?.list ?? []).map((v) => v.name);
      expect(names, file).toEqual(expect.arrayContaining(['site', 'asset']));
      expect(JSON.stringify(boards[file]!.annotations), file).toMatch(/FROM \\"alarms\\"/);
    }
  });
});
