/**
 * How other packages ask this observer to run a query for a scenario, without a dependency on it.
 *
 * Two ways, both read at every poll:
 * 1. An observation of kind {@link METRIC_INTEREST_KIND} (`metric.interest`) with data `{ query }` in the
 *    run's timeline, recorded by any plugin that can record.
 * 2. {@link registerMetricQuery}: a process-wide registry keyed by run id (or `*` for every run). It lives on
 *    `globalThis[Symbol.for('@tester/observer-prometheus/interest')]` as a `Map<string, Set<string>>`, so a
 *    package that must not import this one (the assertions) can write to it by that documented symbol.
 *
 * For a `name:` + `labels:` expectation, {@link metricSelector} builds the canonical PromQL selector.
 */

/** Observation kind saying "please query this": data {@link MetricInterestData}. */
export const METRIC_INTEREST_KIND = 'metric.interest';
/** Observation kind recorded when a query answers with no series: data `{ query, empty: true }`. */
export const METRIC_EMPTY_KIND = 'metric.empty';
/** Observation kind recorded when Prometheus rejects a query: data `{ query, error, errorType }`. */
export const METRIC_ERROR_KIND = 'metric.error';

export interface MetricInterestData {
  query: string;
}

/** The registry's well-known symbol. */
export const METRIC_INTEREST_REGISTRY = Symbol.for('@tester/observer-prometheus/interest');

function registry(): Map<string, Set<string>> {
  const g = globalThis as unknown as Record<symbol, Map<string, Set<string>> | undefined>;
  return (g[METRIC_INTEREST_REGISTRY] ??= new Map());
}

/**
 * Registers `query` for run `runId` (`'*'`: every run). Returns a function that unregisters it.
 * @example registerMetricQuery(ctx.runId, 'cp_system_state{system="mysql-4"}')
 */
export function registerMetricQuery(runId: string, query: string): () => void {
  const map = registry();
  const set = map.get(runId) ?? new Set<string>();
  map.set(runId, set);
  set.add(query);
  return () => void set.delete(query);
}

/** The queries registered for `runId` (including those for every run). */
export function registeredQueries(runId: string): string[] {
  const map = registry();
  return [...(map.get('*') ?? []), ...(map.get(runId) ?? [])];
}

/** The canonical selector for a metric name and labels: `name{a="1",b="2"}` (keys sorted, values escaped). */
export function metricSelector(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
