/**
 * Label sets aggregate (several series match an item's labels: one value, default sum) and a value at a moment is
 * the value at that moment (a series that left the answer has no value, whatever its last sample said).
 */
import { describe, expect, it } from 'vitest';
import { runOf, type FakeRun } from '../../test/harness';

const NAME = 'cp_state_transitions_total';
const Q = `${NAME}{system="mysql",to="CONNECTED"}`;
const item = { name: NAME, labels: { system: 'mysql', to: 'CONNECTED' } };
const from = (f: string) => ({ __name__: NAME, system: 'mysql', to: 'CONNECTED', from: f });

/**
 * A healthy run on a control plane that has been up for a while: two series match (earlier recoveries came from
 * DISCONNECTED, and from RECOVERING); this run's recovery (fault 1s-3s) adds one RECOVERING->CONNECTED.
 */
function healthy(run: FakeRun): FakeRun {
  run.at(0).sample(Q, 3, from('DISCONNECTED'));
  run.sample(Q, 5, from('RECOVERING'));
  run.at(1000).open().startFault();
  run.at(3000).endFault();
  run.at(3500).sample(Q, 6, from('RECOVERING'));
  return run.at(5000).close();
}

const absentOf = (run: FakeRun, query: string, labels: Record<string, string>) =>
  run.record({ source: 'prometheus', kind: 'metric.absent', subject: query, data: { query, labels }, ref: { type: 'custom', summary: 'series absent', query } });
const emptyOf = (run: FakeRun, query: string) =>
  run.record({ source: 'prometheus', kind: 'metric.empty', subject: query, data: { query, empty: true }, ref: { type: 'custom', summary: 'query returned no series', query } });

describe('metrics: several series match the labels', () => {
  it('increase sums the per-series increases (a second `from` series no longer fails a healthy run)', () => {
    const v = healthy(runOf('metrics', { ...item, increase: 'window', value: '>= 1' })).verdict();
    expect(v).toMatchObject({ status: 'passed', evidence: [1, 2, 3] });
    expect(v.status === 'passed' && v.message).toBe(
      `metrics: increase(${Q}) over the window (4s) = 1 (sum of {from="DISCONNECTED"} 0, {from="RECOVERING"} 1) >= 1`,
    );
  });

  it('each, any, min, max, avg choose another aggregation; a wrong bound fails the healthy run', () => {
    const verdict = (extra: Record<string, unknown>) => healthy(runOf('metrics', { ...item, increase: 'window', ...extra })).verdict();
    const each = verdict({ aggregate: 'each', value: '>= 1' });
    expect(each).toMatchObject({ status: 'failed', evidence: [1] });
    expect(each.status === 'failed' && each.message).toMatch(
      /^metrics: each of increase\(.*\) over the window \(4s\)\{from="DISCONNECTED"\} = 0, expected >= 1 \(each series must be: \{from="DISCONNECTED"\} 0, \{from="RECOVERING"\} 1\) \(#1 /,
    );
    expect(verdict({ aggregate: 'any', value: '>= 1' }).status).toBe('passed');
    expect(verdict({ aggregate: 'min', value: '>= 1' }).status).toBe('failed');
    expect(verdict({ aggregate: 'max', value: '>= 1' }).status).toBe('passed');
    expect(verdict({ aggregate: 'avg', value: '== 0.5' }).status).toBe('passed');
    const any = verdict({ aggregate: 'any', value: '>= 2' });
    expect(any.status === 'failed' && any.message).toMatch(/: no series was >= 2 \(\{from="DISCONNECTED"\} 0, \{from="RECOVERING"\} 1\)/);
    // The mutant: expecting two recoveries of one healthy run fails, naming the sum and its parts.
    const wrong = verdict({ value: '>= 2' });
    expect(wrong.status === 'failed' && wrong.message).toMatch(/= 1 \(sum of \{from="DISCONNECTED"\} 0, \{from="RECOVERING"\} 1\), expected >= 2/);
  });

  it('rate sums the per-series rates', () => {
    expect(healthy(runOf('metrics', { ...item, rate: 'window', value: '== 0.25' })).verdict().status).toBe('passed');
    expect(healthy(runOf('metrics', { ...item, rate: 'window', aggregate: 'max', value: '> 0.3' })).verdict().status).toBe('failed');
  });

  /** A one-hot state gauge: CONNECTED 1 then DISCONNECTED 1 during the fault (1s-3s), back to CONNECTED. */
  function oneHot(run: FakeRun, stamps = true): FakeRun {
    const Q2 = 'cp_system_state{system="mysql"}';
    const set = (t: number, connected: number) => {
      // One poll records both series; with `stamps`, 1 ms apart in receive time but with the same sample time.
      const ts = 1_700_000_000_000 + t;
      for (const [state, value, dt] of [['CONNECTED', connected, 0], ['DISCONNECTED', 1 - connected, stamps ? 1 : 0]] as const) {
        const labels = { system: 'mysql', state };
        const input = { source: 'prometheus', kind: 'metric.sample', subject: Q2, sourceTime: ts, data: { query: Q2, labels, value, timestamp: ts } };
        run.at(t + dt).record({ ...input, ref: { type: 'promql', url: 'http://127.0.0.1:9090', query: Q2, labels, value, timestamp: ts } });
      }
    };
    set(0, 1);
    run.at(1000).open().startFault();
    set(1500, 0);
    run.at(3000).endFault();
    set(3500, 1);
    return run.at(5000).close();
  }

  it('at: end, during and hold compare the aggregate of the series in one answer', () => {
    const state = { query: 'cp_system_state{system="mysql"}' };
    // One poll's samples are one answer: the sum never reads 0 between CONNECTED=0 and DISCONNECTED=1.
    expect(oneHot(runOf('metrics', { ...state, during: 'window', value: '== 1' })).verdict().status).toBe('passed');
    expect(oneHot(runOf('metrics', { ...state, value: '== 1' })).verdict()).toMatchObject({ status: 'passed', evidence: [5, 6] });
    const each = oneHot(runOf('metrics', { ...state, aggregate: 'each', value: '== 1' })).verdict();
    expect(each.status === 'failed' && each.message).toBe(
      `metrics: cp_system_state{system="mysql"}{state="DISCONNECTED"} was 0 at +2.5s, expected == 1 (each series must be: {state="CONNECTED"} 1, {state="DISCONNECTED"} 0) at the window's end (#6 prometheus cp_system_state{system="mysql"}{system="mysql",state="DISCONNECTED"} = 0)`,
    );
    expect(oneHot(runOf('metrics', { ...state, aggregate: 'any', value: '== 1' })).verdict().status).toBe('passed');
    expect(oneHot(runOf('metrics', { ...state, aggregate: 'max', during: 'fault', value: '== 1' })).verdict().status).toBe('passed');
    expect(oneHot(runOf('metrics', { ...state, aggregate: 'min', hold: '1s', value: '== 0' })).verdict().status).toBe('passed');
    // Mutants: the state gauge is not 1 for CONNECTED during the fault; the min is never 1.
    const during = oneHot(runOf('metrics', { query: 'cp_system_state{system="mysql",state="CONNECTED"}', during: 'fault', value: '== 1' }));
    expect(during.verdict().status).toBe('error'); // that query was never answered: the samples are of another
    const connected = oneHot(runOf('metrics', { ...state, labels: { state: 'CONNECTED' }, during: 'fault', value: '== 1' })).verdict();
    expect(connected.status === 'failed' && connected.message).toMatch(/^metrics: cp_system_state\{system="mysql"\} matching \{state="CONNECTED"\} was 0 at \+500ms, expected == 1, during the fault \(#3 /);
    expect(oneHot(runOf('metrics', { ...state, aggregate: 'min', value: '== 1' })).verdict().status).toBe('failed');
  });
});

describe('metrics: what one answer is', () => {
  it('the points of a range query, received together, are still one answer each (a spike between them counts)', () => {
    const Q = 'sum(rate(cp_errors_total[10s]))';
    const run = runOf('metrics', { query: Q, during: 'window', value: '< 0.5' });
    run.at(1000).open();
    run.at(2000);
    for (const [i, value] of [0.1, 0.9, 0.1].entries()) {
      const timestamp = 1_700_000_001_000 + i * 1000;
      const input = { source: 'prometheus', kind: 'metric.sample', subject: Q, sourceTime: timestamp, data: { query: Q, labels: {}, value, timestamp } };
      run.record({ ...input, ref: { type: 'promql', url: 'http://127.0.0.1:9090', query: Q, labels: {}, value, timestamp } });
    }
    expect(run.verdict()).toMatchObject({ status: 'failed', evidence: [2] });
  });
});

describe('metrics: a value at a moment is the value at that moment', () => {
  const dbz = 'debezium_metrics_connected{context="streaming"}';
  const dbzItem = { name: 'debezium_metrics_connected', labels: { context: 'streaming' } };

  function vanishing(run: FakeRun, how: 'absent' | 'empty', back = false): FakeRun {
    run.at(0).sample(dbz, 1, { context: 'streaming', server: 'inventory' });
    run.at(1000).open().startFault();
    if (how === 'absent') absentOf(run, dbz, { context: 'streaming', server: 'inventory' });
    else emptyOf(run, dbz);
    run.at(3000).endFault();
    if (back) run.at(4000).sample(dbz, 1, { context: 'streaming', server: 'inventory' });
    return run.at(5000).close();
  }

  it('at: end is not the last sample of a series that left the answer', () => {
    for (const how of ['absent', 'empty'] as const) {
      const v = vanishing(runOf('metrics', { ...dbzItem, value: '== 1' }), how).verdict();
      expect(v.status === 'failed' && v.message).toMatch(
        new RegExp(`^metrics: debezium_metrics_connected\\{context="streaming"\\} answered no series at the window's end \\(#2 prometheus (series absent|query returned no series)\\); it last answered 1 1s before the window$`),
      );
      expect(v).toMatchObject({ evidence: [2] });
    }
    // Back before the end: the value at the end is its new sample.
    expect(vanishing(runOf('metrics', { ...dbzItem, value: '== 1' }), 'absent', true).verdict()).toMatchObject({ status: 'passed', evidence: [3] });
  });

  it('one series leaving the answer leaves the others in the aggregate', () => {
    const run = runOf('metrics', { query: 'up{job="cp"}', value: '== 1' });
    run.at(0).sample('up{job="cp"}', 1, { job: 'cp', instance: 'a' });
    run.sample('up{job="cp"}', 1, { job: 'cp', instance: 'b' });
    run.at(1000).open();
    absentOf(run, 'up{job="cp"}', { job: 'cp', instance: 'b' });
    expect(run.at(2000).close().verdict()).toMatchObject({ status: 'passed', evidence: [1] });
  });

  it('during and hold fail on an answer with no series', () => {
    const during = vanishing(runOf('metrics', { ...dbzItem, during: 'fault', value: '== 1' }), 'empty', true).verdict();
    expect(during).toMatchObject({ status: 'failed', evidence: [2], message: expect.stringMatching(/answered no series at \+0ms, during the fault \(#2 /) });
    const run = runOf('metrics', { ...dbzItem, hold: '3s', value: '== 1' });
    vanishing(run, 'empty', true);
    run.at(5500);
    absentOf(run, dbz, { context: 'streaming', server: 'inventory' });
    expect(run.verdict()).toMatchObject({ status: 'failed', evidence: [4], message: expect.stringMatching(/answered no series at \+4.5s, within the 3s hold that began at \+3s/) });
  });

  it('increase counts across a series that left and came back (no reset when it resumes higher)', () => {
    const run = runOf('metrics', { name: 'dbz_events_total', increase: 'window', value: '== 3' });
    run.at(0).sample('dbz_events_total', 10, { task: '0' });
    run.at(1000).open();
    run.at(1500).sample('dbz_events_total', 11, { task: '0' });
    run.at(2000);
    absentOf(run, 'dbz_events_total', { task: '0' });
    run.at(3000).sample('dbz_events_total', 13, { task: '0' });
    expect(run.at(4000).close().verdict()).toMatchObject({ status: 'passed' });
  });
});
