/**
 * Checks for systems whose states say nothing during an outage: `absent` (the series left the answer) and `stalled`
 * (the value did not change for a while); unknown metrics are `error` with "did you mean"; `metricsNeedsFault`.
 */
import { describe, expect, it } from 'vitest';
import { problems, runOf, type FakeRun } from '../../test/harness';
import { promqlMetricNames } from '@tester/core/promql';
import { metricsItemSchema, metricsNeedsFault } from './schema';

const DBZ = 'debezium_metrics_connected{context="streaming"}';
const dbz = { name: 'debezium_metrics_connected', labels: { context: 'streaming' } };
const series = { context: 'streaming', server: 'inventory' };

const absentOf = (run: FakeRun, query: string, labels: Record<string, string>) =>
  run.record({ source: 'prometheus', kind: 'metric.absent', subject: query, data: { query, labels }, ref: { type: 'custom', summary: 'series absent', query } });
const emptyOf = (run: FakeRun, query: string, suggestions?: string[]) =>
  run.record({ source: 'prometheus', kind: 'metric.empty', subject: query, data: { query, empty: true, ...(suggestions ? { suggestions } : {}) }, ref: { type: 'custom', summary: 'no series', query } });

/** A real connector's outage: present before, gone during the fault (1s-4s) from +1.5s, back at +4.5s (or `backAt`). */
function outage(run: FakeRun, close = true, backAt = 4500): FakeRun {
  run.at(0).sample(DBZ, 1, series);
  run.at(1000).open().startFault();
  run.at(1500);
  absentOf(run, DBZ, series);
  if (backAt < 4000) run.at(backAt).sample(DBZ, 1, series);
  run.at(4000).endFault();
  if (backAt >= 4000) run.at(backAt).sample(DBZ, 1, series);
  return close ? run.at(6000).close() : run;
}

describe('metrics absent', () => {
  it('passes on the first absence seen in the span, without waiting for the window', () => {
    const run = runOf('metrics', { ...dbz, absent: 'fault' });
    expect(run.evaluator.needsClosedWindow).toBe(false);
    run.at(0).sample(DBZ, 1, series);
    run.at(1000).open().startFault();
    expect(run.verdict()).toMatchObject({ status: 'pending', waitingFor: `${DBZ} to answer no series during the fault` });
    run.at(1500);
    absentOf(run, DBZ, series);
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [2], message: `metrics: ${DBZ} answered no series at +500ms, during the fault (#2 prometheus series absent)` });
  });

  it('a whole query answering nothing is an absence, and so is one already gone when the span starts', () => {
    const run = runOf('metrics', { ...dbz, absent: 'fault' });
    run.at(0).sample(DBZ, 1, series);
    run.at(500);
    emptyOf(run, DBZ);
    run.at(1000).open().startFault();
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [2], message: expect.stringMatching(/answered no series at \+0ms, during the fault/) });
  });

  it('fails once the window closed with the series present throughout the span (a failure by absence)', () => {
    // Still gone when the fault ended: absent during the recovery too.
    expect(outage(runOf('metrics', { ...dbz, absent: 'recovery' }), false).verdict()).toMatchObject({ status: 'passed', evidence: [2] });
    // The mutant: back before the fault ended, the connector's metrics were there throughout the recovery.
    const run = outage(runOf('metrics', { ...dbz, absent: 'recovery' }), false, 3500);
    expect(run.verdict().status).toBe('pending');
    const v = run.at(6000).close().verdict();
    expect(v).toMatchObject({ status: 'failed', absence: true, evidence: [3] });
    expect(v.status === 'failed' && v.message).toBe(`metrics: ${DBZ} answered series at every look during the recovery, never none (1 answer; last: #3 prometheus ${DBZ}{context="streaming",server="inventory"} = 1)`);
    expect(outage(runOf('metrics', { ...dbz, absent: 'window' })).verdict().status).toBe('passed');
  });

  it('one series of several leaving is not "no series"', () => {
    const run = runOf('metrics', { name: 'up', absent: 'window' });
    run.at(0).sample('up', 1, { instance: 'a' });
    run.sample('up', 1, { instance: 'b' });
    run.at(1000).open();
    absentOf(run, 'up', { instance: 'b' });
    expect(run.at(2000).close().verdict()).toMatchObject({ status: 'failed', absence: true });
  });

  it('is an error when the series never existed at all (a typo, not an outage)', () => {
    const run = runOf('metrics', { name: 'debezium_metrics_conected', labels: { context: 'streaming' }, absent: 'fault' });
    run.at(0);
    emptyOf(run, 'debezium_metrics_conected{context="streaming"}', ['debezium_metrics_connected']);
    run.at(1000).open().startFault();
    expect(run.verdict()).toMatchObject({ status: 'pending', waitingFor: expect.stringMatching(/to exist at all/) });
    run.at(2000).endFault();
    expect(run.at(3000).close().verdict()).toMatchObject({
      status: 'error',
      message: 'metrics: no series of debezium_metrics_conected{context="streaming"} over the window (did you mean debezium_metrics_connected?)',
      evidence: [1],
    });
  });
});

describe('metrics stalled', () => {
  const EV = 'debezium_metrics_TotalNumberOfEventsSeen';
  /** Events flow (one a second) until the fault (2s-8s) and again after it. */
  function flow(run: FakeRun, until = 9000): FakeRun {
    run.at(0).sample(EV, 10, { context: 'streaming' });
    run.at(1000).open();
    run.at(1800).sample(EV, 12, { context: 'streaming' });
    run.at(2000).startFault();
    run.at(8000).endFault();
    for (let t = 8500; t <= until; t += 1000) run.at(t).sample(EV, 12 + (t - 7500) / 1000, { context: 'streaming' });
    return run;
  }

  it('passes as soon as the value has not changed for that long, asking again at the moment it would', () => {
    const run = runOf('metrics', { name: EV, stalled: '5s', during: 'fault' });
    expect(run.evaluator.needsClosedWindow).toBe(false);
    run.at(0).sample(EV, 10, { context: 'streaming' });
    run.at(1000).open();
    run.at(1800).sample(EV, 12, { context: 'streaming' });
    run.at(2000).startFault();
    // The value in force when the fault started counts from the fault's start, not from when it was set.
    expect(run.at(6500).verdict()).toMatchObject({ status: 'pending', recheckAt: 7001 });
    expect(run.at(7001).verdict()).toMatchObject({
      status: 'passed',
      evidence: [2],
      message: `metrics: ${EV} stayed 12 for 5s from +1s to +6s, during the fault (stalled: 5s)`,
    });
  });

  it('a stretch that ended with a change counts when it was long enough', () => {
    const run = flow(runOf('metrics', { name: EV, stalled: '5s', during: 'fault' }));
    run.at(9500); // the clock has passed the span, the events flowed again
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [2] });
  });

  it('fails at the closed window when every stretch was shorter (a failure by absence), naming the longest', () => {
    // The mutant: a 10s stall in a 6s fault.
    const run = flow(runOf('metrics', { name: EV, stalled: '10s', during: 'fault' }));
    expect(run.verdict().status).toBe('pending');
    const v = run.at(10_000).close().verdict();
    expect(v).toMatchObject({ status: 'failed', absence: true, evidence: [2] });
    expect(v.status === 'failed' && v.message).toBe(
      `metrics: ${EV} changed more often than every 10s during the fault: the longest stretch without a change: ${EV} stayed 12 for 6s from +1s to +7s`,
    );
    // Flowing events are not a stall over the recovery.
    const rec = flow(runOf('metrics', { name: EV, stalled: '2s', during: 'recovery' }), 12_500);
    expect(rec.at(12_600).close().verdict()).toMatchObject({ status: 'failed', absence: true });
  });

  it('a series that leaves the answer is not a stalled one', () => {
    const run = runOf('metrics', { name: EV, stalled: '3s' });
    run.at(0).sample(EV, 5, { context: 'streaming' });
    run.at(1000).open();
    run.at(2500);
    absentOf(run, EV, { context: 'streaming' });
    const v = run.at(8000).close().verdict();
    expect(v).toMatchObject({ status: 'failed', absence: true });
    expect(v.status === 'failed' && v.message).toMatch(/stayed 5 for 1.5s from \+0ms$/);
  });

  it('aggregates: the sum of the series, or each / any series on its own', () => {
    const two = (agg: string, stall = '3s') => {
      const run = runOf('metrics', { name: EV, stalled: stall, aggregate: agg });
      run.at(0).sample(EV, 5, { task: '0' });
      run.sample(EV, 7, { task: '1' });
      run.at(1000).open();
      // task 0 counts up every second; task 1 is stuck.
      for (let t = 1500; t <= 6500; t += 1000) run.at(t).sample(EV, 5 + t / 1000, { task: '0' });
      return run.at(7000).close();
    };
    expect(two('sum').verdict()).toMatchObject({ status: 'failed', absence: true });
    expect(two('any').verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/^metrics: debezium_metrics_TotalNumberOfEventsSeen\{task="1"\} stayed 7 for 6s from \+0ms to \+6s/) });
    const each = two('each').verdict();
    expect(each).toMatchObject({ status: 'failed', absence: true, message: expect.stringMatching(/the longest stretch without a change: debezium_metrics_TotalNumberOfEventsSeen\{task="0"\} stayed/) });
    expect(two('each').evaluator.needsClosedWindow).toBe(true);
  });
});

describe('metrics: an unknown metric is an error', () => {
  const TYPO = 'cp_state_transitons_total{system="mysql",to="CONNECTED"}';
  const typo = { name: 'cp_state_transitons_total', labels: { system: 'mysql', to: 'CONNECTED' } };

  function nothing(run: FakeRun, query: string, suggestions?: string[]): FakeRun {
    run.at(500);
    emptyOf(run, query, suggestions);
    run.at(1000).open().startFault();
    run.at(2000).endFault();
    return run.at(3000).close();
  }

  it('says "did you mean" from the source\'s suggestions, in every mode', () => {
    const message = `metrics: no series of ${TYPO} over the window (did you mean cp_state_transitions_total?)`;
    for (const mode of [{ increase: 'window', value: '>= 1' }, { value: '== 1' }, { during: 'fault', value: '>= 0' }, { stalled: '1s' }, { hold: '1s', value: '>= 0' }]) {
      const v = nothing(runOf('metrics', { ...typo, ...mode }), TYPO, ['cp_state_transitions_total', 'cp_state_transitions_created']).verdict();
      expect(v, JSON.stringify(mode)).toMatchObject({ status: 'error', message, evidence: [1] });
    }
  });

  it('names the metric of a PromQL query that the source does not have', () => {
    const q = 'sum(rate(cp_policy_retrys_total{policy="auto-recover"}[1m]))';
    const v = nothing(runOf('metrics', { query: q, value: '< 1' }), q, ['cp_policy_retries_total']).verdict();
    expect(v).toMatchObject({ status: 'error', message: `metrics: no series of ${q} over the window (did you mean cp_policy_retries_total?)` });
    const far = nothing(runOf('metrics', { query: 'nothing_like_it', value: '< 1' }), 'nothing_like_it', []).verdict();
    expect(far).toMatchObject({ status: 'error', message: 'metrics: no series of nothing_like_it over the window (prometheus has no metric named nothing_like_it)' });
  });

  it('a known metric whose labels match nothing: error for a value, 0 for a counter that never incremented', () => {
    const Q = 'cp_policy_executions_total{policy="auto-recover",status="FAILED"}';
    const item = { name: 'cp_policy_executions_total', labels: { policy: 'auto-recover', status: 'FAILED' } };
    const value = nothing(runOf('metrics', { ...item, value: '== 0' }), Q, ['cp_policy_executions_total']).verdict();
    expect(value).toMatchObject({ status: 'error', message: `metrics: no series of ${Q} over the window (prometheus has cp_policy_executions_total, but no series matched)` });
    expect(nothing(runOf('metrics', { ...item, increase: 'window', value: '== 0' }), Q, ['cp_policy_executions_total']).verdict()).toMatchObject({ status: 'passed' });
    // The mutant: expecting a failed execution on a healthy run.
    expect(nothing(runOf('metrics', { ...item, increase: 'window', value: '>= 1' }), Q, ['cp_policy_executions_total']).verdict()).toMatchObject({
      status: 'failed',
      absence: true,
      message: expect.stringMatching(/= 0 \(no series existed\), expected >= 1/),
    });
  });

  it('reads metric names out of PromQL', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(cp_db_query_duration_seconds_bucket{system="mysql"}[60s])))')).toEqual(['cp_db_query_duration_seconds_bucket']);
    expect(promqlMetricNames('sum(a_total{x="sum(b)"}) - on(job) group_left(instance) b:rate5m offset 5m > bool 1e3')).toEqual(['a_total', 'b:rate5m']);
  });
});

describe('metrics schema: aggregate, absent, stalled, needsFault', () => {
  it('explains bad items', () => {
    const p = (item: Record<string, unknown>) => problems('metrics', item).join('\n');
    expect(p({ name: 'x', aggregate: 'median', value: '< 1' })).toMatch(/aggregate: expected one of sum, min, max, avg, each, any/);
    expect(p({ name: 'x', absent: 'fault', value: '== 0' })).toMatch(/value: absent takes no value: it passes when no series answers/);
    expect(p({ name: 'x', stalled: '10s', value: '== 0' })).toMatch(/value: stalled takes no value/);
    expect(p({ name: 'x', at: 'end' })).toMatch(/value: expected a comparator in value, e.g. value: ">= 1" \(or use absent or stalled\)/);
    expect(p({ name: 'x', absent: 'fault', stalled: '10s' })).toMatch(/stalled: use one of at, during, hold, increase, rate, absent, stalled \(got absent and stalled\)/);
    expect(p({ name: 'x', absent: 'fault', during: 'fault' })).toMatch(/use one of .* \(got during and absent\)/);
    expect(p({ name: 'x', absent: 'fault', aggregate: 'each' })).toMatch(/aggregate does not apply to absent/);
    expect(p({ name: 'x', absent: 'later' })).toMatch(/absent: expected "window", "fault" or "recovery"/);
    expect(p({ name: 'x', stalled: 0 })).toMatch(/stalled: expected a duration longer than 0/);
    expect(p({ name: 'x', stalled: '10s', during: 'fault' })).toBe('');
    expect(metricsItemSchema.parse({ name: 'x', value: '< 1' }).aggregate).toBe('sum');
  });

  it('metricsNeedsFault names the key that needs a fault', () => {
    const needs = (item: Record<string, unknown>) => metricsNeedsFault(metricsItemSchema.parse(item));
    expect(needs({ name: 'x', increase: 'fault', value: '>= 1' })).toBe('increase: fault needs a fault');
    expect(needs({ name: 'x', rate: 'recovery', value: '< 1' })).toBe('rate: recovery needs a fault');
    expect(needs({ name: 'x', during: 'fault', value: '< 1' })).toBe('during: fault needs a fault');
    expect(needs({ name: 'x', stalled: '5s', during: 'recovery' })).toBe('during: recovery needs a fault');
    expect(needs({ name: 'x', absent: 'fault' })).toBe('absent: fault needs a fault');
    expect(needs({ name: 'x', hold: '5s', value: '< 1' })).toBe('hold needs a fault (it starts when the fault has ended)');
    for (const ok of [{ value: '< 1' }, { increase: 'window', value: '>= 1' }, { absent: 'window' }, { stalled: '5s' }, { during: 'window', value: '< 1' }])
      expect(needs({ name: 'x', ...ok })).toBeUndefined();
  });
});
