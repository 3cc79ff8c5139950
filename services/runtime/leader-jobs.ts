import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { AlarmStore } from '../alarms/alarm-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ConditionWatch } from '../condition/condition-watch.ts';
import type { FleetLearning } from '../condition/fleet-learning.ts';
import { estateStatus } from './estate-status.ts';
import type { PmPlanService } from '../pm/pm-plan-service.ts';
import type { PmScheduler } from '../pm/pm-scheduler.ts';
import type { RuleService } from '../rules/rule-service.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import type { DirectoryService } from '../work-orders/directory-service.ts';
import type { Logger } from 'pino';
import type { Jobs } from './jobs.ts';

/**
 * The estate's scheduled work. With several instances only the leader runs it (docs/scaling.md), and
 * each instance takes what the others changed over the API within seconds.
 */
export function scheduleEstateJobs(
  jobs: Jobs,
  d: {
    leader: () => boolean;
    cluster: boolean;
    workOrders: Pick<WorkOrderService, 'sweep' | 'countOpen'>;
    assets: AssetRegistry;
    alarmStore: AlarmStore;
    telemetry: Pick<TelemetryStore, 'writeStatus'>;
    audit: Pick<AuditLog, 'prune'>;
    auditRetentionMs: number;
    accounts: Pick<Accounts, 'prune'>;
    pm: Pick<PmScheduler, 'tick'>;
    pmPlans: Pick<PmPlanService, 'refresh'>;
    ruleService: Pick<RuleService, 'refresh'>;
    directory: Pick<DirectoryService, 'refresh'>;
    conditionWatch: Pick<ConditionWatch, 'check'>;
    learning: Pick<FleetLearning, 'learn'>;
    now: () => number;
    log: Logger;
  },
): void {
  const { leader, now } = d;
  // Escalations, sensor checks and closing fall due by the orders' wake times in the database.
  jobs.every('work-order sweep', { every: 5000, when: leader }, () => d.workOrders.sweep());
  // The estate's state per site, every minute, for the Grafana overview board (InfluxDB keeps it).
  jobs.every('estate status', { every: 60_000, when: leader }, async () => {
    for (const p of await estateStatus(now(), d.assets, d.alarmStore, d.workOrders)) d.telemetry.writeStatus(p);
  });
  // The audit log keeps FMS_AUDIT_RETENTION.
  jobs.every('audit pruning', { every: 3_600_000, when: leader }, () => d.audit.prune(now() - d.auditRetentionMs));
  // Expired console sessions and sign-in links, and failed sign-ins long forgotten, leave the database.
  jobs.every('session pruning', { every: 3_600_000, when: leader }, () => d.accounts.prune());
  // Preventive maintenance: what is due is read from the plans and the database every minute.
  jobs.every('PM generation', { every: 60_000, firstAfter: 1000, when: leader }, () => d.pm.tick());
  // What the estate's past failures teach the predictions, daily (every instance: each answers GET /api/assets/{id}/health).
  jobs.every('learning from past failures', { every: 86_400_000, firstAfter: 30_000 }, () => d.learning.learn());
  // Every asset's condition, hourly (a minute after the start): predictive work orders, the asset board's condition panel.
  jobs.every('condition check', { every: 3_600_000, firstAfter: 60_000, when: leader }, () => d.conditionWatch.check());
  if (!d.cluster) return;
  // What another instance changed over the API (assets, rules, PM plans, people and teams) reaches this one within a few seconds.
  jobs.every('taking other instances’ changes', { every: 3000 }, async () => {
    const a = await d.assets.refresh();
    if (a.added || a.changed || a.removed) d.log.info(a, 'assets changed by another instance');
    await d.ruleService.refresh();
    await d.pmPlans.refresh();
    // Dispatch and escalation read the directory in memory: another instance's change reaches them here.
    if (await d.directory.refresh()) d.log.info('people or teams changed by another instance');
  });
}
