import { describe, expect, it } from 'vitest';
import { problems, runOf, type FakeRun } from '../../test/harness';

function fault(run: FakeRun, kind: 'fault.started' | 'fault.ended'): void {
  run.record({ source: 'runtime', kind, data: { id: 'chaos-1', system: 'mysql', fault: 'CONNECTION_LOSS', actionId: 'cut' }, ref: { type: 'runtime', detail: kind } });
}

/** #1 CONNECTED, fault at 1s (#2), #3 CHAOS_STARTED, #4 DISCONNECTED at 1.4s, fault ends 4s (#5), #6 CONNECTED at `recoverAt`. */
function run(item: unknown, opts: { recoverAt?: number; final?: string; detect?: boolean } = {}): FakeRun {
  const r = runOf('timing', item);
  r.at(0).state('mysql', 'CONNECTED');
  r.at(1000).open().startFault();
  fault(r, 'fault.started');
  r.event('CHAOS_STARTED');
  if (opts.detect !== false) r.at(1400).state('mysql', 'DISCONNECTED');
  r.at(4000).endFault();
  fault(r, 'fault.ended');
  if (opts.recoverAt !== undefined) r.at(opts.recoverAt).state('mysql', opts.final ?? 'CONNECTED');
  return r;
}

describe('timing schema', () => {
  it('explains bad items', () => {
    expect(problems('timing', {}).join('\n')).toMatch(/nothing to check/);
    expect(problems('timing', { time_to_detect: {} }).join('\n')).toMatch(/expected min and\/or max/);
    expect(problems('timing', { time_to_recover: { min: '5s', max: '1s' } }).join('\n')).toMatch(/min is above max/);
    expect(problems('timing', { time_to_recover: { maximum: '5s' } }).join('\n')).toMatch(/maximum/);
  });
});

describe('timing time_to_detect', () => {
  it('measures from the fault start to the first non-healthy observation, ignoring CHAOS_ events', () => {
    const v = run({ time_to_detect: { max: '1s' } }).verdict();
    expect(v).toMatchObject({ status: 'passed', evidence: [2, 4] });
    expect(v.status === 'passed' && v.message).toMatch(/^timing: time to detect CONNECTION_LOSS on mysql \(first seen: #4 api GET http:\/\/127\.0\.0\.1:8080\/api\/v1\/systems\/mysql mysql=DISCONNECTED\) was 400ms \(<= 1s\)$/);
  });

  it('fails when detected too late, too early, or not by the max', () => {
    expect(run({ time_to_detect: { max: '200ms' } }).verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/was 400ms, more than the max 200ms/) });
    expect(run({ time_to_detect: { min: '1s' } }).verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/less than the min 1s/) });
    const none = run({ time_to_detect: 2 }, { detect: false });
    expect(none.at(2500).verdict().status).toBe('pending');
    expect(none.at(3100).verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/nothing observed the fault in 2.1s \(max 2s\)/) });
  });

  it('counts an event about the system (kafka) as detection', () => {
    const r = runOf('timing', { time_to_detect: { max: '1s' } });
    r.at(1000).open().startFault();
    r.at(1300).event('CONNECTION_LOST');
    expect(r.verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/was 300ms/) });
  });

  it('is an error when no fault was injected (once the window closed); reports what it saw whatever the blind spans', () => {
    const r = runOf('timing', { time_to_detect: { max: '1s' } });
    r.at(1000).open();
    expect(r.verdict()).toMatchObject({ status: 'pending', waitingFor: 'a fault to start' });
    r.close();
    expect(r.verdict()).toMatchObject({ status: 'error', message: 'timing: no fault was injected, so there is nothing to time' });
    // Blindness is core's rule: the evaluator reports the detection it saw.
    const blind = run({ time_to_detect: { max: '1s' } }).blindSpan('kafka', 900, 1100);
    expect(blind.evaluator.sources).toEqual(['api', 'kafka']);
    expect(blind.verdict()).toMatchObject({ status: 'passed', evidence: [2, 4] });
  });

  it('nothing observed the fault is a failure by absence', () => {
    const none = run({ time_to_detect: { max: '1s' } }, { detect: false });
    expect(none.at(2001).verdict()).toMatchObject({ status: 'failed', absence: true });
  });
});

describe('timing time_to_recover', () => {
  it('measures from the fault end to the healthy state the system ends in (provisional until the window closes)', () => {
    const r = run({ time_to_recover: { max: '2s' } }, { recoverAt: 5000 });
    expect(r.verdict()).toMatchObject({ status: 'passed', provisional: true, evidence: [5, 6] });
    expect(r.close().verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/time to recover mysql from CONNECTION_LOSS .* was 1s \(<= 2s\)/) });
  });

  it('fails when the recovery came late (late-recovery), with when it came', () => {
    const v = run({ time_to_recover: '5s' }, { recoverAt: 12_000 }).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/was 8s, more than the max 5s/);
  });

  it('fails by the max when it has not recovered (no-recovery), and at the closed window on a wrong final state', () => {
    const r = run({ time_to_recover: { max: '5s' } });
    expect(r.at(8000).verdict().status).toBe('pending');
    expect(r.at(9001).verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/not recovered 5s after the fault ended, still DISCONNECTED/) });
    const wrong = run({ time_to_recover: { min: 0 } }, { recoverAt: 5000, final: 'DEGRADED' }).close();
    expect(wrong.verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/did not recover, still DEGRADED .* when the window closed/) });
  });

  it('uses the first of the trailing healthy sightings across api and kafka, and honours min', () => {
    const r = run({ time_to_recover: { max: '2s' } });
    r.at(4300).stateChanged('DISCONNECTED', 'CONNECTED');
    r.at(5000).state('mysql', 'CONNECTED');
    expect(r.verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/was 300ms/) });
    expect(run({ time_to_recover: { min: '2s' } }, { recoverAt: 5000 }).verdict()).toMatchObject({ status: 'failed' });
  });
});

describe('timing fault, system, healthy, sources', () => {
  it('times the named fault on the named system, with its own healthy states and sources', () => {
    const r = runOf('timing', { time_to_recover: { max: '1s' }, fault: 'second', system: 'cache', healthy: ['READY'], sources: ['api'] });
    expect(r.evaluator.sources).toEqual(['api']);
    r.at(1000).open().startFault(1000, 'mysql', 'first');
    r.startFault(1000, 'mysql', 'second');
    r.at(2000).endFault(2000, 0).endFault(2000, 1);
    r.at(2200).state('mysql', 'CONNECTED');
    r.at(2500).stateChanged('DOWN', 'READY', 'cache'); // kafka is not a source of this item
    expect(r.verdict().status).toBe('pending');
    r.at(2600).state('cache', 'READY');
    expect(r.verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/time to recover cache from CONNECTION_LOSS \(READY at #3 .*\) was 600ms/) });
    const unknown = runOf('timing', { time_to_detect: { max: '1s' }, fault: 'nope' });
    unknown.at(1000).open().startFault();
    unknown.close();
    expect(unknown.verdict()).toMatchObject({ status: 'error', message: 'timing: no fault "nope" was injected, so there is nothing to time (faults: cut/chaos-1)' });
  });
});

describe('timing catalog', () => {
  it('a system the catalog does not list is an error as soon as the list is known, before any fault', () => {
    const r = runOf('timing', { time_to_recover: { max: '5s' }, system: 'mysq1' });
    expect(r.verdict().status).toBe('pending');
    r.catalog('systems', ['mysql']);
    expect(r.verdict()).toEqual({ status: 'error', message: 'timing: unknown system "mysq1": api lists mysql; did you mean "mysql"?', evidence: [1] });
  });

  it('an item without a system, or with a listed one, is judged as usual', () => {
    for (const item of [{ time_to_recover: { max: '2s' } }, { time_to_recover: { max: '2s' }, system: 'mysql' }]) {
      const r = runOf('timing', item);
      r.catalog('systems', ['mysql']);
      r.at(1000).open().startFault();
      r.at(1500).state('mysql', 'DISCONNECTED');
      r.at(2000).endFault();
      r.at(2500).state('mysql', 'CONNECTED');
      expect(r.verdict()).toMatchObject({ status: 'passed', provisional: true });
    }
  });
});

describe('timing reads any source, with the vocabulary of the system', () => {
  it("times a third party's Kafka Connect connector: detected on FAILED, recovered on RUNNING (not on RESTARTING)", () => {
    const r = runOf('timing', { time_to_detect: { max: '1s' }, time_to_recover: { max: '3s' } });
    const connector = (state: string) =>
      r.record({ source: 'acme', kind: 'system.state', subject: 'sink', data: { system: 'sink', state, kind: 'kafka-connect' }, ref: { type: 'custom', summary: state } });
    r.at(0);
    connector('RUNNING');
    r.at(1000).open().startFault(1000, 'sink');
    r.at(1300);
    connector('FAILED');
    r.at(4000).endFault();
    r.at(4500);
    connector('RESTARTING');
    expect(r.verdict()).toMatchObject({ status: 'pending', waitingFor: expect.stringContaining('sink to reach RUNNING after the fault (still RESTARTING') });
    r.at(5500);
    connector('RUNNING');
    expect(r.verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/time to detect CONNECTION_LOSS on sink .* was 300ms .*; time to recover sink from CONNECTION_LOSS \(RUNNING at #4 acme .*\) was 1.5s/) });
    expect(r.evaluator.sources).toEqual(['acme']);
  });

  it('recovers from the last fault to end when none is named', () => {
    const r = runOf('timing', { time_to_recover: { max: '1s' } });
    r.at(0).state('mysql', 'CONNECTED');
    r.at(1000).open().startFault(1000, 'mysql', 'first');
    r.startFault(1000, 'mysql', 'second');
    r.at(1200).state('mysql', 'DISCONNECTED');
    r.at(2000).endFault(2000, 0);
    expect(r.verdict()).toMatchObject({ status: 'pending', waitingFor: 'fault chaos-2 to end' });
    r.at(5000).endFault(5000, 1);
    r.at(5400).state('mysql', 'CONNECTED');
    expect(r.verdict()).toMatchObject({ status: 'passed', message: expect.stringMatching(/was 400ms/) });
  });
});
