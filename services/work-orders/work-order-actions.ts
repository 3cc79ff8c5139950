import { z } from 'zod';
import { idSchema } from '../assets/asset.ts';
import { acceptanceChecks, holdReasons } from './work-order.ts';

const note = z.string().min(1).max(4000);
const common = {
  /** Who acts: a person id from the directory, `requester`, or `system`. */
  by: z.string().min(1).max(100),
  /** The order's version the client saw; a different current version answers 409 instead of acting. */
  version: z.number().int().min(1).optional(),
};

const stepResult = z.strictObject({
  /** Index of the step in the order's checklist, from 0. */
  step: z.number().int().min(0),
  done: z.boolean().default(true),
  value: z.number().optional(),
  passed: z.boolean().optional(),
  /** Attachment id of the photo (attach it first). */
  photo: z.string().optional(),
  note: z.string().max(2000).optional(),
  /** A failed step opens a follow-up order. */
  followUp: z.boolean().optional(),
});
export type StepResultInput = z.infer<typeof stepResult>;

export const actionSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('assign'), ...common, assignee: idSchema, reason: note.optional(), note: note.optional() }),
  z.strictObject({ action: z.literal('acknowledge'), ...common, note: note.optional() }),
  z.strictObject({ action: z.literal('start'), ...common, note: note.optional() }),
  z.strictObject({
    action: z.literal('hold'),
    ...common,
    reason: z.enum(holdReasons, { error: `expected one of ${holdReasons.join(', ')}` }),
    note: note.optional(),
  }),
  z.strictObject({ action: z.literal('resume'), ...common, note: note.optional() }),
  z.strictObject({ action: z.literal('record'), ...common, results: z.array(stepResult).min(1), note: note.optional() }),
  z.strictObject({ action: z.literal('resolve'), ...common, note, results: z.array(stepResult).default([]) }),
  z.strictObject({ action: z.literal('verify'), ...common, check: z.enum(acceptanceChecks).optional(), note: note.optional() }),
  z.strictObject({ action: z.literal('reject'), ...common, note, evidence: z.record(z.string(), z.unknown()).optional() }),
  z.strictObject({ action: z.literal('close'), ...common, note: note.optional() }),
  z.strictObject({ action: z.literal('cancel'), ...common, note }),
  z.strictObject({ action: z.literal('reopen'), ...common, note }),
  z.strictObject({ action: z.literal('comment'), ...common, note }),
  z.strictObject({
    action: z.literal('rate'),
    ...common,
    score: z.number().int().min(1, 'expected a score from 1 to 5').max(5, 'expected a score from 1 to 5'),
    comment: z.string().max(4000).optional(),
  }),
  z.strictObject({
    action: z.literal('attach'),
    ...common,
    filename: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^/\\\0]+$/, 'expected a file name without folders'),
    /** The file, base64-encoded. */
    data: z.base64({ error: 'expected the file content as base64' }),
    note: note.optional(),
  }),
]);
export type ActionInput = z.infer<typeof actionSchema>;
/** An action as callers write it (defaults not yet filled in). */
export type ActionRequest = z.input<typeof actionSchema>;
export type ActionName = ActionInput['action'];
export const actionNames = actionSchema.options.map((o) => o.shape.action.value) as ActionName[];
