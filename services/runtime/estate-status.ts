import { SYSTEM_SITE } from '../alarms/alarm-service.ts';
import type { StatusPoint } from '../telemetry/telemetry-store.ts';

/** Per site: assets online and offline, open alarms (critical), open work orders by priority and breached. */
export async function estateStatus(
  at: number,
  assets: { list(): { id: string; site: string }[]; status(id: string): { connection: string } },
  alarms: { listOpen(): Promise<{ site: string; severity: string }[]> },
  workOrders: { countOpen(): Promise<{ site: string | null; priority: string; breached: boolean; n: number }[]> },
): Promise<StatusPoint[]> {
  const bySite = new Map<string, Record<string, number>>();
  const site = (id: string) => {
    let f = bySite.get(id);
    if (!f)
      bySite.set(
        id,
        (f = {
          assets: 0,
          assets_online: 0,
          assets_offline: 0,
          alarms_active: 0,
          alarms_critical: 0,
          work_orders_open: 0,
          work_orders_p1: 0,
          work_orders_p2: 0,
          work_orders_p3: 0,
          work_orders_p4: 0,
          work_orders_breached: 0,
        }),
      );
    return f;
  };
  for (const a of assets.list()) {
    const f = site(a.site);
    f.assets! += 1;
    const c = assets.status(a.id).connection;
    if (c === 'online') f.assets_online! += 1;
    if (c === 'offline') f.assets_offline! += 1;
  }
  for (const a of await alarms.listOpen()) {
    if (a.site === SYSTEM_SITE) continue;
    const f = site(a.site);
    f.alarms_active! += 1;
    if (a.severity === 'critical') f.alarms_critical! += 1;
  }
  for (const w of await workOrders.countOpen()) {
    if (!w.site) continue;
    const f = site(w.site);
    f.work_orders_open! += w.n;
    f[`work_orders_${w.priority.toLowerCase()}`] = (f[`work_orders_${w.priority.toLowerCase()}`] ?? 0) + w.n;
    if (w.breached) f.work_orders_breached! += w.n;
  }
  return [...bySite].map(([s, fields]) => ({ site: s, ts: at, fields }));
}
