import { durationSchema, z } from '@tester/core';
import { comparatorSchema } from './comparator';

const span = z.enum(['window', 'fault', 'recovery'], { error: 'expected "window", "fault" or "recovery"' });
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** How the series an item matches are combined into the value that is compared. */
export const AGGREGATES = ['sum', 'min', 'max', 'avg', 'each', 'any'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** The keys that say what is checked; an item uses one of them (`during` is also `stalled`'s span). */
const MODES = ['at', 'during', 'hold', 'increase', 'rate', 'absent', 'stalled'] as const;

/** One item of `expectations.metrics`. */
export const metricsItemSchema = z
  .strictObject({
    query: z.string().min(1, 'expected a PromQL query').optional().describe('a PromQL query; the series of its result are aggregated (see aggregate)'),
    name: z.string().regex(METRIC_NAME, 'expected a metric name such as "cp_policy_retries_total"').optional().describe('a metric name (instead of query)'),
    labels: z.record(z.string(), z.string()).optional().describe('with name: the series selector; with query: a filter on the result. Every series that matches counts'),
    aggregate: z
      .enum(AGGREGATES, { error: `expected one of ${AGGREGATES.join(', ')}` })
      .default('sum')
      .describe('how the matching series are combined: sum (default), min, max, avg; each: every series must satisfy the comparison; any: at least one'),
    source: z.string().min(1).default('prometheus').describe('the observation source of the samples'),
    value: comparatorSchema.optional().describe('"< 250ms", ">= 1", "between 0 and 5", "<= baseline * 1.5", or { "<": 0.25 }'),
    quantile: z.number().gt(0, 'expected a quantile between 0 and 1, e.g. 0.99').lt(1, 'expected a quantile between 0 and 1, e.g. 0.99').optional().describe('with name: that quantile of the histogram name_bucket'),
    range: durationSchema.optional().describe('with quantile: the rate() range of the histogram query (default 1m)'),
    increase: span.optional().describe("the counter's increase over the window, the fault, or the recovery"),
    rate: span.optional().describe("the counter's per-second rate over the window, the fault, or the recovery"),
    at: z.literal('end', { error: 'expected "end"' }).optional().describe('the value when the window closes (the default)'),
    during: span.optional().describe('every value during the window, the fault, or the recovery (fault end to window end); with stalled: the span to look in'),
    hold: durationSchema.optional().describe('every value for this long after the fault ended'),
    absent: span.optional().describe('no series answered at some moment of the window, the fault, or the recovery'),
    stalled: durationSchema.optional().describe('the value did not change for at least this long within the span of during (default window)'),
  })
  .superRefine((item, ctx) => {
    if ((item.query === undefined) === (item.name === undefined))
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'give either query (PromQL) or name (a metric name, with optional labels)' });
    if (item.quantile !== undefined && item.name === undefined)
      ctx.addIssue({ code: 'custom', path: ['quantile'], message: 'quantile needs name (the histogram); with query, write histogram_quantile yourself' });
    if (item.range !== undefined && item.quantile === undefined) ctx.addIssue({ code: 'custom', path: ['range'], message: 'range applies to quantile' });
    // With stalled, during is its span, not a mode of its own.
    const modes = MODES.filter((k) => item[k] !== undefined && !(k === 'during' && item.stalled !== undefined));
    if (modes.length > 1) ctx.addIssue({ code: 'custom', path: [modes[1] as string], message: `use one of ${MODES.join(', ')} (got ${modes.join(' and ')})` });
    if ((item.increase || item.rate) && item.quantile !== undefined) ctx.addIssue({ code: 'custom', path: ['quantile'], message: 'quantile cannot be combined with increase or rate' });
    const valueless = item.absent !== undefined ? 'absent' : item.stalled !== undefined ? 'stalled' : undefined;
    if (valueless && item.value !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: valueless === 'absent' ? 'absent takes no value: it passes when no series answers' : 'stalled takes no value: it passes when the value does not change for that long',
      });
    if (!valueless && item.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: 'expected a comparator in value, e.g. value: ">= 1" (or use absent or stalled)' });
    if (item.value?.usesBaseline && (item.increase || item.rate))
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'baseline compares a value with its value before the fault; it does not apply to increase or rate' });
    if (item.absent !== undefined && item.aggregate !== 'sum')
      ctx.addIssue({ code: 'custom', path: ['aggregate'], message: 'aggregate does not apply to absent: absent means that no series at all answered' });
    if (item.stalled !== undefined && item.stalled <= 0) ctx.addIssue({ code: 'custom', path: ['stalled'], message: 'expected a duration longer than 0, e.g. stalled: 30s' });
  });

/** A parsed `metrics` item (durations in milliseconds). */
export type MetricsItem = z.output<typeof metricsItemSchema>;

/**
 * Why an item cannot be judged in a scenario that injects no fault (`increase: fault needs a fault`), or
 * `undefined` when it can: its span is the fault or the recovery after it, or it holds after the fault ended.
 */
export function metricsNeedsFault(item: MetricsItem): string | undefined {
  for (const key of ['increase', 'rate', 'during', 'absent'] as const) {
    const s = item[key];
    if (s === 'fault' || s === 'recovery') return `${key}: ${s} needs a fault`;
  }
  if (item.hold !== undefined) return 'hold needs a fault (it starts when the fault has ended)';
  return undefined;
}
