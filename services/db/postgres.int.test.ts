import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFms, type Fms } from '../app.ts';
import { testConfig } from '../config/config.ts';
import { captureLogger, waitFor } from '../testing/harness.ts';
import { requirePostgres, startPostgres, type Postgres } from '../testing/postgres.ts';

const postgres = requirePostgres();
const estate = {
  sites: [{ id: 'riverside' }],
  assets: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside' }],
  people: [{ id: 'li-wei', name: 'Li Wei' }],
};

describe.skipIf(!postgres.available)(`FMS on PostgreSQL (FMS_DATABASE_URL) ${postgres.reason}`, () => {
  let server: Postgres;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  }, 60_000);
  afterAll(() => server?.destroy());

  const start = () => startFms(testConfig({ estate, FMS_DATABASE_URL: url }), captureLogger().log);
  const openOrder = (fms: Fms, title: string) =>
    fms.api.inject({
      method: 'POST',
      url: '/api/work-orders',
      payload: { source: 'inspection', channel: 'inspection', category: 'repair', title, assetId: 'rs-pump-01', by: 'li-wei' },
    });

  it('keeps its work orders in PostgreSQL across a restart', async () => {
    let fms = await start();
    const created = (await openOrder(fms, 'Seal leaking')).json();
    expect(created.id).toMatch(/^WO-\d{4}-000001$/);
    await fms.stop();
    fms = await start();
    try {
      const order = (await fms.api.inject({ method: 'GET', url: `/api/work-orders/${created.id}` })).json();
      expect(order).toMatchObject({ id: created.id, title: 'Seal leaking', assetId: 'rs-pump-01' });
      expect((await fms.api.inject({ method: 'GET', url: '/api/health' })).json().database).toEqual({ state: 'up' });
    } finally {
      await fms.stop();
    }
  });

  it('shows the database down while PostgreSQL is stopped, and works again by itself when it returns', async () => {
    const fms = await start();
    try {
      await server.stop('immediate');
      const down = await fms.api.inject({ method: 'GET', url: '/api/health' });
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ status: 'degraded', database: { state: 'down' } });
      const refused = await openOrder(fms, 'During the outage');
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error.code).toBe('FMS_ERR_DATABASE_DOWN');

      await server.start();
      await waitFor(async () => (await fms.api.inject({ method: 'GET', url: '/api/health' })).json().database.state === 'up', 20_000, 'the database back up');
      const after = await openOrder(fms, 'After the outage');
      expect(after.statusCode).toBe(201);
    } finally {
      await fms.stop();
    }
  });

  it('refuses to start when PostgreSQL cannot be reached, saying where it looked', async () => {
    const config = testConfig({ estate, FMS_DATABASE_URL: 'postgres://fms:secret@127.0.0.1:1/fms' });
    await expect(startFms(config, captureLogger().log)).rejects.toThrow(/^FMS_DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1\/fms: .*ECONNREFUSED/);
  });
});
