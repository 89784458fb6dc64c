import { describe, expect, it } from 'vitest';
import { problems, runOf, type FakeRun } from '../../test/harness';
import { assertionsPlugin } from '../index';
import { metricsItemSchema } from './schema';
import { compare, parseComparator, type Comparator } from './comparator';

const P99 = 'histogram_quantile(0.99, sum by (le) (rate(cp_db_query_duration_seconds_bucket{system="mysql"}[60s])))';
const p99Item = { name: 'cp_db_query_duration_seconds', labels: { system: 'mysql' }, quantile: 0.99 };

/** p99 latency: 0.1 before the fault (#1), 0.3 and 0.2 during it (fault 1s-4s), 0.12 and 0.11 after. */
function latency(run: FakeRun, values = [0.1, 0.3, 0.2, 0.12, 0.11]): FakeRun {
  const [a, b, c, d, e] = values as [number, number, number, number, number];
  run.at(0).sample(P99, a);
  run.at(1000).open().startFault();
  run.at(2000).sample(P99, b);
  run.at(3000).sample(P99, c);
  run.at(4000).endFault();
  run.at(4500).sample(P99, d);
  run.at(6000).sample(P99, e);
  return run;
}

describe('metrics comparators', () => {
  const ok = (text: unknown, value: number, baseline?: number) => compare(parseComparator(text) as Comparator, value, baseline).ok;
  it('reads strings and mappings, with units and baselines', () => {
    expect(ok('< 250ms', 0.2)).toBe(true);
    expect(ok('< 250ms', 0.25)).toBe(false);
    expect(ok('<= 3', 3)).toBe(true);
    expect(ok('== 1', 1)).toBe(true);
    expect(ok('>= 1', 0)).toBe(false);
    expect(ok('> 50%', 0.6)).toBe(true);
    expect(ok('between 0 and 5', 5)).toBe(true);
    expect(ok({ between: [1, '2s'] }, 2.5)).toBe(false);
    expect(ok({ '<': 0.25 }, 0.1)).toBe(true);
    expect(ok('<= baseline * 1.5', 0.15, 0.1)).toBe(true);
    expect(ok('<= baseline * 1.5', 0.16, 0.1)).toBe(false);
    expect(ok('< baseline + 10', 19, 10)).toBe(true);
    expect(compare(parseComparator('<= baseline * 1.5') as Comparator, 1, 0.5).bound).toBe('<= 0.75 (baseline * 1.5, baseline 0.5)');
  });

  it('explains what it cannot read', () => {
    expect(parseComparator('about 5')).toMatch(/has no comparator: write e.g. "< 250ms"/);
    expect(parseComparator('< soon')).toMatch(/"soon" is not a number/);
    expect(parseComparator({ '<': 1, '>': 0 })).toMatch(/exactly one comparator/);
    expect(parseComparator({ '=~': 1 })).toMatch(/unknown comparator "=~"/);
    expect(parseComparator({ between: [1] })).toMatch(/between takes two bounds/);
  });
});

describe('metrics schema and the query each item declares', () => {
  it('explains bad items', () => {
    expect(problems('metrics', { value: '< 1' }).join('\n')).toMatch(/give either query \(PromQL\) or name/);
    expect(problems('metrics', { query: 'up', name: 'up', value: '< 1' }).join('\n')).toMatch(/give either query/);
    expect(problems('metrics', { query: 'up', value: 'small' }).join('\n')).toMatch(/value: "small" has no comparator/);
    expect(problems('metrics', { query: 'up', quantile: 0.9, value: '< 1' }).join('\n')).toMatch(/quantile needs name/);
    expect(problems('metrics', { name: 'x', quantile: 99, value: '< 1' }).join('\n')).toMatch(/between 0 and 1/);
    expect(problems('metrics', { query: 'up', during: 'fault', hold: '5s', value: '< 1' }).join('\n')).toMatch(/use one of at, during, hold, increase, rate/);
    expect(problems('metrics', { name: 'x', increase: 'window', value: '< baseline' }).join('\n')).toMatch(/baseline .* does not apply to increase/);
    expect(problems('metrics', { name: 'bad name', value: '< 1' }).join('\n')).toMatch(/expected a metric name/);
  });

  it('says which PromQL each item needs: the query it declares as an interest', () => {
    const queryOf = (raw: Record<string, unknown>) => assertionsPlugin().assertions!.metrics!.interests!(metricsItemSchema.parse(raw)).map((i) => i.value);
    expect(queryOf({ ...p99Item, value: '< 250ms' })).toEqual([P99]);
    expect(queryOf({ name: 'cp_policy_retries_total', labels: { policy: 'auto-recover' }, increase: 'window', value: '<= 3' })).toEqual([
      'cp_policy_retries_total{policy="auto-recover"}',
    ]);
    expect(queryOf({ query: ' sum(cp_chaos_active) ', value: '== 0' })).toEqual(['sum(cp_chaos_active)']);
    expect(queryOf({ ...p99Item, quantile: 0.5, range: '30s', value: '< 1' })).toEqual([
      'histogram_quantile(0.5, sum by (le) (rate(cp_db_query_duration_seconds_bucket{system="mysql"}[30s])))',
    ]);
    expect(problems('metrics', { query: 'up', range: '30s', value: '< 1' }).join('\n')).toMatch(/range applies to quantile/);
  });
});

describe('metrics at: end', () => {
  it('reads the last sample when the window closes', () => {
    const run = latency(runOf('metrics', { ...p99Item, value: '< 250ms', at: 'end' }));
    expect(run.evaluator.needsClosedWindow).toBe(true);
    expect(run.verdict().status).toBe('pending');
    expect(run.close().verdict()).toMatchObject({ status: 'passed', evidence: [5] });
  });

  it('fails with the value and its sample', () => {
    const v = latency(runOf('metrics', { ...p99Item, value: '< 100ms' })).close().verdict();
    expect(v.status === 'failed' && v.message).toBe(
      `metrics: p99 of cp_db_query_duration_seconds{system="mysql"} was 0.11 at +5s, expected < 100ms at the window's end (#5 prometheus ${P99} = 0.11)`,
    );
  });

  it('is an error when no sample was recorded , and reports what it saw when the source was blind (core applies blindness)', () => {
    const run = runOf('metrics', { query: 'up', value: '== 1' });
    run.at(1000).open().close();
    expect(run.verdict()).toMatchObject({ status: 'error', message: expect.stringMatching(/^metrics: no sample of up was recorded by prometheus \(is an observer of source prometheus configured\? It samples the query from its first poll on, as a promql interest of this item\)$/) });
    const blind = latency(runOf('metrics', { ...p99Item, value: '< 250ms' })).blindSpan('prometheus', 1500, 2500).close();
    expect(blind.verdict().status).toBe('passed');
    expect(blind.evaluator.sources).toEqual(['prometheus']);
  });

  it('checks every series of a query, and name + labels also match scraped samples by name', () => {
    const run = runOf('metrics', { name: 'cp_system_state', labels: { system: 'mysql', state: 'CONNECTED' }, value: '== 1' });
    run.at(0).sample('cp_system_state', 1, { system: 'mysql', state: 'CONNECTED' });
    run.sample('cp_system_state', 0, { system: 'mysql-2', state: 'CONNECTED' });
    run.at(1000).open().startFault();
    run.at(1500).sample('cp_system_state', 0, { system: 'mysql', state: 'CONNECTED' });
    run.at(3000).endFault().close();
    const v = run.verdict();
    expect(v).toMatchObject({ status: 'failed', evidence: [3] });
  });
});

describe('metrics during', () => {
  it('fault: fails early on a sample out of bounds (stale or spiking metrics)', () => {
    const v = latency(runOf('metrics', { ...p99Item, value: '< 250ms', during: 'fault' })).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/was 0.3 at \+1s, expected < 250ms, during the fault/);
    expect(v.status === 'failed' && v.evidence).toEqual([2]);
  });

  it('fault: passes once a sample after the fault shows the span is complete', () => {
    const run = runOf('metrics', { ...p99Item, value: '< 500ms', during: 'fault' });
    expect(run.evaluator.needsClosedWindow).toBe(false);
    latency(run);
    // The value in force when the fault started (#1) counts: observers may record only changes.
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [1, 2, 3] });
  });

  it('recovery and window are judged at the closed window', () => {
    const rec = latency(runOf('metrics', { ...p99Item, value: '< 250ms', during: 'recovery' }));
    expect(rec.verdict().status).toBe('pending');
    expect(rec.close().verdict()).toMatchObject({ status: 'passed', evidence: [3, 4, 5] });
    // 0.2 was still in force when the fault ended.
    expect(latency(runOf('metrics', { ...p99Item, value: '< 150ms', during: 'recovery' })).verdict()).toMatchObject({ status: 'failed', evidence: [3] });
    expect(latency(runOf('metrics', { ...p99Item, value: '< 150ms', during: 'window' })).close().verdict().status).toBe('failed');
  });
});

describe('metrics hold', () => {
  it('starts when the metric is back within bounds after the fault, and passes once the hold is over', () => {
    const run = latency(runOf('metrics', { ...p99Item, value: '< 150ms', hold: '1s' }));
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [4] });
    const waiting = latency(runOf('metrics', { ...p99Item, value: '< 150ms', hold: '5s' }));
    expect(waiting.verdict().status).toBe('pending');
  });

  it('fails on a sample out of bounds in the hold, or when the window closed first', () => {
    const flap = latency(runOf('metrics', { ...p99Item, value: '< 150ms', hold: 5 }));
    flap.at(7000).sample(P99, 0.3);
    expect(flap.verdict()).toMatchObject({ status: 'failed', evidence: [6], message: expect.stringMatching(/was 0.3 at \+6s, expected < 150ms, within the 5s hold that began at \+3.5s/) });
    const never = latency(runOf('metrics', { ...p99Item, value: '< 50ms', hold: 5 })).close();
    expect(never.verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/was not back < 50ms after the fault ended/) });
    const v = latency(runOf('metrics', { ...p99Item, value: '< 150ms', hold: '30s' })).close().verdict();
    expect(v.status === 'failed' && v.message).toMatch(/window closed before the 30s hold that began at \+3.5s was over \(lengthen window.after\)/);
  });
});

describe('metrics increase / rate', () => {
  function retries(run: FakeRun, values: [number, number][], looked = true): FakeRun {
    // The observer's first answer for the query, before the window: it returned no series yet.
    if (looked) run.at(500).record({ source: 'prometheus', kind: 'metric.empty', data: { query: 'cp_policy_retries_total{policy="auto-recover"}', empty: true }, ref: { type: 'runtime', detail: 'empty' } });
    run.at(1000).open().startFault();
    for (const [t, v] of values) run.at(t).sample('cp_policy_retries_total{policy="auto-recover"}', v, { policy: 'auto-recover' });
    run.at(4000).endFault();
    return run.at(6000).close();
  }
  const item = { name: 'cp_policy_retries_total', labels: { policy: 'auto-recover' } };

  it('counts the increase over the window from the sample before it, across a reset', () => {
    const run = runOf('metrics', { ...item, increase: 'window', value: '<= 3' });
    expect(retries(run, [[500, 5], [2000, 7], [3000, 1], [5000, 2]]).verdict()).toMatchObject({ status: 'failed' });
    const v = run.verdict();
    expect(v.status === 'failed' && v.message).toMatch(/^metrics: increase\(cp_policy_retries_total\{policy="auto-recover"\}\) over the window \(5s\) = 4, expected <= 3 \(#2 prometheus /);
    expect(retries(runOf('metrics', { ...item, increase: 'window', value: '<= 3' }), [[500, 5], [2000, 7], [5000, 8]]).verdict().status).toBe('passed');
  });

  it('a series first seen in the span starts at 0; no series at all is 0', () => {
    expect(retries(runOf('metrics', { ...item, increase: 'fault', value: '== 2' }), [[2000, 2]]).verdict().status).toBe('passed');
    // Without an earlier look, a first sample inside the span is only where counting starts (frozen metrics stay 0).
    expect(retries(runOf('metrics', { ...item, increase: 'fault', value: '== 0' }), [[2000, 2], [3000, 2]], false).verdict().status).toBe('passed');
    const v = retries(runOf('metrics', { ...item, increase: 'window', value: '>= 1' }), []).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/= 0 \(no series existed\), expected >= 1/);
  });

  it('rate divides by the span in seconds', () => {
    expect(retries(runOf('metrics', { ...item, rate: 'recovery', value: 'between 0.4 and 0.6' }), [[3000, 1], [5000, 2]]).verdict().status).toBe('passed');
    expect(retries(runOf('metrics', { ...item, rate: 'recovery', value: '< 0.1' }), [[3000, 1], [5000, 2]]).verdict().status).toBe('failed');
  });
});

describe('metrics baseline', () => {
  it('compares with the value before the fault, per series', () => {
    expect(latency(runOf('metrics', { ...p99Item, value: '<= baseline * 1.5' })).close().verdict()).toMatchObject({ status: 'passed', evidence: [1, 5] });
    const v = latency(runOf('metrics', { ...p99Item, value: '<= baseline * 1.5', during: 'fault' })).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/was 0.3 at \+1s, expected <= 0.15 \(baseline \* 1.5, baseline 0.1\), during the fault/);
  });

  it('is an error without a sample before the fault', () => {
    const run = runOf('metrics', { ...p99Item, value: '<= baseline * 1.5' });
    run.at(1000).open().startFault();
    run.at(2000).sample(P99, 0.2);
    run.at(3000).endFault().close();
    expect(run.verdict()).toMatchObject({ status: 'error', message: expect.stringMatching(/no baseline for p99 of cp_db_query_duration_seconds/) });
  });
});

describe('metrics and the Prometheus observer', () => {
  it('declares its query as a promql interest of its source, so the observer samples it before the fault', () => {
    const item = metricsItemSchema.parse({ ...p99Item, value: '< 250ms' });
    expect(assertionsPlugin().assertions!.metrics!.interests!(item)).toEqual([{ source: 'prometheus', kind: 'promql', value: P99 }]);
  });

  it('is an error when the query returned no series over the whole window, or when Prometheus rejected it', () => {
    const run = runOf('metrics', { query: 'up{job="cp"}', value: '== 1' });
    run.at(1000).open();
    run.record({ source: 'prometheus', kind: 'metric.empty', subject: 'up{job="cp"}', data: { query: 'up{job="cp"}', empty: true }, ref: { type: 'runtime', detail: 'empty' } });
    expect(run.close().verdict()).toMatchObject({ status: 'error', message: 'metrics: no series of up{job="cp"} over the window', evidence: [1] });
    const bad = runOf('metrics', { query: 'up{', value: '== 1' });
    bad.at(1000).open();
    bad.record({ source: 'prometheus', kind: 'metric.error', subject: 'up{', data: { query: 'up{', error: 'parse error: unexpected end of input' }, ref: { type: 'runtime', detail: 'error' } });
    expect(bad.close().verdict()).toMatchObject({ status: 'error', message: 'metrics: prometheus rejected up{: parse error: unexpected end of input', evidence: [1] });
  });
});
