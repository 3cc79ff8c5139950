import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Asset } from '../../services/assets/asset.ts';
import { openDatabase } from '../../services/db/database.ts';
import { createPmPlanService, loadPlanTemplates } from '../../services/pm/pm-plan-service.ts';
import { createPmScheduler } from '../../services/pm/pm-scheduler.ts';
import { createKyselyPmStore } from '../../services/pm/pm-store.kysely.ts';
import { createMetrics } from '../../services/shared/metrics.ts';
import { createTestWorkOrderService } from '../../services/testing/work-orders.ts';

const DAY = 86_400_000;

/** PM generation over an estate of 1,000 pumps, 200 elevators and 200 gates with the shipped templates, on a SQLite file. */
export async function pmBench(): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-bench-pm-'));
  const database = await openDatabase(dir);
  try {
    const mk = (type: Asset['type'], n: number): Asset[] =>
      Array.from({ length: n }, (_, i) => ({
        id: `${type}-${i + 1}`,
        type,
        site: 'riverside',
        name: '',
        location: '',
        criticality: 3,
        tags: type === 'pump' ? ['domestic-supply'] : [],
        installedAt: null,
        origin: 'config',
        createdAt: 0,
        updatedAt: 0,
        maintenance: null,
      }));
    const assets = [...mk('pump', 1000), ...mk('elevator', 200), ...mk('gate', 200)];
    let now = Date.UTC(2026, 0, 1, 2);
    const { service } = createTestWorkOrderService({ db: database.db, now: () => now, assets });
    const store = createKyselyPmStore(database.db);
    const plans = await createPmPlanService({ store, templates: loadPlanTemplates(), filePlans: [], now: () => now });
    const scheduler = createPmScheduler({
      store,
      plans,
      assets: { list: () => assets, get: (id) => assets.find((a) => a.id === id) },
      workOrders: service,
      telemetry: { aggregate: async () => [] },
      siteTimeZone: () => 'Asia/Shanghai',
      log: pino({ level: 'silent' }),
      metrics: createMetrics(),
      now: () => now,
    });
    const pairs = plans
      .list()
      .reduce((n, p) => n + assets.filter((a) => a.type === p.assetType && (!p.select?.tags || p.select.tags.some((t) => a.tags.includes(t)))).length, 0);
    const time = async () => {
      const t = performance.now();
      const opened = await scheduler.tick(now);
      return { ms: Math.round(performance.now() - t), opened };
    };
    const first = await time();
    const quiet = await time();
    now += DAY + 1000; // the next day: every pump's daily round opens
    const daily = await time();
    return [
      '',
      `Preventive maintenance: ${assets.length.toLocaleString('en')} assets (1,000 pumps, 200 elevators, 200 gates) with the shipped templates, ${pairs.toLocaleString('en')} plan-asset pairs, on a SQLite file:`,
      '',
      '| pass | orders opened | time |',
      '|---|---|---|',
      `| first pass (FMS begins to follow every pair) | ${first.opened} | ${first.ms} ms |`,
      `| a pass with nothing due | ${quiet.opened} | ${quiet.ms} ms |`,
      `| the next day: every pump's daily round | ${daily.opened} | ${daily.ms} ms (${Math.round((daily.opened / daily.ms) * 1000)} orders/s, each claimed, opened and dispatched) |`,
    ];
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
