/**
 * The JSON Schema (draft 2020-12) of the `json` reporter's output ({@link SuiteReport}); `tester schema --report`
 * prints it. Scenario results are described down to expectations and observations; plugin-defined `data` and
 * `ref` contents stay open.
 */
const str = { type: 'string' };
const num = { type: 'number' };
const int = { type: 'integer', minimum: 0 };
const strArr = { type: 'array', items: str };
const resultError = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: str, message: str, plugin: str, hook: str, pluginCode: str },
};
const observation = {
  type: 'object',
  required: ['seq', 'source', 'kind', 'receivedAt', 'ref'],
  properties: { seq: int, source: str, kind: str, subject: str, receivedAt: num, sourceTime: num, data: {}, ref: { type: 'object', required: ['type'] } },
};
const verdict = { enum: ['passed', 'failed', 'error'] };
/** An expectation's status: a verdict, or `undecided` (the scenario timed out before the system settled; not blamed, not confirmed). */
const expectationStatus = { enum: ['passed', 'failed', 'error', 'undecided'] };

export const REPORT_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/tester-dev/tester/packages/cli/report.schema.json',
  title: 'tester json report',
  type: 'object',
  required: ['reportVersion', 'tool', 'runId', 'startedAt', 'durationMs', 'status', 'summary', 'scenarios'],
  properties: {
    reportVersion: { const: 1 },
    tool: { type: 'object', required: ['name', 'version'], properties: { name: str, version: str } },
    runId: str,
    startedAt: { type: 'string', format: 'date-time' },
    durationMs: num,
    status: { enum: ['passed', 'failed', 'interrupted'] },
    shard: { $ref: '#/$defs/shard' },
    mergedFrom: { type: 'array', items: { type: 'object', required: ['runId'], properties: { runId: str, shard: { $ref: '#/$defs/shard' } } } },
    summary: {
      type: 'object',
      required: ['total', 'passed', 'failed', 'error', 'flaky', 'notRun'],
      properties: { total: int, passed: int, failed: int, error: int, flaky: int, notRun: int },
    },
    scenarios: { type: 'array', items: { $ref: '#/$defs/entry' } },
  },
  $defs: {
    shard: { type: 'object', required: ['index', 'total'], properties: { index: { type: 'integer', minimum: 1 }, total: { type: 'integer', minimum: 1 } } },
    entry: {
      type: 'object',
      required: ['file', 'name', 'tags', 'systems', 'status', 'attempts'],
      properties: {
        file: str,
        name: str,
        tags: strArr,
        systems: strArr,
        status: { enum: ['passed', 'failed', 'error', 'flaky', 'not-run'] },
        reason: str,
        attempts: { type: 'array', items: { $ref: '#/$defs/result' } },
      },
    },
    result: {
      type: 'object',
      required: ['runId', 'scenario', 'status', 'startedAt', 'durationMs', 'phases', 'actions', 'rollbacks', 'expectations', 'faults', 'timeline'],
      properties: {
        runId: str,
        scenario: { type: 'object', required: ['name'], properties: { name: str, file: str, description: str, tags: strArr, systems: strArr } },
        status: verdict,
        reason: str,
        startedAt: str,
        durationMs: num,
        phases: { type: 'array', items: { type: 'object', required: ['phase', 'startedAt'], properties: { phase: str, startedAt: num, endedAt: num } } },
        preconditionsWaitedMs: { type: 'number', minimum: 0 },
        preconditions: { type: 'array', items: { type: 'object', required: ['expression', 'status'], properties: { expression: str, status: verdict, message: str } } },
        actions: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'type', 'status'],
            properties: { id: str, type: str, plugin: str, status: { enum: ['passed', 'failed', 'error', 'not-run'] }, summary: str, error: resultError, startedAt: num, endedAt: num },
          },
        },
        rollbacks: {
          type: 'array',
          items: {
            type: 'object',
            required: ['actionId', 'description', 'status'],
            properties: { actionId: str, description: str, status: { enum: ['ok', 'failed', 'not-run'] }, error: resultError, durationMs: num },
          },
        },
        expectations: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'section', 'description', 'status', 'message', 'evidence', 'line', 'column'],
            properties: {
              id: str,
              section: str,
              plugin: str,
              description: str,
              status: expectationStatus,
              message: str,
              evidence: { type: 'array', items: observation },
              decidedAt: num,
              line: int,
              column: int,
            },
          },
        },
        faults: {
          type: 'array',
          items: { type: 'object', required: ['id', 'system', 'fault', 'startedAt'], properties: { id: str, system: str, fault: str, actionId: str, startedAt: num, endedAt: num } },
        },
        window: {
          type: 'object',
          properties: {
            opensAt: num,
            settledAt: num,
            closesAt: num,
            closed: { type: 'boolean' },
            settleMs: { type: 'number', minimum: 0 },
            afterMs: { type: 'number', minimum: 0 },
            lastChanges: { type: 'array', items: int },
          },
        },
        timings: { type: 'object', properties: { timeToDetectMs: num, timeToRecoverMs: num } },
        observers: { type: 'array', items: { type: 'object', required: ['source'], properties: { source: str, plugin: str, readyAt: num, blindSpans: { type: 'array' } } } },
        timeline: { type: 'array', items: observation },
        timelineDropped: int,
        errors: { type: 'array', items: resultError },
      },
    },
  },
} as const;
