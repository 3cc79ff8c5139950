import { z } from 'zod';
import { assetInputSchema, idSchema } from '../assets/asset.ts';
import { ruleSchema } from '../rules/rule-schema.ts';
import { checkDirectory, dispatchConfigSchema, personSchema, teamSchema } from '../work-orders/people.ts';
import { processConfigSchema } from '../work-orders/process-config.ts';
import { pmPlanSchema } from '../pm/pm-plan.ts';
import { slaConfigSchema } from '../work-orders/sla.ts';
import { reportsConfigSchema } from '../reports/reports-config.ts';
import { notificationsConfigSchema } from '../notifications/notifications-config.ts';
import { residentsConfigSchema } from '../residents/residents-config.ts';

const settingKey = z.string().regex(/^FMS_[A-Z_]+$/, 'expected an FMS_* variable name');

export const siteSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200).optional(),
  /** IANA time zone of the site; FMS_TZ when absent. */
  timeZone: z.string().optional(),
  /** Language of the site's scheduled reports; `reports.language` when absent. */
  language: z.enum(['en', 'zh'], { error: 'expected en or zh' }).optional(),
});

export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  secret: z.string().min(16, 'expected a secret of at least 16 characters').optional(),
  events: z
    .array(z.enum(['alarm', 'work-order']))
    .min(1)
    .default(['alarm', 'work-order']),
  sites: z.array(idSchema).optional(),
});

/** The FMS_CONFIG file: settings (the same variables as the environment), sites, assets, teams and rules. */
export const estateFileSchema = z
  .strictObject({
    settings: z.record(settingKey, z.union([z.string(), z.number(), z.boolean()])).default({}),
    sites: z.array(siteSchema).default([]),
    assets: z.array(assetInputSchema).default([]),
    /** Technicians, supervisors and managers (skills, contacts, on-duty hours). */
    people: z.array(personSchema).default([]),
    teams: z.array(teamSchema).default([]),
    /** Which team gets which orders (first match wins). */
    dispatch: dispatchConfigSchema,
    /** Time limits per priority and category, business hours, per-site overrides. */
    sla: slaConfigSchema,
    /** Acceptance, closing, repeat faults and procedures of the work-order process. */
    workOrders: processConfigSchema,
    /** Scheduled weekly and monthly reports. */
    reports: reportsConfigSchema,
    /** The residents' public request pages: which sites, limits, verification (docs/residents.md). */
    residents: residentsConfigSchema,
    /** Preventive-maintenance plans of the estate (a plan with a template's id replaces it). */
    pmPlans: z.array(pmPlanSchema).default([]),
    /** Whether the plans shipped in devices/<type>/pm-templates.yaml apply. */
    pmTemplates: z.boolean().default(true),
    rules: z.array(ruleSchema).default([]),
    /** Where alarm and work-order notifications are POSTed (signed, retried). */
    webhooks: z.array(webhookSchema).default([]),
    /** Group robots, the SMS gateway and escalation timing (docs/notifications.md). */
    notifications: notificationsConfigSchema,
  })
  .superRefine((file, ctx) => {
    const siteIds = new Set(file.sites.map((s) => s.id));
    const seen = new Set<string>();
    file.assets.forEach((a, i) => {
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['assets', i, 'id'], message: `duplicate asset id "${a.id}"` });
      seen.add(a.id);
      if (siteIds.size > 0 && !siteIds.has(a.site)) {
        ctx.addIssue({ code: 'custom', path: ['assets', i, 'site'], message: `site "${a.site}" is not listed under sites (${[...siteIds].join(', ')})` });
      }
    });
    for (const p of checkDirectory(file.people, file.teams, file.dispatch)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    for (const site of Object.keys(file.sla.sites)) {
      if (siteIds.size > 0 && !siteIds.has(site))
        ctx.addIssue({ code: 'custom', path: ['sla', 'sites', site], message: `site "${site}" is not listed under sites` });
    }
    file.residents.sites.forEach((site, i) => {
      if (siteIds.size > 0 && !siteIds.has(site))
        ctx.addIssue({ code: 'custom', path: ['residents', 'sites', i], message: `site "${site}" is not listed under sites` });
    });
    const planIds = new Set<string>();
    file.pmPlans.forEach((p, i) => {
      if (planIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['pmPlans', i, 'id'], message: `duplicate plan id "${p.id}"` });
      planIds.add(p.id);
    });
    const ruleIds = new Set<string>();
    file.rules.forEach((r, i) => {
      if (ruleIds.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}"` });
      ruleIds.add(r.id);
    });
  });

export type EstateFile = z.infer<typeof estateFileSchema>;
export type Site = z.infer<typeof siteSchema>;
