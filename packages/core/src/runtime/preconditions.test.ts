import { describe, expect, it } from 'vitest';
import { createTimeline } from '../timeline';
import { evaluatePreconditions, stateVariables } from './preconditions';
import { deriveTimings } from './timings';

const ref = { type: 'custom', summary: 't' } as const;
function timelineWith(entries: Array<[at: number, kind: string, subject: string, data: Record<string, unknown>]>) {
  const t = createTimeline();
  for (const [at, kind, subject, data] of entries) t.append({ source: 'api', kind, subject, receivedAt: at, data, ref });
  return t;
}

describe('preconditions over the observed state', () => {
  const t = timelineWith([
    [0, 'system.state', 'mysql', { system: 'mysql', state: 'DEGRADED', since: '2026-01-01T00:00:00Z' }],
    [1, 'system.state', 'mysql', { system: 'mysql', state: 'CONNECTED', since: '2026-01-01T00:00:01Z' }],
    [2, 'system.state', 'mysql-2', { system: 'mysql-2', state: 'DISCONNECTED' }],
  ]);

  it('exposes each system by id and under systems[...] with its latest state and since', () => {
    expect(stateVariables(t)).toEqual({
      mysql: { state: 'CONNECTED', since: '2026-01-01T00:00:01Z' },
      systems: { mysql: { state: 'CONNECTED', since: '2026-01-01T00:00:01Z' }, 'mysql-2': { state: 'DISCONNECTED', since: null } },
    });
  });

  it('evaluates each precondition: true passes, anything else fails, an error is error', () => {
    const results = evaluatePreconditions(
      [
        { expression: 'mysql.state == CONNECTED', line: 2, column: 5 },
        { expression: 'mysql.state == "CONNECTED" && systems["mysql-2"].state == CONNECTED', line: 3, column: 5 },
        { expression: 'mysql.state', line: 4, column: 5 },
        { expression: 'redis.state == CONNECTED', line: 5, column: 5 },
      ],
      t,
    );
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ['passed', 'true'],
      ['failed', 'precondition not met: mysql.state == "CONNECTED" && systems["mysql-2"].state == CONNECTED is false (observed: mysql=CONNECTED, mysql-2=DISCONNECTED)'],
      ['failed', 'precondition not met: mysql.state is "CONNECTED" (observed: mysql=CONNECTED, mysql-2=DISCONNECTED)'],
      ['error', 'cannot evaluate "redis.state == CONNECTED": Unknown variable: redis (observed: mysql=CONNECTED, mysql-2=DISCONNECTED)'],
    ]);
  });
});

describe('derived timings', () => {
  it('time to detect = fault start -> first state away from healthy or event of its system; time to recover = fault end -> final state', () => {
    const t = timelineWith([
      [0, 'system.state', 'mysql', { system: 'mysql', state: 'CONNECTED' }],
      [1_100, 'event', 'CHAOS_STARTED', { type: 'CHAOS_STARTED', system: 'mysql' }],
      [1_400, 'event', 'CONNECTION_LOST', { type: 'CONNECTION_LOST', system: 'mysql' }],
      [1_900, 'system.state', 'mysql', { system: 'mysql', state: 'DISCONNECTED' }],
      [11_000, 'system.state', 'mysql', { system: 'mysql', state: 'RECOVERING' }],
      [12_500, 'system.state', 'mysql', { system: 'mysql', state: 'CONNECTED' }],
    ]);
    const faults = [{ id: 'c1', system: 'mysql', fault: 'CONNECTION_LOSS', actionId: 'a', startedAt: 1_000, endedAt: 10_000 }];
    expect(deriveTimings(faults, t)).toEqual({ timeToDetectMs: 400, timeToRecoverMs: 2_500 });
  });

  it('leaves a figure out when it cannot be known (no detection, fault not ended)', () => {
    const t = timelineWith([[0, 'system.state', 'mysql', { system: 'mysql', state: 'CONNECTED' }]]);
    expect(deriveTimings([{ id: 'c', system: 'mysql', fault: 'LATENCY', actionId: 'a', startedAt: 5, endedAt: undefined }], t)).toEqual({});
    expect(deriveTimings([], t)).toEqual({});
  });
});
