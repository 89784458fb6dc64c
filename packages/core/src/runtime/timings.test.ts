import { describe, expect, it } from 'vitest';
import type { FaultRecord } from '../contract';
import { createTimeline } from '../timeline';
import { deriveTimings, FaultTimings, faultToTime } from './timings';

type Entry = [at: number, source: string, kind: string, data: Record<string, unknown>];
function timelineWith(entries: Entry[]) {
  const t = createTimeline();
  for (const [at, source, kind, data] of entries) t.append({ source, kind, subject: String(data.system ?? data.type), receivedAt: at, data, ref: { type: 'custom', summary: 't' } });
  return t;
}
const fault = (over: Partial<FaultRecord> = {}): FaultRecord => ({ id: 'f1', system: 'mysql', fault: 'CONNECTION_LOSS', actionId: 'a', startedAt: 1_000, endedAt: 4_000, ...over });

describe('deriveTimings (the report) and FaultTimings (the timing assertion) are one implementation', () => {
  it('reads any source, and uses the vocabulary: a Kafka Connect connector recovers on RUNNING, not on RESTARTING', () => {
    const c = (at: number, state: string): Entry => [at, 'acme', 'system.state', { system: 'sink', state, kind: 'kafka-connect' }];
    const t = timelineWith([c(0, 'RUNNING'), c(1_300, 'FAILED'), c(4_500, 'RESTARTING'), c(5_000, 'UNASSIGNED'), c(6_200, 'RUNNING')]);
    expect(deriveTimings([fault({ system: 'sink' })], t)).toEqual({ timeToDetectMs: 300, timeToRecoverMs: 2_200 });
    // The same measures, asked the way the timing assertion asks (fed observation by observation).
    const timings = new FaultTimings();
    for (const o of t.query()) timings.observe(o);
    expect(timings.detection(fault(), 'sink')).toMatchObject({ ms: 300, sighting: { state: 'FAILED' } });
    expect(timings.recovery({ endedAt: 4_000 }, 'sink')).toMatchObject({ ms: 2_200, sighting: { state: 'RUNNING' } });
    expect(timings.healthyStates('sink')).toEqual(['RUNNING']);
  });

  it('has no time to recover while the system does not end healthy (no-recovery, wrong-final-state), and 0 when it never left', () => {
    const lost: Entry[] = [[0, 'api', 'system.state', { system: 'mysql', state: 'CONNECTED' }], [1_200, 'api', 'system.state', { system: 'mysql', state: 'DISCONNECTED' }]];
    expect(deriveTimings([fault()], timelineWith(lost))).toEqual({ timeToDetectMs: 200 });
    expect(deriveTimings([fault()], timelineWith([...lost, [5_000, 'api', 'system.state', { system: 'mysql', state: 'DEGRADED' }]]))).toEqual({ timeToDetectMs: 200 });
    expect(deriveTimings([fault()], timelineWith([[0, 'api', 'system.state', { system: 'mysql', state: 'CONNECTED' }]]))).toEqual({ timeToRecoverMs: 0 });
  });

  it('reads states from STATE_CHANGED events; the first of the trailing healthy sightings across sources; CHAOS_ events are not detection', () => {
    const t = timelineWith([
      [0, 'api', 'system.state', { system: 'mysql', state: 'CONNECTED' }],
      [1_050, 'bus', 'event', { type: 'CHAOS_STARTED', system: 'mysql' }],
      [1_100, 'bus', 'event', { type: 'STATE_CHANGED', system: 'mysql', payload: { from: 'CONNECTED', to: 'DEGRADED' } }],
      [4_300, 'bus', 'event', { type: 'STATE_CHANGED', system: 'mysql', payload: { from: 'DEGRADED', to: 'CONNECTED' } }],
      [4_500, 'api', 'system.state', { system: 'mysql', state: 'CONNECTED' }],
    ]);
    expect(deriveTimings([fault()], t)).toEqual({ timeToDetectMs: 100, timeToRecoverMs: 300 });
    const apiOnly = new FaultTimings({ sources: ['api'] });
    for (const o of t.query()) apiOnly.observe(o);
    expect(apiOnly.detection(fault(), 'mysql')).toBeUndefined();
    expect(apiOnly.recovery({ endedAt: 4_000 }, 'mysql')?.ms).toBe(0);
    const ownHealthy = new FaultTimings({ healthy: ['DEGRADED'] });
    for (const o of t.query()) ownHealthy.observe(o);
    expect(ownHealthy.recovery({ endedAt: 4_000 }, 'mysql')).toBeUndefined();
  });

  it('with several faults: detect the first to start, recover from the last to end (none while one is active)', () => {
    const faults = [fault({ id: 'a', startedAt: 1_000, endedAt: 6_000 }), fault({ id: 'b', startedAt: 2_000, endedAt: 4_000 }), fault({ id: 'c', system: 'cache', startedAt: 500, endedAt: 9_000 })];
    expect(faultToTime(faults, 'detect')?.id).toBe('c');
    expect(faultToTime(faults, 'detect', 'mysql')?.id).toBe('a');
    expect(faultToTime(faults, 'recover')?.id).toBe('c');
    expect(faultToTime(faults, 'recover', 'mysql')?.id).toBe('a');
    expect(faultToTime(faults, 'recover', 'redis')?.id).toBe('c');
    expect(faultToTime([...faults, fault({ id: 'd', endedAt: undefined })], 'recover', 'mysql')?.id).toBe('d');
    expect(faultToTime([], 'detect')).toBeUndefined();
    const t = timelineWith([
      [0, 'api', 'system.state', { system: 'mysql', state: 'CONNECTED' }],
      [1_400, 'api', 'system.state', { system: 'mysql', state: 'DISCONNECTED' }],
      [6_500, 'api', 'system.state', { system: 'mysql', state: 'CONNECTED' }],
    ]);
    expect(deriveTimings(faults.slice(0, 2), t)).toEqual({ timeToDetectMs: 400, timeToRecoverMs: 500 });
    expect(deriveTimings([fault({ endedAt: undefined })], t)).toEqual({ timeToDetectMs: 400 });
  });
});
