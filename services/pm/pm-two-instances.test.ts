import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { eachDatabase } from '../testing/databases.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

eachDatabase('two FMS instances on one database', (_open, place) => {
  it('create each preventive-maintenance occurrence once between them', async () => {
    const elevators = 4;
    const start = String(Date.UTC(2026, 0, 1, 2));
    const where = await place();
    // The schema first, so that both processes find it ready.
    await (await where.open()).close();
    const instance = () =>
      run(process.execPath, ['--import', 'tsx', 'services/pm/testing/pm-instance.ts', where.target, String(elevators), start], { cwd: root, timeout: 120_000 });
    const results = (await Promise.all([instance(), instance()])).map(
      (r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { claimed: number; errors: string[] },
    );
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    const database = await where.open();
    try {
      const orders = await database.db.selectFrom('work_orders').select(['pm_key']).where('source', '=', 'pm').execute();
      expect(orders).toHaveLength(24 * elevators);
      expect(new Set(orders.map((o) => o.pm_key)).size).toBe(24 * elevators);
      expect(results[0]!.claimed + results[1]!.claimed).toBe(24 * elevators);
      const occurrences = await database.db.selectFrom('pm_occurrences').select(['key', 'work_order_id']).execute();
      expect(occurrences.filter((o) => o.work_order_id === null)).toEqual([]);
    } finally {
      await database.close();
      where.remove();
    }
  }, 180_000);
});
