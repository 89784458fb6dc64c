import { z } from '@tester/core';
import { sourcesSchema } from '../common/sources';
import { withinSchema } from '../common/anchor';

const times = (what: string) => z.number({ error: `expected ${what}: a whole number` }).int(`expected ${what}: a whole number`).min(0);
const CHECKS = ['should_fire', 'outcome', 'times', 'min_times', 'max_times', 'within', 'max_attempts', 'after'] as const;

/** One item of `expectations.policies`. */
export const policiesItemSchema = z
  .strictObject({
    policy_id: z.string({ error: 'expected the policy id, e.g. "auto-recover"' }).min(1).describe('the policy whose executions are checked'),
    system: z.string().min(1).optional().describe('only executions for this system'),
    sources: sourcesSchema(
      "where executions are read: each named source's policy.execution observations and POLICY_* events, merged by execution id (default: every source that records policy.execution)",
    ),
    should_fire: z.boolean().optional().describe('true: it runs at least once; false: it never runs (decided when the window closes)'),
    outcome: z.enum(['SUCCEEDED', 'FAILED'], { error: 'expected "SUCCEEDED" or "FAILED"' }).optional().describe('every execution ends so'),
    times: times('times').optional().describe('exactly this many executions (decided when the window closes)'),
    min_times: times('min_times').optional().describe('at least this many executions'),
    max_times: times('max_times').optional().describe('at most this many executions'),
    within: withinSchema.optional().describe('the first execution starts within a time of the fault'),
    max_attempts: z.number().int('expected a whole number').min(1).optional().describe('no execution takes more attempts'),
    after: z
      .union([z.strictObject({ event: z.string().min(1) }), z.strictObject({ state: z.string().min(1) })], {
        error: 'expected { event: <type> } or { state: <state> }',
      })
      .optional()
      .describe('it fires only after this event or state was seen (from any source)'),
  })
  .superRefine((item, ctx) => {
    if (!CHECKS.some((k) => item[k] !== undefined)) ctx.addIssue({ code: 'custom', message: `nothing to check: add one of ${CHECKS.join(', ')}` });
    if (item.times !== undefined && (item.min_times !== undefined || item.max_times !== undefined))
      ctx.addIssue({ code: 'custom', path: ['times'], message: 'times is exact: use either times, or min_times/max_times' });
    if (item.min_times !== undefined && item.max_times !== undefined && item.min_times > item.max_times)
      ctx.addIssue({ code: 'custom', path: ['max_times'], message: `max_times ${item.max_times} is below min_times ${item.min_times}` });
    if (item.should_fire === false)
      for (const k of ['outcome', 'min_times', 'within', 'max_attempts', 'after'] as const)
        if (item[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} contradicts should_fire: false` });
  });

/** A parsed `policies` item (durations in milliseconds). */
export type PoliciesItem = z.output<typeof policiesItemSchema>;
