import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { newOrder } from '../work-orders/work-order.ts';
import { createKyselyWorkOrderStore } from '../work-orders/work-order-store.kysely.ts';
import { openDatabase } from './database.ts';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const OPEN = "('new','assigned','acknowledged','in_progress','on_hold','resolved','verified')";
/** The console board's page of open orders (work-order-store.kysely.ts `list` with the open states). */
const BOARD_PAGE = `SELECT * FROM work_orders WHERE state IN ${OPEN} ORDER BY created_at DESC, seq DESC LIMIT 50 OFFSET 0`;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const planOf = (file: string, query: string) => {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
  } finally {
    db.close();
  }
};

it('a SQLite database that grew gets its planner statistics when opened: the board reads 50 open orders by creation time, not all of them sorted', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fms-db-'));
  const file = path.join(dir, 'fms.db');
  let database = await openDatabase(dir);
  const store = createKyselyWorkOrderStore(database.db);
  for (let i = 0; i < 500; i++) {
    const draft = newOrder(
      {
        ...{ source: 'request', channel: 'hotline', category: 'repair', priority: 'P3', title: `Request ${i}`, description: '' },
        ...{ assetId: null, assetType: null, site: 'riverside', location: 'Lobby', requester: null, ruleId: null, alarmId: null, faultKey: null },
        ...{ parentId: null, pmPlanId: null, pmKey: null, dueAt: null, checklist: [], createdAt: T0 + i * 60_000 },
      },
      { calendar: 'always', clocks: {}, pausedSince: null },
      { required: [], passed: [], sensorWindowMs: 1_800_000, sensorCheckAt: null },
    );
    await store.openOrAttach(draft, 2026, { at: draft.createdAt, actor: 'system', note: null, data: {} });
  }
  // Without statistics the planner reads every open order through the state index and sorts them.
  expect(planOf(file, BOARD_PAGE)).toContain('TEMP B-TREE');
  await database.close();

  database = await openDatabase(dir);
  try {
    expect(planOf(file, BOARD_PAGE)).toMatch(/SCAN work_orders USING INDEX work_orders_created$/);
    expect((await createKyselyWorkOrderStore(database.db).list({ state: ['new'], limit: 50, offset: 0 })).total).toBe(500);
    await database.optimize();
  } finally {
    await database.close();
  }
});
