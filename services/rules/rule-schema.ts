import { z } from 'zod';
import { catalog, deviceTypes } from '../../devices/catalog.ts';
import { parseDuration } from '../shared/duration.ts';
import { categories, checklistStepSchema, priorities, severities } from '../shared/vocabulary.ts';

const comparisonOps = ['>', '>=', '<', '<=', '==', '!='] as const;
const rangeOps = ['between', 'outside'] as const;

/** A duration as text (`500ms`, `30s`, `5m`, `1h30m`, `2d`) or as milliseconds (how stored rules keep it). */
const duration = z.union(
  [
    z.number().int().min(0),
    z
      .string()
      .refine((s) => parseDuration(s) !== undefined, 'expected a duration such as 500ms, 30s, 5m, 2h or 1d')
      .transform((s) => parseDuration(s)!),
  ],
  { error: 'expected a duration such as 500ms, 30s, 5m, 2h or 1d' },
);

/** `{ op: ">", value: 7.1 }`, `{ op: "==", value: false }` or `{ op: "between", value: [2, 6] }`. */
export const conditionSchema = z.union(
  [
    z.strictObject({ op: z.enum(comparisonOps), value: z.union([z.number(), z.boolean()]) }),
    z.strictObject({
      op: z.enum(rangeOps),
      value: z.tuple([z.number(), z.number()], { error: 'expected [low, high]' }).refine(([lo, hi]) => lo <= hi, 'expected [low, high] with low <= high'),
    }),
  ],
  { error: 'expected { op, value } with op one of > >= < <= == != (a number or boolean) or between/outside (a [low, high] pair)' },
);
export type Condition = z.infer<typeof conditionSchema>;

const workOrderSchema = z.strictObject({
  priority: z.enum(priorities, { error: 'expected P1, P2, P3 or P4' }),
  category: z.enum(categories).default('repair'),
  title: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  /** The steps the technician works through on site. */
  checklist: z.array(checklistStepSchema).max(100).default([]),
  /** Sensor verification: how long the fault must stay away after the repair (default: workOrders.sensorWindow). */
  verifyFor: duration.optional(),
});

const baseRule = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'expected a lower-case id such as pump.vibration-critical'),
  version: z.number().int().min(1).default(1),
  /** Why the rule exists and where its numbers come from. */
  description: z.string().max(2000).optional(),
  assetType: z.enum(deviceTypes, { error: `expected one of ${deviceTypes.join(', ')}` }),
  /** Narrows the rule to some sites, assets or tags (all given lists must match). */
  select: z.strictObject({ sites: z.array(z.string()).optional(), assets: z.array(z.string()).optional(), tags: z.array(z.string()).optional() }).optional(),
  severity: z.enum(severities, { error: `expected one of ${severities.join(', ')}` }),
  /**
   * Rules of one failure mode (e.g. a warning and a critical vibration rule) share one alarm per
   * asset: the stronger rule escalates its severity in place, and it clears when all have cleared.
   */
  failureMode: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'expected a lower-case name such as pump.vibration')
    .optional(),
  /** Safety rules (entrapment, fire pump) are never muted by maintenance mode. */
  safety: z.boolean().default(false),
  workOrder: workOrderSchema.optional(),
  /** Raised this many times within the window: held as one flapping alarm (default 4 within 30m). */
  flapping: z.strictObject({ cycles: z.number().int().min(2), within: duration }).optional(),
  enabled: z.boolean().default(true),
};

/** Raise when the condition has become true (or the event has come) `count` times within `within`. */
const repeatSchema = z.strictObject({
  count: z.number().int().min(2, 'expected a count of at least 2'),
  within: duration,
});

const clearCondition = z.strictObject({
  op: z.enum([...comparisonOps, ...rangeOps]),
  value: z.union([z.number(), z.boolean(), z.tuple([z.number(), z.number()])]),
  for: duration.optional(),
});

const thresholdRule = z.strictObject({
  ...baseRule,
  metric: z.string().min(1),
  /** Rate of change: `when` compares how much the metric changed over this window, not its value. */
  change: z.strictObject({ over: duration }).optional(),
  /**
   * Usage: `when` compares how much a counter grew since the anchor (resets handled) — the first
   * reading, then each acknowledgement of the alarm (the work is done: count again from here).
   */
  usage: z.literal(true, { error: 'expected usage: true' }).optional(),
  when: conditionSchema,
  /** The condition must hold this long before the alarm is raised. */
  for: duration.optional(),
  /** Or: the condition must have become true this many times within a window. */
  repeat: repeatSchema.optional(),
  /** Hysteresis: the alarm clears only when this holds (for its own duration); default: `when` is false. */
  clear: clearCondition.optional(),
  /** Per-asset limits (an old pump runs hotter), by asset id, without copying the rule. */
  overrides: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an asset id'),
      z.strictObject({ when: conditionSchema.optional(), clear: clearCondition.optional() }),
    )
    .optional(),
});

const term = z.strictObject({ metric: z.string().min(1), when: conditionSchema });

/** Several conditions on metrics of one asset, on their latest values: all of them, or any. */
const combinationRule = z.strictObject({
  ...baseRule,
  all: z.array(term).min(2, 'expected at least two conditions').optional(),
  any: z.array(term).min(2, 'expected at least two conditions').optional(),
  for: duration.optional(),
  repeat: repeatSchema.optional(),
  /** The alarm clears when the combination has been false this long (default at once). */
  clear: z.strictObject({ for: duration }).optional(),
});

const eventRule = z.strictObject({
  ...baseRule,
  on: z.string().min(1),
  /** Raise only when the event comes this many times within a window. */
  repeat: repeatSchema.optional(),
  /** An event alarm clears by itself when the event has not come again for this long. */
  clear: z.strictObject({ after: duration }).optional(),
});

/** Device silent: no message at all from the asset for this long (the broker being down does not count). */
const silenceRule = z.strictObject({
  ...baseRule,
  noData: duration,
});

function variantOf(input: object) {
  if ('on' in input) return eventRule;
  if ('noData' in input) return silenceRule;
  if ('all' in input || 'any' in input) return combinationRule;
  return thresholdRule;
}

/**
 * A rule is an event rule when it has `on`, a silence rule with `noData`, a combination with `all` or
 * `any`, otherwise a threshold rule. Choosing the variant first (instead of a plain union) lets every
 * error name the field that is wrong.
 */
export const ruleSchema = z
  .unknown()
  .transform((input, ctx): Rule => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a rule: a threshold rule (metric + when), a combination (all/any), an event rule (on) or a silence rule (noData)',
      });
      return z.NEVER;
    }
    const parsed = variantOf(input).safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const message =
        issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      ctx.addIssue({ code: 'custom', path: issue.path, message });
    }
    return z.NEVER;
  })
  .superRefine((rule, ctx) => {
    const spec = catalog[rule.assetType];
    const checkTerm = (
      metric: string,
      conds: [string | number, Condition | z.infer<typeof clearCondition> | undefined][],
      path: (string | number)[],
      isChange: boolean,
    ) => {
      const m = spec.metrics.find((x) => x.name === metric);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'metric'],
          message: `"${metric}" is not a ${rule.assetType} metric (expected one of ${spec.metrics.map((x) => x.name).join(', ')})`,
        });
        return;
      }
      if (isChange && m.kind === 'state')
        ctx.addIssue({ code: 'custom', path: [...path, 'change'], message: `${metric} is true/false: it has no rate of change` });
      for (const [key, cond] of conds) {
        if (!cond) continue;
        const isBool = typeof cond.value === 'boolean';
        if (m.kind === 'state' && !isBool)
          ctx.addIssue({ code: 'custom', path: [...path, key, 'value'], message: `${metric} is true/false: expected a boolean value` });
        if (m.kind !== 'state' && isBool)
          ctx.addIssue({ code: 'custom', path: [...path, key, 'value'], message: `${metric} is a number: expected a numeric value` });
        if (isBool && cond.op !== '==' && cond.op !== '!=')
          ctx.addIssue({ code: 'custom', path: [...path, key, 'op'], message: 'booleans compare only with == or !=' });
        const isRange = cond.op === 'between' || cond.op === 'outside';
        if (isRange !== Array.isArray(cond.value))
          ctx.addIssue({ code: 'custom', path: [...path, key, 'value'], message: isRange ? 'expected [low, high]' : 'expected a single value' });
      }
    };
    if ('for' in rule && rule.for !== undefined && 'repeat' in rule && rule.repeat !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['repeat'], message: 'expected either for or repeat, not both' });
    }
    if ('metric' in rule) {
      checkTerm(
        rule.metric,
        [
          ['when', rule.when],
          ['clear', rule.clear],
        ],
        [],
        rule.change !== undefined,
      );
      if (rule.usage && spec.metrics.find((m) => m.name === rule.metric)?.kind !== 'counter') {
        ctx.addIssue({
          code: 'custom',
          path: ['usage'],
          message: `${rule.metric} is not a counter: usage needs one (${spec.metrics
            .filter((m) => m.kind === 'counter')
            .map((m) => m.name)
            .join(', ')})`,
        });
      }
      if (rule.usage && rule.change) ctx.addIssue({ code: 'custom', path: ['usage'], message: 'expected either change or usage, not both' });
      for (const [asset, o] of Object.entries(rule.overrides ?? {}))
        checkTerm(
          rule.metric,
          [
            ['when', o.when],
            ['clear', o.clear],
          ],
          ['overrides', asset],
          false,
        );
    } else if ('on' in rule) {
      if (!spec.events.some((e) => e.type === rule.on)) {
        ctx.addIssue({
          code: 'custom',
          path: ['on'],
          message: `"${rule.on}" is not a ${rule.assetType} event (expected one of ${spec.events.map((e) => e.type).join(', ')})`,
        });
      }
    } else if ('all' in rule || 'any' in rule) {
      if ((rule.all === undefined) === (rule.any === undefined)) ctx.addIssue({ code: 'custom', path: ['all'], message: 'expected either all or any' });
      const key = rule.all ? 'all' : 'any';
      (rule.all ?? rule.any ?? []).forEach((t, i) => checkTerm(t.metric, [['when', t.when]], [key, i], false));
    }
  });

export type ThresholdRule = z.infer<typeof thresholdRule>;
export type CombinationRule = z.infer<typeof combinationRule>;
export type EventRule = z.infer<typeof eventRule>;
export type SilenceRule = z.infer<typeof silenceRule>;
export type Rule = ThresholdRule | CombinationRule | EventRule | SilenceRule;
export type RuleInput = z.input<typeof thresholdRule> | z.input<typeof combinationRule> | z.input<typeof eventRule> | z.input<typeof silenceRule>;

export function isThresholdRule(rule: Rule): rule is ThresholdRule {
  return 'metric' in rule;
}

export function isEventRule(rule: Rule): rule is EventRule {
  return 'on' in rule;
}

export function isCombinationRule(rule: Rule): rule is CombinationRule {
  return 'all' in rule || 'any' in rule;
}
