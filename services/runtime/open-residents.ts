import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import type { Tell } from '../residents/message.ts';
import { createKyselyResidentStore } from '../residents/resident-store.kysely.ts';
import { registerResidents } from '../residents/residents.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import type { Estate } from './estate.ts';

/** What startFms may be given beyond the config: how residents are told (the durable outbox; a test's recorder). */
export interface Wiring {
  tell?: Tell | undefined;
}

/** The residents' public pages and the staff's posters (services/residents), on the HTTP API's server. */
export async function openResidents(
  api: FastifyInstance,
  d: {
    config: Config;
    db: Db;
    workOrders: WorkOrderService;
    assets: AssetRegistry;
    estate: Estate;
    metrics: Metrics;
    log: Logger;
    now: () => number;
    tell?: Tell | undefined;
  },
): Promise<void> {
  // Until a channel is wired, the resident is not told; the page still shows them their tracking link.
  const untold: Tell = async (_to, message) =>
    d.log.warn({ event: message.event, subjectId: message.subjectId }, 'resident not told: no channel wired (tests only)');
  await registerResidents(api, {
    config: d.config.estate.residents,
    store: createKyselyResidentStore(d.db),
    workOrders: d.workOrders,
    assets: d.assets,
    sites: d.estate.sites,
    siteName: (site) => d.config.estate.sites.find((s) => s.id === site)?.name ?? site,
    timeZoneOf: d.estate.timeZoneOf,
    tell: d.tell ?? untold,
    metrics: d.metrics,
    log: d.log,
    now: d.now,
  });
}
