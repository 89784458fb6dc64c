/** The PromQL an item needs, so the CLI or the Prometheus observer can register it before the run. */
import { promqlSelector } from '@tester/core';
import type { MetricsItem } from './schema';
import { metricsItemSchema } from './schema';

/** The one PromQL query whose `metric.sample` observations the item reads. */
export function metricQuery(item: MetricsItem): string {
  if (item.query !== undefined) return item.query.trim();
  const name = item.name as string;
  if (item.quantile !== undefined) {
    const range = `${Math.max(1, Math.round((item.range ?? 60_000) / 1000))}s`;
    return `histogram_quantile(${item.quantile}, sum by (le) (rate(${promqlSelector(name.replace(/_bucket$/, '') + '_bucket', item.labels)}[${range}])))`;
  }
  // increase/rate are computed here from the raw counter's samples, so only the counter itself is queried.
  return promqlSelector(name, item.labels);
}

/**
 * The PromQL queries a `metrics` expectation needs (its YAML item, raw or parsed). The CLI passes them to the
 * Prometheus observer before the run so that samples exist from before the fault (for `baseline`).
 */
export function metricQueries(item: unknown): string[] {
  const parsed = metricsItemSchema.safeParse(item);
  if (parsed.success) return [metricQuery(parsed.data)];
  const i = item as Partial<MetricsItem> | null;
  // An item parsed elsewhere (durations already in ms), or one invalid in a way that does not touch its query.
  if (i && typeof i === 'object' && (typeof i.query === 'string' || typeof i.name === 'string') && (i.range === undefined || typeof i.range === 'number'))
    return [metricQuery(i as MetricsItem)];
  return [];
}
