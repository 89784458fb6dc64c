import { durationSchema, z } from '@tester/core';
import { sourcesSchema } from '../common/sources';

/** `{ max: 10s }`, `{ min: 1s, max: 10s }`, or a plain duration for `max`. */
const bounds = z
  .union([durationSchema, z.strictObject({ min: durationSchema.optional(), max: durationSchema.optional() })])
  .transform((b) => (typeof b === 'number' ? { min: undefined, max: b } : b))
  .refine((b) => b.min !== undefined || b.max !== undefined, 'expected min and/or max, e.g. { max: 10s }')
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, 'min is above max');

/** One item of `expectations.timing`. */
export const timingItemSchema = z
  .strictObject({
    time_to_detect: bounds.optional().describe('fault start -> first observation of the fault (a non-healthy state, an event of the system)'),
    time_to_recover: bounds.optional().describe('fault end -> the healthy state the system ends in'),
    fault: z
      .string()
      .min(1)
      .optional()
      .describe('the action id of the fault to measure (default: detect from the first fault to start, recover from the last to end)'),
    system: z.string().min(1).optional().describe("the system observed (default: the fault's system)"),
    healthy: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("the healthy states, instead of the system's state vocabulary's (the report's timings keep the vocabulary's)"),
    sources: sourcesSchema('where states and events are read (default: every source)'),
  })
  .superRefine((item, ctx) => {
    if (item.time_to_detect === undefined && item.time_to_recover === undefined)
      ctx.addIssue({ code: 'custom', message: 'nothing to check: add time_to_detect and/or time_to_recover' });
  });

/** A parsed `timing` item (durations in milliseconds). */
export type TimingItem = z.output<typeof timingItemSchema>;
