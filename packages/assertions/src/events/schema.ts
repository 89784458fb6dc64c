import { compileCel, z } from '@tester/core';
import { withinSchema } from '../common/anchor';

const typeName = z.string().min(1, 'expected an event type such as "CONNECTION_LOST"');
const count = (what: string) => z.number({ error: `expected ${what}: a whole number` }).int(`expected ${what}: a whole number`).min(0);

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const matcher = z.union([
  scalar,
  z.strictObject({
    regex: z.string().superRefine((source, ctx) => {
      try {
        new RegExp(source);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
      }
    }),
  }),
  z.strictObject({ equals: z.unknown() }),
]);

/** `where:` a CEL expression over the event, or field paths (`payload.to`) -> a value, `{ regex }` or `{ equals }`. */
const whereSchema = z.union([
  z.string().superRefine((expression, ctx) => {
    try {
      compileCel(expression);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  z.record(z.string().min(1), matcher),
]);

const COUNTS = ['count', 'min_count', 'max_count', 'exists', 'absent', 'within'] as const;
const CHECKS = [...COUNTS, 'order', 'no_duplicates'] as const;

/** One item of `expectations.events`. */
export const eventsItemSchema = z
  .strictObject({
    type: typeName.optional().describe('the event type the checks count'),
    system: z.string().min(1).optional().describe('only events whose system is this'),
    source: z.string().min(1).optional().describe('the observation source of the events (default: every source that records events)'),
    where: whereSchema.optional().describe('only events matching: a CEL expression, or field path -> value | { regex } | { equals }'),
    count: count('count').optional().describe('exactly this many (decided when the window closes)'),
    min_count: count('min_count').optional().describe('at least this many'),
    max_count: count('max_count').optional().describe('at most this many'),
    exists: z.boolean().optional().describe('true: at least one; false: none'),
    absent: z.literal(true, { error: 'absent takes true (or write exists: false)' }).optional().describe('none'),
    order: z.array(typeName).min(2, 'order needs at least two types').optional().describe('these types appear in this order'),
    no_duplicates: z
      .union([z.literal(true), z.strictObject({ by: z.array(z.string().min(1)).min(1) })], {
        error: 'expected true (by event id) or { by: [field, ...] }',
      })
      .optional()
      .describe('no two events share an id (or the given fields)'),
    within: withinSchema.optional().describe('the first matching event arrives within a time of the fault'),
  })
  .superRefine((item, ctx) => {
    if (!CHECKS.some((k) => item[k] !== undefined)) ctx.addIssue({ code: 'custom', message: `nothing to check: add one of ${CHECKS.join(', ')}` });
    for (const k of COUNTS)
      if (item[k] !== undefined && item.type === undefined) ctx.addIssue({ code: 'custom', path: ['type'], message: `${k} counts events of a type: add type` });
    if (item.count !== undefined && (item.min_count !== undefined || item.max_count !== undefined))
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'count is exact: use either count, or min_count/max_count' });
    if (item.min_count !== undefined && item.max_count !== undefined && item.min_count > item.max_count)
      ctx.addIssue({ code: 'custom', path: ['max_count'], message: `max_count ${item.max_count} is below min_count ${item.min_count}` });
    if (item.absent && item.exists !== undefined) ctx.addIssue({ code: 'custom', path: ['absent'], message: 'use either absent or exists' });
  });

/** A parsed `events` item (durations in milliseconds). */
export type EventsItem = z.output<typeof eventsItemSchema>;
