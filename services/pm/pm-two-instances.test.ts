import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

describe('two FMS instances on one database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-pm-two-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('create each preventive-maintenance occurrence once between them', async () => {
    const elevators = 4;
    const start = String(Date.UTC(2026, 0, 1, 2));
    const instance = () => run(process.execPath, ['--import', 'tsx', 'services/pm/testing/pm-instance.ts', dir, String(elevators), start], { cwd: root, timeout: 120_000 });
    // The schema first, so that both processes find it ready.
    await (await openDatabase(dir)).close();
    const results = (await Promise.all([instance(), instance()])).map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { claimed: number; errors: string[] });
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    const database = await openDatabase(dir);
    try {
      const orders = await database.db.selectFrom('work_orders').select(['pm_key']).where('source', '=', 'pm').execute();
      expect(orders).toHaveLength(24 * elevators);
      expect(new Set(orders.map((o) => o.pm_key)).size).toBe(24 * elevators);
      expect(results[0]!.claimed + results[1]!.claimed).toBe(24 * elevators);
      const occurrences = await database.db.selectFrom('pm_occurrences').select(['key', 'work_order_id']).execute();
      expect(occurrences.filter((o) => o.work_order_id === null)).toEqual([]);
    } finally {
      await database.close();
    }
  }, 180_000);
});
