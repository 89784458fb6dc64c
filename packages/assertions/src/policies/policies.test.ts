import { describe, expect, it } from 'vitest';
import { problems, runOf, type FakeRun } from '../../test/harness';

/**
 * #1 an execution from an earlier run (never counted), fault at 1s, #2 CONNECTION_LOST 1.2s, #3 DISCONNECTED 1.5s,
 * #4 x1 RUNNING 2s, #5 x1 SUCCEEDED (2 attempts) 3.5s, fault ends 4s; `double` adds #6 x2 RUNNING, #7 x2 SUCCEEDED.
 */
function loss(run: FakeRun, opts: { double?: boolean; status?: string; fire?: boolean } = {}): FakeRun {
  run.at(0).policy('old', 'SUCCEEDED');
  run.at(1000).open().startFault();
  run.at(1200).event('CONNECTION_LOST');
  run.at(1500).state('mysql', 'DISCONNECTED');
  if (opts.fire !== false) {
    run.at(2000).policy('x1', 'RUNNING');
    run.at(3500).policy('x1', opts.status ?? 'SUCCEEDED', { attempts: 2 });
  }
  if (opts.double) {
    run.at(3600).policy('x2', 'RUNNING');
    run.at(3700).policy('x2', 'SUCCEEDED');
  }
  run.at(4000).endFault();
  return run;
}

describe('policies schema', () => {
  it('explains bad items', () => {
    expect(problems('policies', { should_fire: true }).join('\n')).toMatch(/policy_id: expected the policy id/);
    expect(problems('policies', { policy_id: 'p' }).join('\n')).toMatch(/nothing to check/);
    expect(problems('policies', { policy_id: 'p', should_fire: false, outcome: 'SUCCEEDED' }).join('\n')).toMatch(/outcome contradicts should_fire: false/);
    expect(problems('policies', { policy_id: 'p', outcome: 'OK' }).join('\n')).toMatch(/expected "SUCCEEDED" or "FAILED"/);
    expect(problems('policies', { policy_id: 'p', after: { status: 'X' } }).join('\n')).toMatch(/expected \{ event: <type> \} or \{ state: <state> \}/);
    expect(problems('policies', { policy_id: 'p', times: 1, max_times: 2 }).join('\n')).toMatch(/times is exact/);
  });
});

describe('policies should_fire', () => {
  it('true: passes on the first execution in the window, ignoring earlier runs', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', should_fire: true });
    run.at(0).policy('old', 'SUCCEEDED');
    run.at(1000).open().close();
    // It rests on not having seen an execution: core makes it error if the api observer was blind.
    expect(run.verdict()).toEqual({ status: 'failed', message: 'policies: expected auto-recover to fire, it did not', evidence: [], absence: true });
    expect(loss(runOf('policies', { policy_id: 'auto-recover', should_fire: true })).verdict()).toMatchObject({ status: 'passed', evidence: [4, 5] });
  });

  it('false: fails as soon as it fires, passes only at the closed window', () => {
    const fires = loss(runOf('policies', { policy_id: 'auto-recover', should_fire: false })).verdict();
    expect(fires.status === 'failed' && fires.message).toMatch(/expected auto-recover not to fire, auto-recover fired 1 time \(#5 api GET/);
    const quiet = loss(runOf('policies', { policy_id: 'failover', should_fire: false }));
    expect(quiet.evaluator.needsClosedWindow).toBe(true);
    expect(quiet.verdict().status).toBe('pending');
    expect(quiet.close().verdict()).toMatchObject({ status: 'passed', message: 'policies: failover did not fire' });
  });

  it('reports what it saw whatever the blind spans (core turns the pass into error when the api was blind)', () => {
    const run = loss(runOf('policies', { policy_id: 'failover', should_fire: false })).blindSpan('api', 1100, 1900).close();
    expect(run.evaluator.sources).toEqual(['api']);
    expect(run.verdict()).toEqual({ status: 'passed', message: 'policies: failover did not fire', evidence: [] });
  });
});

describe('policies outcome', () => {
  it('passes provisionally once it ended so, for good at the closed window', () => {
    const run = loss(runOf('policies', { policy_id: 'auto-recover', outcome: 'SUCCEEDED' }));
    expect(run.verdict()).toMatchObject({ status: 'passed', provisional: true, evidence: [4, 5] });
    expect(run.close().verdict()).not.toHaveProperty('provisional');
  });

  it('fails as soon as an execution ends otherwise (no-recovery)', () => {
    const v = loss(runOf('policies', { policy_id: 'auto-recover', outcome: 'SUCCEEDED' }), { status: 'FAILED' }).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/^policies: expected auto-recover to end SUCCEEDED, x1 ended FAILED \(#5/);
  });
});

describe('policies times / min_times / max_times', () => {
  it('times: exact, decided at the closed window; fails early on one too many (double-policy)', () => {
    const ok = loss(runOf('policies', { policy_id: 'auto-recover', times: 1 }));
    expect(ok.verdict().status).toBe('pending');
    expect(ok.close().verdict()).toMatchObject({ status: 'passed' });
    const v = loss(runOf('policies', { policy_id: 'auto-recover', times: 1 }), { double: true }).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/expected auto-recover to fire exactly 1 time, auto-recover fired 2 times \(#5 .*, #7 /);
    expect(v.status === 'failed' && v.evidence).toEqual([4, 5, 6, 7]);
  });

  it('min_times passes when reached, fails at the closed window', () => {
    expect(loss(runOf('policies', { policy_id: 'auto-recover', min_times: 1 })).verdict().status).toBe('passed');
    expect(loss(runOf('policies', { policy_id: 'auto-recover', min_times: 2 })).close().verdict().status).toBe('failed');
  });

  it('max_times fails when exceeded, passes at the closed window', () => {
    expect(loss(runOf('policies', { policy_id: 'auto-recover', max_times: 1 }), { double: true }).verdict().status).toBe('failed');
    expect(loss(runOf('policies', { policy_id: 'auto-recover', max_times: 1 })).close().verdict().status).toBe('passed');
  });
});

describe('policies within', () => {
  it('passes when it fired in time after the fault started, fails when late', () => {
    expect(loss(runOf('policies', { policy_id: 'auto-recover', within: '2s' })).verdict()).toMatchObject({ status: 'passed' });
    const late = loss(runOf('policies', { policy_id: 'auto-recover', within: { after: 'fault_start', max: '500ms' } })).verdict();
    expect(late.status === 'failed' && late.message).toMatch(/auto-recover fired 1s after the anchor, not within 500ms after the fault started/);
  });

  it('fails at the deadline when it never fired', () => {
    const run = loss(runOf('policies', { policy_id: 'auto-recover', within: { after: 'fault_end', max: 1 } }), { fire: false });
    expect(run.verdict().status).toBe('pending');
    expect(run.at(5001).verdict()).toMatchObject({ status: 'failed', message: 'policies: auto-recover did not fire within 1s after the fault ended (CONNECTION_LOSS on mysql)' });
  });
});

describe('policies max_attempts', () => {
  it('passes when every execution took few enough attempts, fails with the attempts taken', () => {
    expect(loss(runOf('policies', { policy_id: 'auto-recover', max_attempts: 2 })).verdict()).toMatchObject({ status: 'passed', provisional: true });
    const v = loss(runOf('policies', { policy_id: 'auto-recover', max_attempts: 1 })).verdict();
    expect(v.status === 'failed' && v.message).toMatch(/expected auto-recover to take at most 1 attempt, x1 took 2/);
  });
});

describe('policies after', () => {
  it('passes when it fired after the event, or after the state', () => {
    expect(loss(runOf('policies', { policy_id: 'auto-recover', after: { event: 'CONNECTION_LOST' } })).verdict()).toMatchObject({ status: 'passed', evidence: [2, 4, 5] });
    const state = loss(runOf('policies', { policy_id: 'auto-recover', system: 'mysql', after: { state: 'DISCONNECTED' } }));
    expect(state.evaluator.sources).toEqual(['api']);
    expect(state.close().verdict()).toMatchObject({ status: 'passed', evidence: [3, 4, 5] });
  });

  it('fails when it fired before (or without) it', () => {
    const v = loss(runOf('policies', { policy_id: 'auto-recover', after: { state: 'RECOVERING' } })).close().verdict();
    expect(v.status === 'failed' && v.message).toMatch(/^policies: auto-recover fired at \+1s without mysql|a system in state RECOVERING/);
    const run = runOf('policies', { policy_id: 'auto-recover', after: { event: 'CONNECTION_LOST' } });
    run.at(1000).open().startFault();
    run.at(1100).policy('x1', 'RUNNING');
    run.at(1200).event('CONNECTION_LOST');
    expect(run.verdict()).toMatchObject({ status: 'failed', evidence: [1, 2] });
  });
});

describe('policies after, on the control plane\'s own times', () => {
  it('an execution the api shows before kafka delivers the event is still after it when its triggeredAt says so', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', after: { event: 'CONNECTION_LOST' } });
    run.at(1000).open().startFault();
    run.at(1100).policy('x1', 'RUNNING', { triggeredAt: '2026-01-01T00:00:01.250Z' });
    run.at(1300).event('CONNECTION_LOST', { timestamp: '2026-01-01T00:00:01.200Z' });
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [1, 2] });
    const early = runOf('policies', { policy_id: 'auto-recover', after: { event: 'CONNECTION_LOST' } });
    early.at(1000).open().startFault();
    early.at(1100).policy('x1', 'RUNNING', { triggeredAt: '2026-01-01T00:00:01.100Z' });
    early.at(1300).event('CONNECTION_LOST', { timestamp: '2026-01-01T00:00:01.200Z' });
    expect(early.verdict()).toMatchObject({ status: 'failed', evidence: [1, 2] });
  });
});

describe('policies after, anchor still on its way', () => {
  it('waits for the anchor instead of failing, and fails only when the window closes without it', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', after: { event: 'CONNECTION_LOST' } });
    run.at(1000).open().startFault();
    run.at(1100).policy('x1', 'RUNNING');
    expect(run.verdict()).toMatchObject({ status: 'pending', evidence: [1] });
    // Without the anchor ever seen, the failure rests on not having seen it: by absence (kafka may have been blind).
    expect(run.close().verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/fired at \+100ms without a CONNECTION_LOST event/), absence: true });
  });

  it('fired before an anchor that was seen is a failure on evidence, not by absence', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', after: { event: 'CONNECTION_LOST' } });
    run.at(1000).open().startFault();
    run.at(1100).policy('x1', 'RUNNING');
    run.at(1200).event('CONNECTION_LOST');
    const v = run.close().verdict();
    expect(v).toMatchObject({ status: 'failed', evidence: [1, 2] });
    expect(v).not.toHaveProperty('absence');
  });
});

describe('policies from kafka', () => {
  it('reads POLICY_* events as executions', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', sources: ['kafka'], outcome: 'SUCCEEDED', times: 1 });
    run.at(1000).open().startFault();
    run.at(1500).event('POLICY_TRIGGERED', { payload: { policyId: 'auto-recover', executionId: 'x1', attempts: 1 } });
    run.at(2500).event('POLICY_SUCCEEDED', { payload: { policyId: 'auto-recover', executionId: 'x1', attempts: 1 } });
    run.at(3000).endFault().close();
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [1, 2] });
  });
});

describe('policies catalog', () => {
  it('a policy id the catalog does not list is an error as soon as the list is known, before the window opens, with did-you-mean', () => {
    const run = runOf('policies', { policy_id: 'auto-recovery', should_fire: true });
    run.catalog('systems', ['mysql']);
    expect(run.verdict().status).toBe('pending');
    run.catalog('policies', ['auto-recover', 'failover']);
    expect(run.verdict()).toEqual({ status: 'error', message: 'policies: unknown policy "auto-recovery": api lists auto-recover, failover; did you mean "auto-recover"?', evidence: [2] });
  });

  it('an unknown system is named too, each with its own list', () => {
    const run = runOf('policies', { policy_id: 'fail-over', system: 'mysql-2', should_fire: false });
    run.catalog('policies', ['auto-recover', 'failover']);
    run.catalog('systems', ['mysql']);
    expect(run.verdict()).toEqual({
      status: 'error',
      message: 'policies: unknown policy "fail-over": api lists auto-recover, failover; did you mean "failover"?; unknown system "mysql-2": api lists mysql; did you mean "mysql"?',
      evidence: [1, 2],
    });
  });

  it('known ids are judged as usual', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', system: 'mysql', should_fire: true });
    run.catalog('policies', ['auto-recover']);
    run.catalog('systems', ['mysql']);
    run.at(1000).open().startFault();
    run.at(1500).policy('x1', 'RUNNING');
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [3] });
  });
});

describe('policies system', () => {
  it('counts only executions for that system', () => {
    const run = runOf('policies', { policy_id: 'auto-recover', system: 'mysql-2', should_fire: true });
    run.at(1000).open().startFault(1000, 'mysql-2');
    run.at(1500).policy('x1', 'RUNNING', { system: 'mysql' });
    expect(run.verdict().status).toBe('pending');
    run.at(1600).policy('x2', 'RUNNING', { system: 'mysql-2' });
    expect(run.verdict()).toMatchObject({ status: 'passed', evidence: [2] });
  });
});

describe('policies read policy.execution from any source', () => {
  it("a third party's executions count with no sources key; POLICY_* events only from a named source", () => {
    const run = runOf('policies', { policy_id: 'nightly', should_fire: true, outcome: 'SUCCEEDED' });
    run.at(1000).open().startFault();
    run.record({ source: 'acme', kind: 'policy.execution', subject: 'nightly', data: { id: 'n1', policyId: 'nightly', status: 'SUCCEEDED' }, ref: { type: 'custom', summary: 'n1' } });
    run.event('POLICY_FAILED', { payload: { policyId: 'nightly', executionId: 'n2' } });
    expect(run.close().verdict()).toMatchObject({ status: 'passed', evidence: [1] });
    expect(run.evaluator.sources).toEqual(['acme']);
    const named = runOf('policies', { policy_id: 'nightly', outcome: 'SUCCEEDED', sources: ['acme', 'kafka'] });
    named.at(1000).open().startFault();
    named.event('POLICY_FAILED', { payload: { policyId: 'nightly', executionId: 'n2' } });
    expect(named.verdict()).toMatchObject({ status: 'failed', message: expect.stringMatching(/n2 ended FAILED/) });
  });
});
