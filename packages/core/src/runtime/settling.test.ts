import { describe, expect, it } from 'vitest';
import type { FaultRecord } from '../contract';
import type { Observation } from '../observation';
import { Settling } from './settling';

let seq = 0;
const at = (receivedAt: number, source: string, kind: string, data: Record<string, unknown>): Observation => ({
  seq: ++seq,
  source,
  kind,
  receivedAt,
  data,
  ref: { type: 'custom', summary: 't' },
});
const state = (t: number, system: string, s: string, extra: Record<string, unknown> = {}) => at(t, 'api', 'system.state', { system, state: s, ...extra });
const fault: FaultRecord = { id: 'f1', system: 'mysql', fault: 'CONNECTION_LOSS', actionId: 'a', startedAt: 0, endedAt: 1_000 };

describe('Settling: a system in a transitional state is still in progress', () => {
  it('does not settle on RECOVERING however quiet the system is, and settles once it is at rest', () => {
    const s = new Settling(['mysql']);
    s.open(0);
    s.observe(state(200, 'mysql', 'DISCONNECTED'));
    s.observe(state(1_300, 'mysql', 'RECOVERING'));
    expect(s.check(10_000, [fault], 2_000)).toEqual({ settled: false, waitingFor: 'mysql RECOVERING (a transitional state) to finish', recheckAt: Number.POSITIVE_INFINITY });
    expect(s.busy()).toBe('mysql RECOVERING (a transitional state)');
    s.observe(state(10_500, 'mysql', 'CONNECTED'));
    expect(s.check(11_000, [fault], 2_000)).toMatchObject({ settled: false, recheckAt: 12_500 });
    expect(s.check(12_500, [fault], 2_000)).toEqual({ settled: true, quietSince: 10_500, settledAt: 12_500 });
  });

  it('a degraded, failed or unclassified state is at rest: the window may close on it (and the final state fails)', () => {
    for (const final of ['DEGRADED', 'DISCONNECTED', 'SOMETHING_ELSE']) {
      const s = new Settling(['mysql']);
      s.open(0);
      s.observe(state(1_300, 'mysql', final));
      expect(s.check(3_300, [fault], 2_000)).toEqual({ settled: true, quietSince: 1_300, settledAt: 3_300 });
    }
  });

  it('reads STATE_CHANGED events too, and the latest reading of the system decides, from whichever source', () => {
    const s = new Settling(['mysql']);
    s.open(0);
    s.observe(at(1_100, 'kafka', 'event', { type: 'STATE_CHANGED', system: 'mysql', payload: { from: 'DISCONNECTED', to: 'RECOVERING' } }));
    expect(s.check(5_000, [fault], 2_000)).toMatchObject({ settled: false, waitingFor: 'mysql RECOVERING (a transitional state) to finish' });
    // The api shows it at rest although kafka never delivered the last transition: not held open for ever.
    s.observe(state(1_400, 'mysql', 'CONNECTED'));
    expect(s.check(5_000, [fault], 2_000)).toMatchObject({ settled: true, settledAt: 3_400 });
  });

  it("uses the system's vocabulary: a Kafka Connect connector RESTARTING or UNASSIGNED is in progress, RUNNING and FAILED are not", () => {
    const s = new Settling(['orders-sink']);
    const connector = (t: number, st: string) => at(t, 'acme', 'system.state', { system: 'orders-sink', state: st, kind: 'kafka-connect' });
    const f = { ...fault, system: 'orders-sink' };
    s.open(0);
    s.observe(connector(0, 'RUNNING'));
    s.observe(connector(300, 'FAILED'));
    s.observe(connector(1_200, 'RESTARTING'));
    expect(s.check(9_000, [f], 2_000)).toMatchObject({ settled: false, waitingFor: 'orders-sink RESTARTING (a transitional state) to finish' });
    s.observe(connector(9_100, 'UNASSIGNED'));
    expect(s.check(20_000, [f], 2_000)).toMatchObject({ settled: false, waitingFor: 'orders-sink UNASSIGNED (a transitional state) to finish' });
    s.observe(connector(20_100, 'RUNNING'));
    expect(s.check(22_100, [f], 2_000)).toMatchObject({ settled: true, settledAt: 22_100 });
    // RECOVERING means nothing to a connector: not in progress.
    s.observe(connector(22_200, 'RECOVERING'));
    expect(s.check(24_200, [f], 2_000)).toMatchObject({ settled: true });
  });

  it("other systems' transitional states do not hold the scenario's window open", () => {
    const s = new Settling(['mysql']);
    s.open(0);
    s.observe(state(500, 'cache', 'RECOVERING'));
    expect(s.check(3_000, [fault], 2_000)).toMatchObject({ settled: true });
  });
});
