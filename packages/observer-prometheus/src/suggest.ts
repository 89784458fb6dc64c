/**
 * "Did you mean" for a query that answers no series: the metric names it reads, and the names Prometheus has that
 * resemble them. (The names a query reads come from core's `promqlMetricNames`.)
 */
import { didYouMean, levenshtein } from '@tester/core';
import { promqlMetricNames } from '@tester/core/promql';

/** At most this many of the server's metric names are compared (a huge server's list is cut, not scanned). */
export const MAX_NAMES = 20_000;
const PER_NAME = 3;
const MAX_SUGGESTIONS = 8;

/**
 * For each metric name of `query`: the name itself when the server has series of it or a target declares its family
 * (`declared`: a labelled counter before its first increment), so a reader can tell "known metric, no matching series"
 * from "unknown metric"; else up to three of the closest names of either list (edit distance at most a third of the
 * longer name, as core's `didYouMean`, and at most two more than the closest), the closest first.
 */
export function suggestMetricNames(query: string, available: readonly string[], declared: readonly string[] = []): string[] {
  const names = [...new Set([...available.slice(0, MAX_NAMES), ...declared.slice(0, MAX_NAMES)])];
  const have = new Set(names);
  const families = new Set(declared);
  const out: string[] = [];
  for (const name of promqlMetricNames(query)) {
    // A histogram's or summary's series are name_bucket, name_count, name_sum; its family is name.
    if (have.has(name) || families.has(name.replace(/_(bucket|count|sum)$/, ''))) {
      out.push(name);
      continue;
    }
    const best = didYouMean(name, names);
    const close = names
      .filter((n) => Math.abs(n.length - name.length) <= Math.max(1, Math.floor(Math.max(n.length, name.length) / 3)))
      .map((n) => ({ n, d: levenshtein(name, n) }))
      .filter(({ n, d }) => d <= Math.max(1, Math.floor(Math.max(n.length, name.length) / 3)))
      .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
    // Others only when nearly as close as the closest: three names 7 edits away are noise, not help.
    const near = close.filter(({ d }) => d <= (close[0]?.d ?? 0) + 2).map(({ n }) => n);
    out.push(...[...new Set([...(best ? [best] : []), ...near])].slice(0, PER_NAME));
  }
  return [...new Set(out)].slice(0, MAX_SUGGESTIONS);
}
