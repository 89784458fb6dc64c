import { durationSchema, z } from '@tester/core';
import { comparatorSchema } from './comparator';

const span = z.enum(['window', 'fault', 'recovery'], { error: 'expected "window", "fault" or "recovery"' });
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** One item of `expectations.metrics`. */
export const metricsItemSchema = z
  .strictObject({
    query: z.string().min(1, 'expected a PromQL query').optional().describe('a PromQL query; each series of its result is checked'),
    name: z.string().regex(METRIC_NAME, 'expected a metric name such as "cp_policy_retries_total"').optional().describe('a metric name (instead of query)'),
    labels: z.record(z.string(), z.string()).optional().describe('with name: the series selector; with query: a filter on the result'),
    source: z.string().min(1).default('prometheus').describe('the observation source of the samples'),
    value: comparatorSchema.describe('"< 250ms", ">= 1", "between 0 and 5", "<= baseline * 1.5", or { "<": 0.25 }'),
    quantile: z.number().gt(0, 'expected a quantile between 0 and 1, e.g. 0.99').lt(1, 'expected a quantile between 0 and 1, e.g. 0.99').optional().describe('with name: that quantile of the histogram name_bucket'),
    range: durationSchema.optional().describe('with quantile: the rate() range of the histogram query (default 1m)'),
    increase: span.optional().describe("the counter's increase over the window, the fault, or the recovery"),
    rate: span.optional().describe("the counter's per-second rate over the window, the fault, or the recovery"),
    at: z.literal('end', { error: 'expected "end"' }).optional().describe('the value when the window closes (the default)'),
    during: span.optional().describe('every sample during the window, the fault, or the recovery (fault end to window end)'),
    hold: durationSchema.optional().describe('every sample for this long after the fault ended'),
  })
  .superRefine((item, ctx) => {
    if ((item.query === undefined) === (item.name === undefined))
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'give either query (PromQL) or name (a metric name, with optional labels)' });
    if (item.quantile !== undefined && item.name === undefined)
      ctx.addIssue({ code: 'custom', path: ['quantile'], message: 'quantile needs name (the histogram); with query, write histogram_quantile yourself' });
    if (item.range !== undefined && item.quantile === undefined) ctx.addIssue({ code: 'custom', path: ['range'], message: 'range applies to quantile' });
    const modes = (['at', 'during', 'hold', 'increase', 'rate'] as const).filter((k) => item[k] !== undefined);
    if (modes.length > 1) ctx.addIssue({ code: 'custom', path: [modes[1] as string], message: `use one of at, during, hold, increase, rate (got ${modes.join(' and ')})` });
    if ((item.increase || item.rate) && item.quantile !== undefined) ctx.addIssue({ code: 'custom', path: ['quantile'], message: 'quantile cannot be combined with increase or rate' });
    if (item.value.usesBaseline && (item.increase || item.rate))
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'baseline compares a value with its value before the fault; it does not apply to increase or rate' });
  });

/** A parsed `metrics` item (durations in milliseconds). */
export type MetricsItem = z.output<typeof metricsItemSchema>;
