import { describe, expect, it } from 'vitest';
import { estateStatus } from './estate-status.ts';

describe('estate status for the overview board', () => {
  it('counts per site: assets online and offline, open alarms, open work orders by priority and breached', async () => {
    const assets = [
      { id: 'p1', site: 'riverside' },
      { id: 'p2', site: 'riverside' },
      { id: 'g1', site: 'lakeview' },
    ];
    const connection: Record<string, string> = { p1: 'online', p2: 'offline', g1: 'unknown' };
    const points = await estateStatus(
      1000,
      { list: () => assets, status: (id) => ({ connection: connection[id]! }) },
      {
        listOpen: async () => [
          { site: 'riverside', severity: 'critical' },
          { site: 'riverside', severity: 'warning' },
          { site: 'system', severity: 'critical' },
        ],
      },
      {
        countOpen: async () => [
          { site: 'riverside', priority: 'P1', breached: true, n: 1 },
          { site: 'riverside', priority: 'P3', breached: false, n: 2 },
          { site: null, priority: 'P4', breached: false, n: 5 },
        ],
      },
    );
    expect(points).toEqual([
      {
        site: 'riverside',
        ts: 1000,
        fields: expect.objectContaining({
          assets: 2,
          assets_online: 1,
          assets_offline: 1,
          alarms_active: 2,
          alarms_critical: 1,
          work_orders_open: 3,
          work_orders_p1: 1,
          work_orders_p3: 2,
          work_orders_breached: 1,
        }),
      },
      { site: 'lakeview', ts: 1000, fields: expect.objectContaining({ assets: 1, assets_online: 0, alarms_active: 0, work_orders_open: 0 }) },
    ]);
  });
});
