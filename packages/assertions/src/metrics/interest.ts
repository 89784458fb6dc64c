/**
 * Asks the Prometheus observer to run an item's query, without depending on `@tester/observer-prometheus`
 * (assertions depend on core only): that observer reads a process-wide registry at every poll, published under
 * the documented symbol `Symbol.for('@tester/observer-prometheus/interest')` as `Map<runId, Set<query>>`.
 * A CLI that knows the queries earlier (before the observers start, which `baseline` needs) should register
 * `metricQueries(item)` itself; registering twice is harmless.
 */
const REGISTRY = Symbol.for('@tester/observer-prometheus/interest');

export function registerInterest(runId: string, query: string): void {
  const g = globalThis as unknown as Record<symbol, Map<string, Set<string>> | undefined>;
  const map = (g[REGISTRY] ??= new Map());
  const set = map.get(runId) ?? new Set<string>();
  map.set(runId, set);
  set.add(query);
}
