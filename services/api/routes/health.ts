import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TelemetryStoreHealth } from '../../telemetry/telemetry-store.ts';
import { publicAccess } from '../access.ts';
import type { ApiDeps } from '../server.ts';

export interface HealthReport {
  status: 'ok' | 'degraded';
  broker: { state: 'up' | 'down'; clients?: number; detail?: string };
  telemetryStore: TelemetryStoreHealth;
  database: { state: 'up' | 'down' };
  /** This instance among several: partitions it evaluates, whether it leads (single: it does everything). */
  /** This instance among several (`instance`, its name: to an admin's key only). */
  cluster: { mode: 'single' | 'cluster'; state: 'up' | 'down'; instance?: string; leader: boolean; partitions: number; owned: number[]; instances: number };
  /** Telemetry readings in the on-disk spool, waiting for the store (InfluxDB) to take them. */
  spoolDepth: number;
  /** Alarm signals waiting to be stored. */
  alarmQueue: number;
  /**
   * People's notifications (docs/notifications.md): deliveries waiting, and the channels whose last
   * attempt failed (a mail server down), since when and why (`detail`: to an admin's key only). A
   * failing channel does not make FMS `degraded`: its deliveries wait in the outbox.
   */
  notifications?: { pending: number; failing: { channel: string; since: number; detail?: string }[] };
  uptimeSeconds: number;
  version: string;
}

export const healthRoutes =
  (deps: ApiDeps): FastifyPluginAsync =>
  async (app) => {
    app
      .withTypeProvider<ZodTypeProvider>()
      .get(
        '/health',
        { config: { access: publicAccess }, schema: { summary: 'State of every part: 200 when all are up, 503 otherwise', tags: ['health'] } },
        async (req, reply) => {
          const report = await deps.health();
          // Anyone may ask whether FMS is up; where it runs (host name, process id) and why a part is
          // down (addresses, error texts) only an admin's key is told, or anyone when keys are off.
          const told = deps.apiAuth !== 'keys' || req.principal?.role === 'admin' ? report : withoutDetails(report);
          return reply.status(report.status === 'ok' ? 200 : 503).send(told);
        },
      );
  };

/** The report without what says where FMS runs and what its parts answered: for callers without an admin's key. */
export function withoutDetails(report: HealthReport): HealthReport {
  const { instance: _instance, ...cluster } = report.cluster;
  const { detail: _broker, ...broker } = report.broker;
  const { detail: _store, ...telemetryStore } = report.telemetryStore;
  const notifications = report.notifications && { ...report.notifications, failing: report.notifications.failing.map(({ detail: _d, ...f }) => f) };
  return { ...report, broker, telemetryStore, cluster, ...(notifications ? { notifications } : {}) };
}
