/**
 * What the observer says about series that leave an answer (`metric.absent`), come back (a new `metric.sample`,
 * even with the same value), and queries that answer nothing (`metric.empty` with "did you mean" suggestions).
 */
import { ObservationKinds, type MetricAbsentData, type MetricEmptyData, type MetricSampleData, type ObserverSession } from '@tester/core';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakePrometheus } from '../test/fake-prometheus';
import { METRIC_EMPTY_KIND, METRIC_ERROR_KIND, prometheusPlugin, type PrometheusOptions } from './index';
import { promqlMetricNames } from '@tester/core/promql';
import { suggestMetricNames } from './suggest';

let prom: FakePrometheus;
let h: PluginHarness;
let session: ObserverSession | undefined;
beforeEach(async () => {
  prom = await new FakePrometheus().start();
  h = createPluginHarness();
});
afterEach(async () => {
  await session?.stop();
  session = undefined;
  h.controller.abort();
  await prom.stop();
});

const start = async (options: PrometheusOptions) => {
  const plugin = prometheusPlugin({ url: prom.url, poll: { fastInterval: '20ms', slowInterval: '100ms', readyTimeout: '2s' }, requestTimeout: '300ms', ...options });
  session = await plugin.observers!.prometheus!.start(h.observerContext(plugin.options, 'prometheus'));
  await session.ready();
  return session;
};
const kinds = (query: string) => h.timeline.query({ subject: query }).map((o) => `${o.kind} ${JSON.stringify((o.data as MetricSampleData).labels ?? {})}`);
const polls = () => prom.requests.filter((r) => r.url.startsWith('/api/v1/query')).length;
const afterPolls = async (n: number) => {
  const target = polls() + n;
  await eventually(() => polls() >= target, 3000, `${n} more polls`);
};

describe('prometheus observer: series that leave and come back', () => {
  it('records metric.absent for a series no longer in the answer, and a sample when it is back with the same value', async () => {
    const a = { metric: { __name__: 'up', instance: 'a' }, value: 1 };
    const b = { metric: { __name__: 'up', instance: 'b' }, value: 1 };
    prom.series.set('up', [a, b]);
    await start({ queries: ['up'] });
    prom.series.set('up', [a]);
    await eventually(() => h.timeline.query({ kind: ObservationKinds.metricAbsent }).length === 1, 3000, 'the absence');
    const absent = h.timeline.query({ kind: ObservationKinds.metricAbsent })[0]!;
    expect(absent.data as MetricAbsentData).toEqual({ query: 'up', labels: { __name__: 'up', instance: 'b' } });
    expect(absent.sourceTime).toEqual(expect.any(Number));
    expect(absent.ref).toMatchObject({ type: 'custom', summary: 'series {__name__="up",instance="b"} no longer answered', query: 'up', url: prom.url });
    await afterPolls(3);
    expect(h.timeline.query({ kind: ObservationKinds.metricAbsent })).toHaveLength(1); // once, on the change
    prom.series.set('up', [a, b]);
    await eventually(() => kinds('up').length === 4, 3000, 'b back');
    expect(kinds('up')).toEqual([
      'metric.sample {"__name__":"up","instance":"a"}',
      'metric.sample {"__name__":"up","instance":"b"}',
      'metric.absent {"__name__":"up","instance":"b"}',
      'metric.sample {"__name__":"up","instance":"b"}',
    ]);
  });

  it('a query answering nothing is one metric.empty; its series are recorded again when they come back', async () => {
    prom.series.set('cp_up', [{ metric: { instance: 'a' }, value: 1 }]);
    await start({ queries: ['cp_up'] });
    prom.series.set('cp_up', []);
    await eventually(() => h.timeline.query({ kind: METRIC_EMPTY_KIND }).length === 1, 3000, 'empty');
    prom.series.set('cp_up', [{ metric: { instance: 'a' }, value: 1 }]);
    await eventually(() => kinds('cp_up').length === 3, 3000, 'back');
    expect(kinds('cp_up')).toEqual(['metric.sample {"instance":"a"}', 'metric.empty {}', 'metric.sample {"instance":"a"}']);
  });

  it('a series or a whole metric gone from a scraped page is absent', async () => {
    const page = (states: string[], extra = '') =>
      `# TYPE cp_system_state gauge\n${states.map((s) => `cp_system_state{state="${s}"} 1\n`).join('')}${extra}`;
    prom.metricsText = page(['CONNECTED', 'DISCONNECTED'], '# TYPE cp_chaos_active gauge\ncp_chaos_active 1\n');
    const plugin = prometheusPlugin({ scrape: [`${prom.url}/metrics`], poll: { fastInterval: '20ms', slowInterval: '100ms' } });
    session = await plugin.observers!.prometheus!.start(h.observerContext(plugin.options, 'prometheus'));
    await session.ready();
    prom.metricsText = page(['CONNECTED']);
    await eventually(() => h.timeline.query({ kind: ObservationKinds.metricAbsent }).length === 2, 3000, 'two absences');
    const absent = h.timeline.query({ kind: ObservationKinds.metricAbsent });
    expect(absent.map((o) => o.data)).toEqual([
      { query: 'cp_system_state', labels: { __name__: 'cp_system_state', state: 'DISCONNECTED' } },
      { query: 'cp_chaos_active', labels: { __name__: 'cp_chaos_active' } },
    ]);
    expect(absent[0]!.ref).toMatchObject({ type: 'custom', url: `${prom.url}/metrics`, metric: 'cp_system_state' });
  });
});

describe('prometheus observer: did you mean', () => {
  it('puts the server\'s closest metric names into metric.empty, looked up once per change and on barrier polls', async () => {
    prom.names = ['cp_state_transitions_total', 'cp_system_state', 'up'];
    const typo = 'cp_state_transitons_total{system="mysql"}';
    const known = 'cp_system_state{system="no-such-system"}';
    const later = 'cp_policy_executions_total{status="FAILED"}';
    for (const q of [typo, known, later]) prom.series.set(q, []);
    const s = await start({ queries: [typo, known, later, 'bad(('] });
    const lookups = () => prom.requests.filter((r) => r.url.startsWith('/api/v1/label/__name__/values')).length;
    const empty = (q: string) => h.timeline.query({ kind: METRIC_EMPTY_KIND, subject: q }).map((o) => o.data as MetricEmptyData);
    expect(empty(typo)).toEqual([{ query: typo, empty: true, suggestions: ['cp_state_transitions_total'] }]);
    // A known name with no matching series lists the name itself: the metric exists, the labels match nothing.
    expect(empty(known)).toEqual([{ query: known, empty: true, suggestions: ['cp_system_state'] }]);
    expect(empty(later)).toEqual([{ query: later, empty: true, suggestions: [] }]);
    // Polls that change nothing ask nothing.
    await afterPolls(6);
    expect(lookups()).toBe(3);
    // The counter gets its first series (with other labels) during the run: the barrier's poll asks again.
    prom.names = [...prom.names, 'cp_policy_executions_total'];
    const t = h.clock.now();
    prom.scrape(50);
    await s.barrier(t, h.controller.signal);
    expect(lookups()).toBeGreaterThan(3);
    expect(empty(later).at(-1)).toEqual({ query: later, empty: true, suggestions: ['cp_policy_executions_total'] });
    expect(empty(typo).at(-1)).toEqual(empty(typo)[0]);
    expect(h.timeline.query({ kind: METRIC_ERROR_KIND })[0]!.data).toMatchObject({ query: 'bad((' });
    expect(METRIC_EMPTY_KIND).toBe(ObservationKinds.metricEmpty);
    expect(METRIC_ERROR_KIND).toBe(ObservationKinds.metricError);
  });

  it('a metric a target declares but that has no series yet (a counter never incremented) is known', async () => {
    prom.names = ['up'];
    prom.metadata = ['cp_reconciliations_total', 'cp_db_seconds'];
    const never = 'cp_reconciliations_total{status="FAILED"}';
    const histogram = 'histogram_quantile(0.9, sum by (le) (rate(cp_db_seconds_bucket[1m])))';
    for (const q of [never, histogram, 'cp_reconcilations_total']) prom.series.set(q, []);
    await start({ queries: [never, histogram, 'cp_reconcilations_total'] });
    const suggestions = (q: string) => (h.timeline.query({ kind: METRIC_EMPTY_KIND, subject: q })[0]!.data as MetricEmptyData).suggestions;
    expect(suggestions(never)).toEqual(['cp_reconciliations_total']);
    expect(suggestions(histogram)).toEqual(['cp_db_seconds_bucket']); // declared as the family cp_db_seconds
    // A misspelt declared name: the declared families are candidates too.
    expect(suggestions('cp_reconcilations_total')).toEqual(['cp_reconciliations_total']);
    expect(prom.requests.some((r) => r.url === '/api/v1/metadata?limit=20000')).toBe(true);
  });

  it('without the names API, metric.empty has no suggestions and the observer is not blind', async () => {
    prom.series.set('nothing', []);
    await start({ queries: ['nothing'] });
    expect(h.timeline.query({ kind: METRIC_EMPTY_KIND })[0]!.data).toEqual({ query: 'nothing', empty: true });
    expect(h.blindness.events).toEqual([]);
  });

  it('reads metric names out of PromQL and ranks the closest', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(cp_db_seconds_bucket{system="mysql"}[1m])))')).toEqual(['cp_db_seconds_bucket']);
    expect(promqlMetricNames('sum(a_total{x="sum(b)"}) - on(job) group_left(instance) b:rate5m offset 5m > bool 1e3')).toEqual(['a_total', 'b:rate5m']);
    const names = ['cp_policy_retries_total', 'cp_policy_executions_total', 'cp_policy_retry_seconds', 'up'];
    expect(suggestMetricNames('rate(cp_policy_retrys_total[1m])', names)).toEqual(['cp_policy_retries_total']);
    expect(suggestMetricNames('up + nothing_at_all', names)).toEqual(['up']);
    // A huge server's list is cut before it is compared: a name past the cap is not seen.
    const many = Array.from({ length: 20_000 }, (_, i) => `filler_${i}`);
    expect(suggestMetricNames('zz_target', [...many, 'zz_target'])).toEqual([]);
    expect(suggestMetricNames('zz_target', ['zz_target', ...many])).toEqual(['zz_target']);
  });
});
