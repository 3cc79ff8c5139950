/**
 * One FMS instance's PM scheduler over a simulated year, on the database given as the first argument:
 * a folder (SQLite) or a postgres:// URL. pm-two-instances.test.ts runs two of these at once against one database.
 */
import pino from 'pino';
import type { Asset } from '../../assets/asset.ts';
import { openDatabase } from '../../db/database.ts';
import { createMetrics } from '../../shared/metrics.ts';
import { createTestWorkOrderService } from '../../testing/work-orders.ts';
import { createPmPlanService, loadPlanTemplates } from '../pm-plan-service.ts';
import { createPmScheduler } from '../pm-scheduler.ts';
import { createKyselyPmStore } from '../pm-store.kysely.ts';

const [dir, elevators, start] = process.argv.slice(2);
const T0 = Number(start);
const DAY = 86_400_000;
const assets: Asset[] = Array.from({ length: Number(elevators) }, (_, i) => ({
  id: `e${i + 1}`,
  type: 'elevator',
  site: 'riverside',
  name: `e${i + 1}`,
  location: '',
  criticality: 5,
  tags: [],
  installedAt: null,
  origin: 'config',
  createdAt: 0,
  updatedAt: 0,
  maintenance: null,
}));

const database = dir!.startsWith('postgres') ? await openDatabase(':memory:', dir) : await openDatabase(dir!);
let now = T0;
const { service: workOrders } = createTestWorkOrderService({ db: database.db, now: () => now, assets });
const store = createKyselyPmStore(database.db);
const plans = await createPmPlanService({ store, templates: loadPlanTemplates().filter((p) => p.assetType === 'elevator'), filePlans: [], now: () => now });
const errors: string[] = [];
const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line).err?.message ?? line) });
const scheduler = createPmScheduler({
  store,
  plans,
  assets: { list: () => assets, get: (id) => assets.find((a) => a.id === id) },
  workOrders,
  telemetry: { aggregate: async () => [] },
  siteTimeZone: () => 'Asia/Shanghai',
  log,
  metrics: createMetrics(),
  now: () => now,
});
let claimed = 0;
for (; now <= T0 + 365 * DAY; now += DAY / 4) claimed += await scheduler.tick(now);
await database.close();
process.stdout.write(JSON.stringify({ claimed, errors }) + '\n');
