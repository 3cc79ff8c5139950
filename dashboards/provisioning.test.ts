import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { requireProgram } from '../services/testing/harness.ts';
import { influx } from './influxql.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const yaml = (file: string) => parseYaml(readFileSync(root + file, 'utf8'));
const compose = requireProgram('docker-compose', 'docker-compose');

describe('Grafana provisioning', () => {
  it('gives both InfluxDB variants the uid every board uses, with InfluxQL settings', () => {
    for (const file of ['dashboards/provisioning/datasources/influxdb.yaml', 'dashboards/provisioning/variants/influxdb-2x.yaml']) {
      const [ds] = yaml(file).datasources;
      expect(ds, file).toMatchObject({
        uid: influx.uid,
        type: 'influxdb',
        access: 'proxy',
        url: '${FMS_INFLUX_URL}',
        jsonData: { dbName: '${FMS_INFLUX_DB}', httpMode: 'GET' },
      });
    }
    expect(yaml('dashboards/provisioning/variants/influxdb-2x.yaml').datasources[0].secureJsonData.httpHeaderValue1).toBe('Token ${FMS_INFLUX_READ_TOKEN}');
  });

  it('loads the generated boards from where the compose file mounts them', () => {
    const provider = yaml('dashboards/provisioning/dashboards/fms.yaml').providers[0];
    const grafana = yaml('docker-compose.yml').services.grafana;
    expect(grafana.volumes).toContain(`./dashboards/generated:${provider.options.path}:ro`);
    // The Grafana image and the foundation SDK the boards are built with are the same minor version.
    const sdk = JSON.parse(readFileSync(root + 'package.json', 'utf8')).devDependencies['@grafana/grafana-foundation-sdk'] as string;
    expect(grafana.image).toMatch(new RegExp(`:${sdk.split('.').slice(0, 2).join('\\.')}\\.`));
  });
});

describe.skipIf(!compose.available)(`docker-compose.yml ${compose.reason}`, () => {
  it('is valid for docker-compose, with the example .env, in both profiles', () => {
    const run = (...args: string[]) =>
      execFileSync('docker-compose', ['--env-file', '.env.example', '-f', 'docker-compose.yml', ...args], { cwd: root, encoding: 'utf8' });
    expect(run('config', '-q')).toBe('');
    expect(run('--profile', 'scale-out', 'config', '--services').trim().split('\n').sort()).toEqual(['fms', 'grafana', 'influxdb', 'mosquitto', 'postgres']);
    const services = yaml('docker-compose.yml').services;
    expect([services.mosquitto.profiles, services.postgres.profiles, services.fms.profiles]).toEqual([['scale-out'], ['scale-out'], undefined]);
  });

  it('refuses to start without the passwords of the .env file', () => {
    expect(() =>
      execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, stdio: 'pipe', env: { PATH: process.env.PATH } }),
    ).toThrow(/set FMS_INFLUX_WRITE_PASSWORD in \.env/);
  });
});
