import { describe, expect, it } from 'vitest';
import { problems, runOf, type FakeRun } from '../../test/harness';

/** A loss and recovery on the event stream: fault 1s-4s, CONNECTION_LOST 1.2s, RESTORED 4.3s. */
function stream(run: FakeRun, opts: { duplicate?: boolean; restored?: boolean } = {}): FakeRun {
  run.at(0).event('CONNECTION_LOST', { id: 'old' }); // before the window: never counted
  run.at(1000).open().startFault();
  run.event('CHAOS_STARTED', { payload: { chaosId: 'c1' } });
  run.at(1200).event('CONNECTION_LOST', { id: 'l1', payload: { error: 'ECONNRESET' } });
  if (opts.duplicate) run.event('CONNECTION_LOST', { id: 'l1', payload: { error: 'ECONNRESET' } });
  run.at(1300).stateChanged('CONNECTED', 'DISCONNECTED');
  run.at(4000).endFault();
  if (opts.restored !== false) run.at(4300).event('CONNECTION_RESTORED', { id: 'r1' });
  return run;
}

describe('events schema', () => {
  it('explains bad items', () => {
    expect(problems('events', { type: 'X', count: 'one' }).join('\n')).toMatch(/count: expected count: a whole number/);
    expect(problems('events', { count: 1 }).join('\n')).toMatch(/type: count counts events of a type: add type/);
    expect(problems('events', { type: 'X', count: 1, min_count: 1 }).join('\n')).toMatch(/count is exact/);
    expect(problems('events', { type: 'X' }).join('\n')).toMatch(/nothing to check/);
    expect(problems('events', { type: 'X', exists: true, where: { 'payload.e': { regex: '(' } } }).join('\n')).toMatch(/invalid regular expression/);
    expect(problems('events', { type: 'X', no_duplicates: 'yes' }).join('\n')).toMatch(/expected true \(by event id\) or \{ by/);
    expect(problems('events', { type: 'X', cout: 1 }).join('\n')).toMatch(/cout/);
  });
});

describe('events count', () => {
  it('passes at the closed window with exactly n, never before', () => {
    const run = stream(runOf('events', { type: 'CONNECTION_LOST', count: 1 }));
    expect(run.evaluator.needsClosedWindow).toBe(true);
    // Pending, but naming the events it will cite, so the runtime keeps them past the timeline's cap.
    expect(run.verdict()).toEqual({ status: 'pending', waitingFor: 'the window to close to count CONNECTION_LOST (1 so far)', evidence: [3] });
    expect(run.close().verdict()).toMatchObject({ status: 'passed', evidence: [3] });
  });

  it('fails as soon as there are too many, listing each (duplicate-events)', () => {
    const v = stream(runOf('events', { type: 'CONNECTION_LOST', count: 1 }), { duplicate: true }).verdict();
    expect(v).toEqual({
      status: 'failed',
      message:
        'events: expected CONNECTION_LOST count == 1, saw 2 (#3 kafka control-plane.events[0]@2 CONNECTION_LOST id=l1, #4 kafka control-plane.events[0]@3 CONNECTION_LOST id=l1)',
      evidence: [3, 4],
    });
  });

  it('does not decide by the clock: long after the fault it is still pending, naming what it waits for (core reports it undecided at the timeout)', () => {
    const v = stream(runOf('events', { type: 'CONNECTION_LOST', count: 1 })).at(120_000).verdict();
    expect(v).toEqual({ status: 'pending', waitingFor: 'the window to close to count CONNECTION_LOST (1 so far)', evidence: [3] });
  });

  it('fails at the closed window with too few, as a failure by absence (core makes it error if kafka was blind)', () => {
    const v = stream(runOf('events', { type: 'CONNECTION_RESTORED', count: 1 }), { restored: false }).close().verdict();
    expect(v).toEqual({ status: 'failed', message: 'events: expected CONNECTION_RESTORED count == 1, saw 0', evidence: [], absence: true });
    // Too many rests on what was seen: not a failure by absence.
    expect(stream(runOf('events', { type: 'CONNECTION_LOST', count: 1 }), { duplicate: true }).verdict()).not.toHaveProperty('absence');
  });

  it('reports what it saw whatever the blind spans (blindness is core\'s rule), and is an error itself when a message could not be decoded', () => {
    const blind = stream(runOf('events', { type: 'CONNECTION_LOST', count: 1 })).blindSpan('kafka', 2000, 3000).close();
    expect(blind.evaluator.sources).toEqual(['kafka']);
    expect(blind.verdict()).toMatchObject({ status: 'passed', evidence: [3] });
    const run = stream(runOf('events', { type: 'CONNECTION_LOST', count: 1 }));
    run.decodeError();
    const v = run.close().verdict();
    expect(v.status).toBe('error');
    expect(v.status === 'error' && v.message).toMatch(/1 message in the window could not be decoded \(#\d+ kafka control-plane\.events\[0\]@\d+ undecodable: Unexpected token\)/);
  });
});

describe('events min_count / max_count', () => {
  it('min_count passes as soon as reached and fails at the closed window', () => {
    expect(stream(runOf('events', { type: 'CONNECTION_LOST', min_count: 1 })).verdict()).toMatchObject({ status: 'passed' });
    const v = stream(runOf('events', { type: 'CONNECTION_LOST', min_count: 2 })).close().verdict();
    expect(v.status === 'failed' && v.message).toMatch(/expected CONNECTION_LOST count >= 2, saw 1/);
  });

  it('max_count fails as soon as exceeded and passes at the closed window', () => {
    expect(stream(runOf('events', { type: 'CONNECTION_LOST', max_count: 1 }), { duplicate: true }).verdict()).toMatchObject({ status: 'failed' });
    const ok = stream(runOf('events', { type: 'CONNECTION_LOST', max_count: 1 }));
    expect(ok.verdict().status).toBe('pending');
    expect(ok.close().verdict().status).toBe('passed');
  });
});

describe('events exists / absent', () => {
  it('exists passes on the first one, and fails at the closed window naming what did arrive (missing-events)', () => {
    expect(stream(runOf('events', { type: 'CONNECTION_RESTORED', exists: true })).verdict()).toMatchObject({ status: 'passed', evidence: [5] });
    const v = stream(runOf('events', { type: 'CONNECTION_RESTORED', exists: true }), { restored: false }).close().verdict();
    expect(v.status === 'failed' && v.message).toBe(
      'events: expected CONNECTION_RESTORED, saw none; 3 other events arrived (CHAOS_STARTED, CONNECTION_LOST, STATE_CHANGED)',
    );
  });

  it('absent and exists: false fail on the first one (before the window closes, on what was seen) and pass at the closed window', () => {
    const v = stream(runOf('events', { type: 'CONNECTION_LOST', absent: true })).verdict();
    expect(v).toEqual({ status: 'failed', message: 'events: expected no CONNECTION_LOST, saw 1 (#3 kafka control-plane.events[0]@2 CONNECTION_LOST id=l1)', evidence: [3] });
    const quiet = stream(runOf('events', { type: 'POLICY_FAILED', exists: false }));
    expect(quiet.verdict().status).toBe('pending');
    expect(quiet.close().verdict().status).toBe('passed');
  });

  it('exists: true failing at the closed window is a failure by absence', () => {
    const v = stream(runOf('events', { type: 'CONNECTION_RESTORED', exists: true }), { restored: false }).close().verdict();
    expect(v).toMatchObject({ status: 'failed', absence: true });
  });
});

describe('events order', () => {
  it('passes once the types came in order', () => {
    const v = stream(runOf('events', { order: ['CONNECTION_LOST', 'CONNECTION_RESTORED'] })).verdict();
    expect(v).toMatchObject({ status: 'passed', evidence: [3, 5] });
  });

  it('fails at the closed window saying what is missing', () => {
    const v = stream(runOf('events', { order: ['CONNECTION_LOST', 'CONNECTION_RESTORED'], system: 'mysql' }), { restored: false }).close().verdict();
    expect(v.status === 'failed' && v.message).toBe(
      'events: expected events in order CONNECTION_LOST → CONNECTION_RESTORED on mysql, saw CONNECTION_LOST: no CONNECTION_RESTORED after CONNECTION_LOST',
    );
  });
});

describe('events order honours where', () => {
  it("another resource's events in the reverse order do not satisfy it (found by the mutation suite)", () => {
    const run = runOf('events', { where: { 'payload.resource': 'mysql-6.max_connections' }, order: ['DRIFT_RECONCILED', 'DRIFT_DETECTED'] });
    run.at(1000).open();
    run.at(1200).event('DRIFT_RECONCILED', { system: 'mysql-5', payload: { resource: 'mysql-5.max_connections' } });
    run.at(1300).event('DRIFT_DETECTED', { system: 'mysql-6', payload: { resource: 'mysql-6.max_connections' } });
    run.at(1400).event('DRIFT_DETECTED', { system: 'mysql-7', payload: { resource: 'mysql-7.max_connections' } });
    run.at(2300).event('DRIFT_RECONCILED', { system: 'mysql-6', payload: { resource: 'mysql-6.max_connections' } });
    const v = run.close().verdict();
    expect(v.status === 'failed' && v.message).toMatch(/expected events in order DRIFT_RECONCILED → DRIFT_DETECTED, saw DRIFT_DETECTED → DRIFT_RECONCILED/);
  });
});

describe('events no_duplicates', () => {
  it('fails on the second event with the same id, pointing at both', () => {
    const v = stream(runOf('events', { no_duplicates: true }), { duplicate: true }).verdict();
    expect(v).toMatchObject({ status: 'failed', evidence: [3, 4] });
    expect(v.status === 'failed' && v.message).toMatch(/^events: duplicate events by id = "l1": #3 .* #4 /);
  });

  it('by fields, and passes at the closed window', () => {
    const run = stream(runOf('events', { type: 'STATE_CHANGED', no_duplicates: { by: ['payload.from', 'payload.to'] } }));
    expect(run.close().verdict().status).toBe('passed');
    run.stateChanged('CONNECTED', 'DISCONNECTED');
    expect(run.verdict()).toMatchObject({ status: 'failed', evidence: [4, 6] });
  });
});

describe('events within', () => {
  it('passes when the first matching event arrives in time', () => {
    const v = stream(runOf('events', { type: 'CONNECTION_RESTORED', within: { after: 'fault_end', max: '1s' } })).verdict();
    expect(v).toMatchObject({ status: 'passed', evidence: [5] });
  });

  it('fails when it arrives late, or not at all by the deadline', () => {
    const late = stream(runOf('events', { type: 'CONNECTION_RESTORED', within: { after: 'fault_end', max: '200ms' } })).verdict();
    expect(late.status === 'failed' && late.message).toMatch(/CONNECTION_RESTORED arrived 300ms after the anchor, not within 200ms after the fault ended/);
    const run = stream(runOf('events', { type: 'CONNECTION_RESTORED', within: 2 }), { restored: false });
    expect(run.at(2500).verdict().status).toBe('pending');
    expect(run.at(3001).verdict()).toMatchObject({ status: 'failed' });
  });
});

describe('events where', () => {
  it('field equals and regex filter the events counted', () => {
    expect(stream(runOf('events', { type: 'STATE_CHANGED', where: { 'payload.to': 'DISCONNECTED' }, count: 1 })).close().verdict().status).toBe('passed');
    expect(stream(runOf('events', { type: 'CONNECTION_LOST', where: { 'payload.error': { regex: '^ECONN' } }, exists: true })).verdict().status).toBe('passed');
    const v = stream(runOf('events', { type: 'CONNECTION_LOST', where: { 'payload.error': { equals: 'timeout' } }, exists: true })).close().verdict();
    expect(v.status === 'failed' && v.message).toMatch(/expected CONNECTION_LOST where payload.error == "timeout", saw none/);
  });
});

describe('events catalog', () => {
  it('an event system the catalog does not list is an error as soon as the list is known, before the window opens', () => {
    const run = runOf('events', { type: 'CONNECTION_LOST', system: 'mysql-9', absent: true });
    expect(run.verdict().status).toBe('pending');
    run.catalog('systems', ['mysql', 'redis']);
    expect(run.verdict()).toEqual({ status: 'error', message: 'events: unknown system "mysql-9": api lists mysql, redis; did you mean "mysql"?', evidence: [1] });
  });

  it('a listed system, an item without a system, or a list of something else is no error', () => {
    const known = runOf('events', { type: 'CONNECTION_LOST', system: 'mysql', absent: true });
    known.catalog('systems', ['mysql']);
    expect(known.verdict().status).toBe('pending');
    const any = runOf('events', { type: 'CONNECTION_LOST', absent: true });
    any.catalog('systems', []);
    expect(any.verdict().status).toBe('pending');
    const policies = runOf('events', { type: 'CONNECTION_LOST', system: 'mysql-9', absent: true });
    policies.catalog('policies', ['auto-recover']);
    expect(policies.verdict().status).toBe('pending');
  });
});

describe('events system and source', () => {
  it('counts only events of that system, from that source; from every source that records events by default', () => {
    const feed = (item: Record<string, unknown>) => {
      const run = runOf('events', { type: 'CONNECTION_LOST', system: 'mysql-2', ...item });
      run.at(1000).open().startFault();
      run.event('CONNECTION_LOST', { system: 'mysql' });
      run.event('CONNECTION_LOST', { system: 'mysql-2' });
      run.record({ source: 'other-stream', kind: 'event', data: { id: 'z', type: 'CONNECTION_LOST', system: 'mysql-2' }, ref: { type: 'runtime', detail: 'x' } });
      return run.close();
    };
    expect(feed({ source: 'kafka', count: 1 }).verdict()).toMatchObject({ status: 'passed', evidence: [2] });
    const any = feed({ count: 2 });
    expect(any.verdict()).toMatchObject({ status: 'passed', evidence: [2, 3] });
    expect(any.evaluator.sources).toEqual(['kafka', 'other-stream']);
    const other = runOf('events', { type: 'CONNECTION_LOST', source: 'other-stream', exists: true });
    expect(other.evaluator.sources).toEqual(['other-stream']);
  });
});
