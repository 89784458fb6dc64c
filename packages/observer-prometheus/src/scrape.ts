/**
 * Direct scrape of a `/metrics` page (text exposition format) with parse-prometheus-text-format, flattened
 * into one sample per series the way Prometheus would store them: histograms as `_bucket{le}`, `_sum`,
 * `_count`; summaries as `{quantile}`, `_sum`, `_count`. Every sample's labels include `__name__`, as PromQL
 * results do, so one matcher works for both sources.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PromSample } from './prom-api';

const num = (v: string): number => {
  const t = v.trim();
  if (/^\+?Inf$/i.test(t)) return Infinity;
  if (/^-Inf$/i.test(t)) return -Infinity;
  return Number(t);
};

/** Parses exposition text; `scrapedAt` (epoch ms) is the timestamp of samples that carry none. */
export function parseExposition(text: string, scrapedAt: number): PromSample[] {
  const samples: PromSample[] = [];
  const push = (name: string, labels: Record<string, string> | undefined, value: string, ts?: string) =>
    samples.push({ labels: { __name__: name, ...labels }, value: num(value), timestamp: ts ? Number(ts) : scrapedAt });
  for (const family of parsePrometheusTextFormat(text)) {
    for (const m of family.metrics) {
      if (family.type === 'HISTOGRAM') {
        for (const [le, v] of Object.entries(m.buckets ?? {})) push(`${family.name}_bucket`, { ...m.labels, le }, v, m.timestamp_ms);
      } else if (family.type === 'SUMMARY') {
        for (const [quantile, v] of Object.entries(m.quantiles ?? {})) push(family.name, { ...m.labels, quantile }, v, m.timestamp_ms);
      }
      if (m.sum !== undefined) push(`${family.name}_sum`, m.labels, m.sum, m.timestamp_ms);
      if (m.count !== undefined) push(`${family.name}_count`, m.labels, m.count, m.timestamp_ms);
      if (m.value !== undefined) push(family.name, m.labels, m.value, m.timestamp_ms);
    }
  }
  return samples;
}
