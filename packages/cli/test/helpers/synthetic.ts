import type { Observation } from '@tester/core';
import type { ScenarioResult } from '../../src/core-types';
import { entryStatus, summarize, type ScenarioEntry, type SuiteReport } from '../../src/reporters/types';

let seq = 0;
const obs = (o: Omit<Observation, 'seq'>): Observation => ({ seq: ++seq, ...o });

/**
 * A realistic result of `mysql_failure`: a CONNECTION_LOSS fault from 1s to 11s, state changes, events, a
 * metric series; `events[0]` (count 1) failed because CONNECTION_LOST arrived twice.
 */
export function syntheticResult(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  seq = 0;
  const t0 = 1000;
  const timeline: Observation[] = [
    obs({ source: 'api', kind: 'system.state', subject: 'mysql', receivedAt: t0 + 100, data: { system: 'mysql', state: 'CONNECTED' }, ref: { type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/api/v1/systems', status: 200 } }),
    obs({ source: 'runtime', kind: 'fault.started', subject: 'mysql', receivedAt: t0 + 1000, data: { id: 'c1', system: 'mysql', fault: 'CONNECTION_LOSS', actionId: 'actions[0]' }, ref: { type: 'runtime', detail: 'POST /api/v1/chaos -> 201' } }),
    obs({ source: 'kafka', kind: 'event', subject: 'CONNECTION_LOST', receivedAt: t0 + 1400, data: { id: 'e1', type: 'CONNECTION_LOST', system: 'mysql' }, ref: { type: 'kafka', topic: 'control-plane.events', partition: 1, offset: '40' } }),
    obs({ source: 'api', kind: 'system.state', subject: 'mysql', receivedAt: t0 + 1500, data: { system: 'mysql', state: 'DISCONNECTED', previous: 'CONNECTED' }, ref: { type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/api/v1/systems', status: 200 } }),
    obs({ source: 'kafka', kind: 'event', subject: 'CONNECTION_LOST', receivedAt: t0 + 1600, data: { id: 'e1', type: 'CONNECTION_LOST', system: 'mysql' }, ref: { type: 'kafka', topic: 'control-plane.events', partition: 1, offset: '41' } }),
    obs({ source: 'api', kind: 'policy.execution', subject: 'auto-recover', receivedAt: t0 + 2000, data: { id: 'x1', policyId: 'auto-recover', status: 'RUNNING' }, ref: { type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/api/v1/policies/auto-recover/executions', status: 200 } }),
    ...[0, 2, 4, 6, 8, 10, 12].map((s, i) =>
      obs({ source: 'prometheus', kind: 'metric.sample', subject: 'cp_chaos_active', receivedAt: t0 + 500 + s * 1000, data: { query: 'cp_chaos_active', labels: { system: 'mysql' }, value: i > 0 && i < 6 ? 1 : 0, timestamp: 1_700_000_000_000 + s * 1000 }, ref: { type: 'promql', url: 'http://127.0.0.1:9090', query: 'cp_chaos_active', labels: { system: 'mysql' }, value: i > 0 && i < 6 ? 1 : 0, timestamp: 1_700_000_000_000 } }),
    ),
    obs({ source: 'api', kind: 'system.state', subject: 'mysql', receivedAt: t0 + 11_500, data: { system: 'mysql', state: 'RECOVERING', previous: 'DISCONNECTED' }, ref: { type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/api/v1/systems', status: 200 } }),
    obs({ source: 'api', kind: 'system.state', subject: 'mysql', receivedAt: t0 + 12_000, data: { system: 'mysql', state: 'CONNECTED', previous: 'RECOVERING' }, ref: { type: 'http', method: 'GET', url: 'http://127.0.0.1:8080/api/v1/systems', status: 200 } }),
  ];
  const state = timeline.filter((o) => o.kind === 'system.state');
  const lost = timeline.filter((o) => o.subject === 'CONNECTION_LOST');
  return {
    runId: 'run-1',
    scenario: { name: 'mysql_failure', file: 'scenarios/mysql_failure.yaml', tags: ['smoke'], systems: ['mysql'] },
    status: 'failed',
    reason: '1 of 2 expectations failed',
    startedAt: '2026-11-25T03:00:00.000Z',
    durationMs: 13_000,
    phases: [
      { phase: 'observers', startedAt: t0, endedAt: t0 + 200 },
      { phase: 'actions', startedAt: t0 + 900, endedAt: t0 + 1000 },
      { phase: 'evaluation', startedAt: t0 + 1000, endedAt: t0 + 12_500 },
    ],
    preconditions: [{ expression: 'mysql.state == "CONNECTED"', status: 'passed', message: 'true', line: 5, column: 5 }],
    actions: [{ id: 'actions[0]', type: 'CHAOS', plugin: '@tester/observer-api', status: 'passed', summary: 'POST /api/v1/chaos -> 201 id=c1', startedAt: t0 + 900, endedAt: t0 + 1000 }],
    rollbacks: [{ actionId: 'actions[0]', description: 'DELETE chaos c1', status: 'ok', durationMs: 12 }],
    expectations: [
      { id: 'states[0]', section: 'states', plugin: '@tester/assertions', description: 'mysql reaches CONNECTED and holds it', status: 'passed', message: 'mysql is CONNECTED since 12.00s', evidence: [state.at(-1) as Observation], decidedAt: t0 + 12_000, line: 17, column: 7 },
      { id: 'events[0]', section: 'events', plugin: '@tester/assertions', description: 'exactly 1 CONNECTION_LOST event', status: 'failed', message: 'expected 1 CONNECTION_LOST event, saw 2 (offsets 40, 41) <&"dup">', evidence: lost, decidedAt: t0 + 12_500, line: 23, column: 7 },
    ],
    faults: [{ id: 'c1', system: 'mysql', fault: 'CONNECTION_LOSS', actionId: 'actions[0]', startedAt: t0 + 1000, endedAt: t0 + 11_000 }],
    window: { opensAt: t0 + 900, settledAt: t0 + 12_500, closesAt: t0 + 12_500, closed: true, settleMs: 2000, afterMs: 0 },
    timings: { timeToDetectMs: 400, timeToRecoverMs: 1000 },
    observers: [{ source: 'api', plugin: '@tester/observer-api', readyAt: t0 + 100, blindSpans: [] }],
    timeline,
    timelineDropped: 0,
    errors: [],
    ...overrides,
  };
}

/** A suite report around synthetic results: one failed, one passed, one flaky (3 runs), one not run. */
export function syntheticReport(): SuiteReport {
  const failed = syntheticResult();
  const passed = syntheticResult({
    status: 'passed',
    reason: undefined,
    scenario: { name: 'policy_evaluation', file: 'scenarios/policy_evaluation.yaml', tags: [], systems: ['mysql-2'] },
  });
  passed.expectations = passed.expectations.map((e) => ({ ...e, status: 'passed', message: 'ok' }));
  const entry = (file: string, name: string, attempts: ScenarioResult[], extra: Partial<ScenarioEntry> = {}): ScenarioEntry => ({
    file,
    name,
    tags: [],
    systems: ['mysql'],
    status: entryStatus(attempts),
    attempts,
    ...extra,
  });
  const scenarios = [
    entry('scenarios/mysql_failure.yaml', 'mysql_failure', [failed]),
    entry('scenarios/policy_evaluation.yaml', 'policy_evaluation', [passed]),
    entry('scenarios/unstable.yaml', 'unstable', [passed, failed, passed], { reason: 'verdicts differed across 3 runs: passed, failed, passed' }),
    entry('scenarios/z_last.yaml', 'z_last', [], { reason: 'fail-fast' }),
  ];
  return {
    reportVersion: 1,
    tool: { name: '@tester/cli', version: '0.1.0' },
    runId: 'suite-1',
    startedAt: '2026-11-25T03:00:00.000Z',
    durationMs: 40_000,
    status: 'failed',
    summary: summarize(scenarios),
    scenarios,
  };
}
