/** The PromQL an item reads: the `metrics` section declares it as a `promql` interest of the item's source. */
import { promqlSelector } from '@tester/core/promql';
import type { MetricsItem } from './schema';

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
