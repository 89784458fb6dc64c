import { describe, expect, it } from 'vitest';
import { type FakeRun, problems, runOf } from '../../test/harness';

/** A loss and recovery: CONNECTED, fault at 1s, DISCONNECTED 1.5s, RECOVERING 3s, fault ends 4s, CONNECTED 4.5s. */
function lossAndRecovery(run: FakeRun, final = 'CONNECTED'): FakeRun {
  run.at(0).state('mysql', 'CONNECTED');
  run.at(1000).open();
  run.startFault();
  run.at(1500).state('mysql', 'DISCONNECTED');
  run.at(3000).state('mysql', 'RECOVERING');
  run.at(4000).endFault();
  run.at(4500).state('mysql', final);
  return run;
}

describe('states schema', () => {
  it('rejects unknown keys, nothing to check, and keys without their partner', () => {
    expect(problems('states', { system: 'mysql', finalstate: 'CONNECTED' }).join('\n')).toMatch(/finalstate/);
    expect(problems('states', { system: 'mysql' }).join('\n')).toMatch(/nothing to check/);
    expect(problems('states', { system: 'mysql', hold: '5s' }).join('\n')).toMatch(/hold applies to final_state/);
    expect(problems('states', { system: 'mysql', illegal_states: ['X'], strict: true }).join('\n')).toMatch(/strict applies to sequence/);
    expect(problems('states', { system: 'mysql', within: '5s' }).join('\n')).toMatch(/within needs a state/);
    expect(problems('states', { system: 'mysql', final_state: 'CONNECTED', hold: 'soon' }).join('\n')).toMatch(/hold: expected a duration/);
    // Any source name: a third party's observer is read as the built-in ones are.
    expect(problems('states', { system: 'mysql', final_state: 'CONNECTED', sources: ['api', 'acme'] })).toEqual([]);
    expect(problems('states', { system: 'mysql', final_state: 'CONNECTED', sources: ['api', ''] }).join('\n')).toMatch(/sources.1: expected a source name such as "api"/);
    expect(problems('states', { system: 'mysql', final_state: 'CONNECTED', sources: ['api', 'api'] }).join('\n')).toMatch(/sources: a source is listed twice/);
    expect(problems('states', { system: 'mysql', sources: ['api'] }).join('\n')).toMatch(/nothing to check/);
    expect(problems('states', { system: 'mysql', sources: ['api', 'acme'] })).toEqual([]);
  });
});

describe('states final_state', () => {
  it('passes provisionally once reached after the fault ended, and for good when the window closes', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', final_state: 'CONNECTED' }));
    const v = run.verdict();
    expect(v).toMatchObject({ status: 'passed', provisional: true, evidence: [4] });
    run.at(6000).close();
    const closed = run.verdict();
    expect(closed.status).toBe('passed');
    expect(closed).not.toHaveProperty('provisional');
    expect(closed.status === 'passed' && closed.message).toBe('states: mysql ended CONNECTED (seen: CONNECTED → DISCONNECTED → RECOVERING → CONNECTED)');
  });

  it('stays pending while the fault is active, even in the final state', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED' });
    run.at(0).state('mysql', 'CONNECTED');
    run.at(1000).open().startFault();
    expect(run.verdict()).toMatchObject({ status: 'pending' });
  });

  it('fails with the wrong final state and points at it (wrong-final-state)', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', final_state: 'CONNECTED' }), 'DEGRADED');
    expect(run.verdict().status).toBe('pending');
    run.at(6000).close();
    expect(run.verdict()).toEqual({
      status: 'failed',
      message: 'states: mysql ended DEGRADED, expected CONNECTED: DEGRADED is a degraded state (seen: CONNECTED → DISCONNECTED → RECOVERING → DEGRADED)',
      evidence: [4],
    });
  });

  it('no-recovery: pending however long the window stays open (the timeout is core\'s), failed on the state it ended in once closed', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED' });
    run.at(0).state('mysql', 'CONNECTED');
    run.at(1000).open().startFault();
    run.at(1500).state('mysql', 'DISCONNECTED');
    run.at(4000).endFault();
    expect(run.at(60_000).verdict()).toEqual({ status: 'pending', waitingFor: 'mysql to reach CONNECTED (now DISCONNECTED; seen: CONNECTED → DISCONNECTED)', evidence: [2] });
    // Ended in a state it was seen in: a failure on evidence, not by absence.
    expect(run.close().verdict()).toEqual({
      status: 'failed',
      message: 'states: mysql ended DISCONNECTED, expected CONNECTED: DISCONNECTED is a failed state (seen: CONNECTED → DISCONNECTED)',
      evidence: [2],
    });
  });

  it('a state it only passes through after the fault passes only provisionally, and fails once the window closes on another', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'RECOVERING' });
    run.at(0).state('mysql', 'CONNECTED');
    run.at(1000).open().startFault();
    run.at(1500).state('mysql', 'DISCONNECTED');
    run.at(3000).state('mysql', 'RECOVERING');
    // Not judged while the fault is active, even in the wanted state.
    expect(run.verdict()).toMatchObject({ status: 'pending', waitingFor: 'fault chaos-1 to end before judging mysql\'s final state (now RECOVERING)' });
    run.at(3500).endFault();
    expect(run.verdict()).toMatchObject({ status: 'passed', provisional: true, evidence: [3] });
    run.at(4500).state('mysql', 'CONNECTED');
    expect(run.verdict()).toMatchObject({ status: 'pending', waitingFor: expect.stringMatching(/^mysql to reach RECOVERING \(now CONNECTED;/) });
    expect(run.at(7000).close().verdict()).toEqual({
      status: 'failed',
      message: 'states: mysql ended CONNECTED, expected RECOVERING: CONNECTED is a healthy state (seen: CONNECTED → DISCONNECTED → RECOVERING → CONNECTED)',
      evidence: [4],
    });
  });

  it('no state observed at all is a failure by absence', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED' });
    run.at(1000).open().startFault();
    run.at(2000).endFault().close();
    expect(run.verdict()).toEqual({ status: 'failed', message: 'states: no state of mysql was observed from any source, expected it to end CONNECTED', evidence: [], absence: true });
  });

  it('with hold: pending until held, then passes; fails when the window closed before the hold', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', final_state: 'CONNECTED', hold: '5s' }));
    // Waiting for time, not for an observation: it names when to be asked again (reached at 4.5 s + 5 s hold).
    expect(run.at(5000).verdict()).toMatchObject({ status: 'pending', recheckAt: 9500 });
    expect(run.at(9500).verdict()).toMatchObject({ status: 'passed', provisional: true });
    const short = lossAndRecovery(runOf('states', { system: 'mysql', final_state: 'CONNECTED', hold: 5 }));
    short.at(6000).close();
    const v = short.verdict();
    expect(v.status === 'failed' && v.message).toMatch(/window closed after 1.5s of the 5s hold/);
  });

  it('reports the pass it saw whatever the blind spans (core turns it into error)', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', final_state: 'CONNECTED' }));
    run.blindSpan('api', 2000, 2500).at(6000).close();
    expect(run.evaluator.sources).toEqual(['api']);
    expect(run.verdict()).toEqual({ status: 'passed', message: 'states: mysql ended CONNECTED (seen: CONNECTED → DISCONNECTED → RECOVERING → CONNECTED)', evidence: [4] });
  });

  it('reads kafka STATE_CHANGED events when sources is [kafka]', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED', sources: ['kafka'] });
    run.at(1000).open().startFault();
    run.at(1500).stateChanged('CONNECTED', 'DISCONNECTED');
    run.at(4000).endFault();
    run.at(4500).stateChanged('DISCONNECTED', 'CONNECTED');
    run.close();
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [2] });
  });
});

describe('states sequence', () => {
  it('passes as soon as the states went by in order, others allowed between', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', sequence: ['CONNECTED', 'DISCONNECTED', 'CONNECTED'] }));
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [1, 2, 4] });
  });

  it('fails when the window closes without the sequence', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', sequence: ['DISCONNECTED', 'RECOVERING', 'CONNECTED'] }), 'DEGRADED');
    expect(run.verdict().status).toBe('pending');
    run.close();
    const v = run.verdict();
    expect(v.status === 'failed' && v.message).toBe(
      'states: mysql did not go DISCONNECTED → RECOVERING → CONNECTED: saw CONNECTED → DISCONNECTED → RECOVERING → DEGRADED',
    );
  });

  it('strict: passes provisionally on an exact match, fails early on a state outside the list', () => {
    const exact = lossAndRecovery(runOf('states', { system: 'mysql', sequence: ['CONNECTED', 'DISCONNECTED', 'RECOVERING', 'CONNECTED'], strict: true }));
    expect(exact.verdict()).toMatchObject({ status: 'passed', provisional: true });
    const run = runOf('states', { system: 'mysql', sequence: ['CONNECTED', 'DISCONNECTED', 'CONNECTED'], strict: true });
    lossAndRecovery(run);
    const v = run.verdict();
    expect(v.status).toBe('failed');
    expect(v.status === 'failed' && v.message).toMatch(/expected exactly CONNECTED → DISCONNECTED → CONNECTED \(state 3 was RECOVERING\)/);
  });
});

describe('states illegal_states', () => {
  it('fails as soon as an illegal state is entered, with that observation', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', illegal_states: ['DEGRADED'] }), 'DEGRADED');
    expect(run.verdict()).toMatchObject({ status: 'failed', evidence: [4] });
  });

  it('passes only once the window is closed', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', illegal_states: ['DEGRADED'] }));
    expect(run.evaluator.needsClosedWindow).toBe(true);
    expect(run.verdict().status).toBe('pending');
    run.close();
    expect(run.verdict()).toMatchObject({ status: 'passed' });
  });
});

describe('states within', () => {
  it('passes when the state is reached in time after the fault ended', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', final_state: 'CONNECTED', within: { after: 'fault_end', max: '2s' } }));
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [4] });
  });

  it('fails at the deadline, saying when it did arrive (late-recovery)', () => {
    const run = runOf('states', { system: 'mysql', within: { state: 'CONNECTED', after: 'fault_end', max: '2s' } });
    run.at(0).state('mysql', 'CONNECTED');
    run.at(1000).open().startFault();
    run.at(1500).state('mysql', 'DISCONNECTED');
    run.at(4000).endFault();
    expect(run.at(5000).verdict().status).toBe('pending');
    run.at(12_000).state('mysql', 'CONNECTED');
    const v = run.verdict();
    expect(v.status === 'failed' && v.message).toBe(
      'states: mysql did not reach CONNECTED within 2s after the fault ended (CONNECTION_LOSS on mysql): it was DISCONNECTED at the deadline +5s; reached it 8s after, at +11s',
    );
    expect(v.status === 'failed' && v.evidence).toEqual([2, 3]);
  });

  it('measures from the fault start with a plain duration, and errors when no fault was injected', () => {
    const run = lossAndRecovery(runOf('states', { system: 'mysql', within: { state: 'DISCONNECTED', max: 1 } }));
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [2] });
    const none = runOf('states', { system: 'mysql', final_state: 'CONNECTED', within: 5 });
    none.at(0).state('mysql', 'CONNECTED');
    none.at(10).open().close();
    const v = none.verdict();
    expect(v.status === 'error' && v.message).toMatch(/no fault on mysql was injected, so "within ... after fault_start" has nothing to measure from/);
  });
});

describe('states min_duration / max_duration', () => {
  it('max_duration: fails as soon as a visit runs too long, passes at the closed window', () => {
    const long = lossAndRecovery(runOf('states', { system: 'mysql', max_duration: { DISCONNECTED: '1s' } }));
    const v = long.verdict();
    expect(v.status === 'failed' && v.message).toBe('states: mysql stayed DISCONNECTED for 1.5s (from +500ms), more than 1s');
    expect(v.status === 'failed' && v.evidence).toEqual([2, 3]);
    const ok = lossAndRecovery(runOf('states', { system: 'mysql', max_duration: { DISCONNECTED: '2s' } }));
    expect(ok.verdict().status).toBe('pending');
    expect(ok.close().verdict()).toMatchObject({ status: 'passed' });
  });

  it('min_duration: fails on a visit that ended too soon, fails when never entered, passes otherwise', () => {
    const short = lossAndRecovery(runOf('states', { system: 'mysql', min_duration: { RECOVERING: '2s' } }));
    expect(short.verdict()).toMatchObject({ status: 'failed', evidence: [3, 4] });
    const never = lossAndRecovery(runOf('states', { system: 'mysql', min_duration: { DEGRADED: '1s' } })).close();
    expect(never.verdict()).toMatchObject({ status: 'failed' });
    const ok = lossAndRecovery(runOf('states', { system: 'mysql', min_duration: { RECOVERING: 1 } })).close();
    expect(ok.verdict()).toMatchObject({ status: 'passed' });
  });
});

describe('states sources: [api, kafka]', () => {
  function both(kafkaStates: [string, string][]) {
    const run = runOf('states', { system: 'mysql', sources: ['api', 'kafka'] });
    lossAndRecovery(run);
    run.at(5000);
    for (const [from, to] of kafkaStates) run.stateChanged(from, to);
    return run.close();
  }

  it('passes when kafka shows every transition the api saw, ending alike (api may miss short states)', () => {
    expect(both([['CONNECTED', 'DISCONNECTED'], ['DISCONNECTED', 'RECOVERING'], ['RECOVERING', 'CONNECTED']]).verdict()).toMatchObject({ status: 'passed' });
  });

  it('fails when an event is missing from the stream, naming the gap', () => {
    const v = both([['CONNECTED', 'DISCONNECTED'], ['RECOVERING', 'CONNECTED']]).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/kafka skipped a transition of mysql: after DISCONNECTED the next STATE_CHANGED came from RECOVERING \(#6\)/);
  });

  it('fails when the two views end differently', () => {
    const v = both([['CONNECTED', 'DISCONNECTED'], ['DISCONNECTED', 'DEGRADED']]).verdict();
    expect(v.status === 'failed' && v.message).toBe(
      'states: api and kafka disagree on mysql: api saw CONNECTED → DISCONNECTED → RECOVERING → CONNECTED, kafka saw CONNECTED → DISCONNECTED → DEGRADED',
    );
  });

  it('reports what it saw whatever the blind spans (core turns a pass into error when kafka was blind)', () => {
    const run = both([['CONNECTED', 'DISCONNECTED'], ['DISCONNECTED', 'RECOVERING'], ['RECOVERING', 'CONNECTED']]);
    run.blindSpan('kafka', 1200);
    expect(run.evaluator.sources).toEqual(['api', 'kafka']);
    expect(run.verdict()).toMatchObject({ status: 'passed' });
  });
});

describe('states catalog', () => {
  it('a system the catalog does not list is an error as soon as the list is known, before the window opens, with did-you-mean', () => {
    const run = runOf('states', { system: 'mysq1', final_state: 'CONNECTED' });
    expect(run.verdict()).toMatchObject({ status: 'pending' });
    run.catalog('systems', ['mysql', 'redis']);
    expect(run.verdict()).toEqual({ status: 'error', message: 'states: unknown system "mysq1": api lists mysql, redis; did you mean "mysql"?', evidence: [1] });
  });

  it('says what exists when nothing is close, and no systems when the list is empty', () => {
    const far = runOf('states', { system: 'kafka-broker-7', final_state: 'CONNECTED' });
    far.catalog('systems', ['mysql']);
    expect(far.verdict()).toMatchObject({ status: 'error', message: 'states: unknown system "kafka-broker-7": api lists mysql' });
    const none = runOf('states', { system: 'mysql', final_state: 'CONNECTED' });
    none.catalog('systems', []);
    expect(none.verdict()).toMatchObject({ status: 'error', message: 'states: unknown system "mysql": api lists no systems' });
  });

  it('a listed system is judged as usual', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED' });
    run.catalog('systems', ['mysql']);
    lossAndRecovery(run);
    expect(run.verdict()).toMatchObject({ status: 'passed', provisional: true });
  });
});

describe('states read system.state from any source', () => {
  it("a third party's observer (source acme) feeds final_state with no sources key; sources then names what was read", () => {
    const run = runOf('states', { system: 'orders-db', final_state: 'UP' });
    run.at(0).state('orders-db', 'UP', 'acme');
    run.at(1000).open().startFault();
    run.at(1500).state('orders-db', 'DOWN', 'acme');
    run.at(2000).endFault();
    run.at(2500).state('orders-db', 'UP', 'acme');
    expect(run.verdict()).toMatchObject({ status: 'passed', provisional: true, evidence: [3] });
    expect(run.evaluator.sources).toEqual(['acme']);
  });

  it('until a source records states, every observer source seen counts for blindness (not seeing is no evidence)', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED' });
    run.record({ source: 'runtime', kind: 'observer.blind', subject: 'acme', data: { source: 'acme', reason: 'down' }, ref: { type: 'runtime', detail: 'x' } });
    run.catalog('systems', ['mysql']);
    expect(run.evaluator.sources).toEqual(['acme', 'api']);
    run.at(0).state('mysql', 'CONNECTED');
    expect(run.evaluator.sources).toEqual(['api']);
  });

  it('sources narrows to the named ones, and a failure says which other sources did record states', () => {
    const run = runOf('states', { system: 'mysql', final_state: 'CONNECTED', sources: ['apii'] });
    lossAndRecovery(run);
    run.at(6000).close();
    expect(run.verdict()).toEqual({
      status: 'failed',
      message: 'states: no state of mysql was observed from apii (system.state was recorded by api, which sources does not name), expected it to end CONNECTED',
      evidence: [],
      absence: true,
    });
  });

  it('a STATE_CHANGED event is read from any named source, and three sources must all agree with the sampled one', () => {
    const run = runOf('states', { system: 'mysql', sources: ['api', 'kafka', 'bus'] });
    lossAndRecovery(run);
    run.at(5000);
    for (const [from, to] of [['CONNECTED', 'DISCONNECTED'], ['DISCONNECTED', 'RECOVERING'], ['RECOVERING', 'CONNECTED']] as const) run.stateChanged(from, to);
    const bus = (from: string, to: string) =>
      run.record({ source: 'bus', kind: 'event', subject: 'STATE_CHANGED', data: { type: 'STATE_CHANGED', system: 'mysql', payload: { from, to } }, ref: { type: 'custom', summary: 'bus' } });
    bus('CONNECTED', 'DISCONNECTED');
    bus('DISCONNECTED', 'DEGRADED');
    const v = run.close().verdict();
    expect(run.evaluator.description).toBe('api, kafka and bus agree on mysql\'s transitions');
    expect(v.status === 'failed' && v.message).toBe(
      'states: api and bus disagree on mysql: api saw CONNECTED → DISCONNECTED → RECOVERING → CONNECTED, bus saw CONNECTED → DISCONNECTED → DEGRADED',
    );
  });

  it("the final state's meaning comes from the system's vocabulary, as its observer tagged it", () => {
    const run = runOf('states', { system: 'sink', final_state: 'RUNNING' });
    const connector = (state: string) =>
      run.record({ source: 'acme', kind: 'system.state', subject: 'sink', data: { system: 'sink', state, kind: 'kafka-connect' }, ref: { type: 'custom', summary: state } });
    run.at(0);
    connector('RUNNING');
    run.at(1000).open().startFault();
    run.at(1500);
    connector('FAILED');
    run.at(2000).endFault().close();
    expect(run.verdict()).toMatchObject({ status: 'failed', message: 'states: sink ended FAILED, expected RUNNING: FAILED is a failed state (seen: RUNNING → FAILED)' });
    const custom = runOf('states', { system: 'sink', final_state: 'RUNNING' });
    custom.at(0).state('sink', 'RUNNING');
    custom.at(1000).open().startFault();
    custom.at(2000).endFault().close();
    custom.state('sink', 'WEIRD');
    expect(custom.verdict()).toMatchObject({ status: 'failed', message: 'states: sink ended WEIRD, expected RUNNING: WEIRD is not in the control-plane state vocabulary (seen: RUNNING → WEIRD)' });
  });
});
