import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';
import { startMosquitto, type Mosquitto } from '../testing/mosquitto.ts';
import { requirePostgres, startPostgres, type Postgres } from '../testing/postgres.ts';
import { partitionOf } from './coordinator.ts';

const postgres = requirePostgres();
const mosquitto = requireProgram('mosquitto', 'mosquitto');

describe.skipIf(!postgres.available || !mosquitto.available)(`what one instance changes, the others take ${postgres.reason || mosquitto.reason}`, () => {
  let pg: Postgres;
  let broker: Mosquitto;
  let a: Fms;
  let b: Fms;
  beforeAll(async () => {
    [pg, broker] = await Promise.all([startPostgres(), startMosquitto()]);
    const url = await pg.createDatabase();
    const estate = {
      sites: [{ id: 'riverside' }],
      assets: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside' }],
      people: [
        { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
        { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
      ],
      teams: [{ id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei'], supervisor: 'zhang-min' }],
    };
    a = await startTestFms(estate, { FMS_MQTT_URL: broker.url, FMS_DATABASE_URL: url, FMS_INSTANCE_ID: 'a' });
    b = await startTestFms(estate, { FMS_MQTT_URL: broker.url, FMS_DATABASE_URL: url, FMS_INSTANCE_ID: 'b' });
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await Promise.all([pg?.destroy(), broker?.destroy()]);
  });

  const status = async (fms: Fms, url: string) => (await fms.api.inject({ method: 'GET', url })).statusCode;

  it('an asset registered on one instance is known to the other, which takes its readings', async () => {
    // An asset whose partition b owns, registered on a.
    await waitFor(async () => (await b.api.inject({ method: 'GET', url: '/api/health' })).json().cluster.partitions === 32, 10_000, 'the partitions split');
    const ownedByB = new Set<number>((await b.api.inject({ method: 'GET', url: '/api/health' })).json().cluster.owned);
    const id = Array.from({ length: 100 }, (_, i) => `rs-pump-${i + 10}`).find((x) => ownedByB.has(partitionOf(x)))!;
    const created = await a.api.inject({ method: 'POST', url: '/api/assets', payload: { id, type: 'pump', site: 'riverside' } });
    expect(created.statusCode).toBe(201);
    // The device reports at once, before b's periodic reload: b (if it owns the asset) reloads the register first.
    const device = await mqtt.connectAsync(broker.url, { clientId: id });
    try {
      await device.publishAsync(`fms/riverside/pump/${id}/telemetry`, JSON.stringify({ pressure_out_bar: 3.3 }), { qos: 1 });
    } finally {
      await device.endAsync();
    }
    // Taken by whichever instance owns the asset's partition (each keeps its own embedded store here;
    // with InfluxDB, as docs/scaling.md asks, either would show it).
    const has = async (fms: Fms) => (await fms.api.inject({ method: 'GET', url: `/api/assets/${id}/latest` })).json().metrics?.pressure_out_bar?.value === 3.3;
    expect(await waitFor(() => has(b), 10_000, 'the reading at b')).toBe(true);
    for (const fms of [a, b]) expect((await fms.api.inject({ method: 'GET', url: '/api/ingest/rejected' })).json().items).toEqual([]);
    await waitFor(async () => (await status(b, `/api/assets/${id}`)) === 200, 10_000, 'b to know the asset');
  });

  it('a technician added to a team on one instance gets the next order the other dispatches; disabled there, not on the first', async () => {
    const intake = { source: 'inspection', channel: 'inspection', category: 'repair', title: 'Gland leaking', assetId: 'rs-pump-01', by: 'zhang-min' };
    const open = async (fms: Fms) => (await fms.api.inject({ method: 'POST', url: '/api/work-orders', payload: intake })).json().assignee;
    expect(await open(a)).toBe('li-wei');
    expect((await a.api.inject({ method: 'POST', url: '/api/people', payload: { id: 'sun-yu', name: 'Sun Yu', skills: ['pump'] } })).statusCode).toBe(201);
    expect((await a.api.inject({ method: 'PATCH', url: '/api/teams/riverside-eng', payload: { members: ['li-wei', 'sun-yu'] } })).statusCode).toBe(200);
    const members = async (fms: Fms) => (await fms.api.inject({ method: 'GET', url: '/api/teams/riverside-eng' })).json().members;
    await waitFor(async () => (await members(b)).includes('sun-yu'), 10_000, 'b to have Sun Yu on the team');
    expect(await open(b)).toBe('sun-yu'); // none against Li Wei's one

    expect((await b.api.inject({ method: 'POST', url: '/api/people/sun-yu/disable' })).statusCode).toBe(200);
    const enabled = async (fms: Fms) => (await fms.api.inject({ method: 'GET', url: '/api/people/sun-yu' })).json().enabled;
    await waitFor(async () => (await enabled(a)) === false, 10_000, 'a to know Sun Yu is disabled');
    expect(await open(a)).toBe('li-wei'); // two orders against one, but the only one enabled
  });

  it('a rule and a PM plan created on one instance are in force on the other', async () => {
    const rule = { id: 'site.hot-pump', assetType: 'pump', metric: 'motor_temp_c', when: { op: '>', value: 75 }, severity: 'major' };
    expect((await b.api.inject({ method: 'POST', url: '/api/rules', payload: rule })).statusCode).toBeLessThan(300);
    await waitFor(async () => (await status(a, '/api/rules/site.hot-pump')) === 200, 10_000, 'a to have the rule');
    const plan = { id: 'pump.greasing', title: 'Grease the bearings', assetType: 'pump', trigger: { every: '30d' } };
    expect((await a.api.inject({ method: 'POST', url: '/api/pm-plans', payload: plan })).statusCode).toBe(201);
    await waitFor(async () => (await status(b, '/api/pm-plans/pump.greasing')) === 200, 10_000, 'b to have the plan');
  });
});
