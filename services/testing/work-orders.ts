import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Alarm } from '../alarms/alarm.ts';
import type { Asset } from '../assets/asset.ts';
import type { Db } from '../db/database.ts';
import { estateFileSchema } from '../config/estate-file.ts';
import { createMetrics, type Metrics } from '../shared/metrics.ts';
import { createAttachmentFiles } from '../work-orders/attachment-files.ts';
import { createDirectory, type Directory } from '../work-orders/people.ts';
import { createSlaPolicy } from '../work-orders/sla.ts';
import { createWorkOrderService, type WorkOrderServiceDeps } from '../work-orders/work-order-service.ts';
import { createKyselyWorkOrderStore } from '../work-orders/work-order-store.kysely.ts';
import { announceWorkOrders } from '../work-orders/work-order-announcer.ts';

/** A small estate for work-order tests: one site, a team of two technicians, a supervisor and a manager. */
export const workOrderEstate = {
  sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump', 'electrical'] },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['pump', 'elevator'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
    { id: 'wang-fang', name: 'Wang Fang', role: 'manager' },
  ],
  teams: [
    {
      id: 'riverside-eng',
      name: 'Riverside engineering',
      sites: ['riverside'],
      members: ['li-wei', 'chen-jie'],
      supervisor: 'zhang-min',
      manager: 'wang-fang',
    },
  ],
};

export interface TestWorkOrderOptions {
  db: Db;
  now: () => number;
  /** The estate file's content (people, teams, dispatch, sla, workOrders); `workOrderEstate` by default. */
  estate?: unknown;
  assets?: Asset[];
  faultAlarms?: WorkOrderServiceDeps['faultAlarms'];
  ruleById?: WorkOrderServiceDeps['ruleById'];
  /** Last time each asset was heard from (sensor checks wait for data); `now` by default. */
  lastSeen?: (assetId: string) => number | null;
  published?: { topic: string; payload: Record<string, unknown> }[];
  metrics?: Metrics;
  /** What one order may hold (the service's default otherwise). */
  attachmentQuota?: WorkOrderServiceDeps['attachmentQuota'];
  /** The live directory; by default the estate's people and teams, as they are. */
  directory?: () => Directory;
}

/** The work-order service on a real database with a parsed estate, for tests. */
export function createTestWorkOrderService(o: TestWorkOrderOptions) {
  const estate = estateFileSchema.parse(o.estate ?? workOrderEstate);
  const assets = new Map((o.assets ?? []).map((a) => [a.id, a]));
  const siteTimeZone = (site: string | null) => estate.sites.find((s) => s.id === site)?.timeZone ?? 'UTC';
  const maintenance = new Map<string, { until: number; by: string } | null>();
  const files = createAttachmentFiles(mkdtempSync(path.join(os.tmpdir(), 'fms-test-attachments-')));
  const directory = createDirectory(estate.people, estate.teams, estate.dispatch);
  const service = createWorkOrderService({
    store: createKyselyWorkOrderStore(o.db),
    log: pino({ level: 'silent' }),
    metrics: o.metrics ?? createMetrics(),
    now: o.now,
    timeZone: 'Asia/Shanghai',
    siteTimeZone,
    directory: o.directory ?? (() => directory),
    sla: createSlaPolicy(estate.sla, siteTimeZone),
    process: estate.workOrders,
    assets: {
      get: (id) => {
        const a = assets.get(id);
        return a && { ...a, maintenance: maintenance.get(id) ?? a.maintenance };
      },
      status: (id) => ({ lastSeen: o.lastSeen ? o.lastSeen(id) : o.now() }),
      setMaintenance: async (id, m) => void maintenance.set(id, m),
    },
    faultAlarms: o.faultAlarms ?? (async (): Promise<Alarm[]> => []),
    ruleById: o.ruleById,
    files,
    attachmentMaxBytes: 1024 * 1024,
    attachmentQuota: o.attachmentQuota,
  });
  // What integrations would hear on MQTT.
  announceWorkOrders(service, {
    bus: { publish: async (topic, payload) => void o.published?.push({ topic, payload: JSON.parse(String(payload)) as Record<string, unknown> }) },
    log: pino({ level: 'silent' }),
  });
  return { service, maintenance, files };
}
