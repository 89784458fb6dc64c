/**
 * The real CLI (the built bin) with a YAML config only, on the shared broker: Kafka Connect-shaped status records and
 * CloudEvents (structured and binary), published by the scenarios' own KAFKA_PUBLISH actions (kafkajs), become
 * observations that the built-in `states` and `events` assertions judge. The twins must fail: a wrong expected
 * state, and a wrong mapping.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { expectReportReplays } from '../../../scripts/test-support/replay.mjs';
import { project, readReport, runCli } from './cli-helpers';
import { createTopic, randomTopic, sharedBootstrap } from './kafka-helpers';

let statusTopic: string;
let ceTopic: string;

beforeAll(async () => {
  statusTopic = randomTopic('connect-status');
  ceTopic = randomTopic('cloudevents');
  // Connect's status topic has 5 partitions by default; a key always lands on the same one.
  await createTopic(sharedBootstrap(), statusTopic, 5);
  await createTopic(sharedBootstrap(), ceTopic, 1);
});

/** The README's mapping of Connect's status topic, written out (preset kafka-connect-status is the same). */
const CONNECT_MAPPING = `      when: '$contains(key, /^status-(connector|task)-/)'
      states:
        system: >-
          ( $t := $match(key, /^status-task-(.+)-([0-9]+)$/);
            $t ? $t.groups[0] & "/task-" & $t.groups[1] : $match(key, /^status-connector-(.+)$/).groups[0] )
        state: 'value = null ? "DESTROYED" : value.state'
        detail: value.trace
      kind: kafka-connect`;

/** The mutant: the key as it is for the system, so no system is called `<connector>/task-<n>`. */
const WRONG_MAPPING = `      states: { system: key, state: value.state }
      kind: kafka-connect`;

const config = (mapping: string) => `builtins: false
plugins: [kafka, assertions]
kafkaBootstrap: ${sharedBootstrap()}
kafka:
  readyTimeout: 20
  topics:
    - name: ${statusTopic}
${mapping}
    - name: ${ceTopic}
      preset: cloudevents
`;

const status = (key: string, state: string, trace = 'null') =>
  `  - { type: KAFKA_PUBLISH, topic: ${statusTopic}, key: "${key}", value: { state: ${state}, trace: ${trace}, worker_id: "127.0.0.1:8083", generation: 3 } }`;

/** A connector whose task fails (Debezium's database unreachable) and is restarted; `expect` is its expectations. */
const connectScenario = (name: string, connector: string, expectations: string) => `name: ${name}
timeout: 60s
window: { settle: 500ms }
actions:
${status(`status-connector-${connector}`, 'RUNNING')}
${status(`status-task-${connector}-0`, 'RUNNING')}
${status(`status-task-${connector}-0`, 'FAILED', '"org.apache.kafka.connect.errors.ConnectException: Connection refused"')}
${status(`status-task-${connector}-0`, 'RUNNING')}
${status(`status-topic-orders:connector-${connector}`, 'RUNNING')}
expectations:
${expectations}
`;

const recovers = (connector: string) => `  states:
    - system: ${connector}/task-0
      sources: [kafka]
      sequence: [RUNNING, FAILED, RUNNING]
      strict: true
      final_state: RUNNING
    - system: ${connector}
      final_state: RUNNING
  events:
    - type: STATE_CHANGED
      system: ${connector}/task-0
      count: 3
    - type: STATE_CHANGED
      system: ${connector}/task-0
      where: { payload.to: FAILED, payload.from: RUNNING }
      count: 1`;

const ce = { type: 'com.example.connection.lost', source: '/control-plane', subject: 'mysql', time: '2026-01-01T00:00:05Z' };
const cloudEventsScenario = () => `name: cloudevents_both_modes
timeout: 60s
window: { settle: 500ms }
actions:
  - type: KAFKA_PUBLISH
    topic: ${ceTopic}
    value: { specversion: "1.0", id: ce-1, type: ${ce.type}, source: ${ce.source}, subject: ${ce.subject}, time: "${ce.time}", data: { error: ECONNRESET } }
    headers: { content-type: application/cloudevents+json }
  - type: KAFKA_PUBLISH
    topic: ${ceTopic}
    value: { error: ETIMEDOUT }
    headers: { ce_specversion: "1.0", ce_id: ce-2, ce_type: ${ce.type}, ce_source: ${ce.source}, ce_subject: ${ce.subject}, ce_time: "${ce.time}", content-type: application/json }
expectations:
  events:
    - type: ${ce.type}
      system: mysql
      count: 2
    - type: ${ce.type}
      where: { payload.error: ETIMEDOUT }
      count: 1
    - system: mysql
      no_duplicates: true
`;

describe('tester with Kafka mappings from YAML (real CLI, real broker)', () => {
  it('Connect status records and CloudEvents feed the built-in states and events; a wrong expected state fails', { timeout: 180_000 }, async () => {
    const dir = project({
      'tester.config.yaml': config(CONNECT_MAPPING),
      'scenarios/connect.yaml': connectScenario('connect_task_recovers', 'orders', recovers('orders')),
      'scenarios/connect-twin.yaml': connectScenario(
        'connect_wrong_final_state',
        'billing',
        `  states:
    - system: billing/task-0
      final_state: FAILED`,
      ),
      'scenarios/cloudevents.yaml': cloudEventsScenario(),
    });
    const run = await runCli(['ci', '-r', 'console', '-r', 'json=report.json'], dir);
    expect(run.code, run.output).toBe(1);
    const report = readReport(dir, 'report.json');

    const recovered = report.get('connect_task_recovers')!;
    expect(recovered.status, run.output).toBe('passed');
    expect(recovered.expectations.map((e) => [e.id, e.status])).toEqual([
      ['states[0]', 'passed'],
      ['states[1]', 'passed'],
      ['events[0]', 'passed'],
      ['events[1]', 'passed'],
    ]);
    expect(recovered.expectations[0]!.message).toMatch(/orders\/task-0 (went exactly RUNNING → FAILED → RUNNING|ended RUNNING)/);
    // With sources: [kafka] the transitions are read from the STATE_CHANGED events; without, from system.state.
    expect(recovered.expectations[0]!.evidence.map((o) => [o.kind, (o.data as { payload: unknown }).payload])).toEqual([
      ['event', { to: 'RUNNING', previousUnknown: true }],
      ['event', { from: 'RUNNING', to: 'FAILED', detail: 'org.apache.kafka.connect.errors.ConnectException: Connection refused' }],
      ['event', { from: 'FAILED', to: 'RUNNING' }],
    ]);
    expect(recovered.expectations[1]!.evidence.map((o) => [o.kind, o.data])).toEqual([
      ['system.state', { system: 'orders', state: 'RUNNING', previousUnknown: true, kind: 'kafka-connect' }],
    ]);

    const twin = report.get('connect_wrong_final_state')!;
    expect(twin.status).toBe('failed');
    expect(twin.expectations[0]).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/^states: billing\/task-0 ended RUNNING, expected FAILED: RUNNING is a healthy state \(seen: RUNNING → FAILED → RUNNING\)/),
    });

    const cloudEvents = report.get('cloudevents_both_modes')!;
    expect(cloudEvents.status, run.output).toBe('passed');
    expect(cloudEvents.expectations.map((e) => e.status)).toEqual(['passed', 'passed', 'passed']);
    const ids = cloudEvents.expectations[0]!.evidence.map((o) => (o.data as { id: string }).id);
    expect(ids.sort()).toEqual(['ce-1', 'ce-2']);

    // Replay equals live: the recorded observations re-judge to the same verdicts.
    await expectReportReplays(dir, 'report.json', runCli);
  });

  it('a wrong mapping fails the states expectation: no system is named <connector>/task-<n>', { timeout: 120_000 }, async () => {
    const dir = project({
      'tester.config.yaml': config(WRONG_MAPPING),
      'scenarios/connect.yaml': connectScenario('connect_task_recovers', 'payments', recovers('payments')),
    });
    const run = await runCli(['ci', '-r', 'json=report.json'], dir);
    expect(run.code, run.output).toBe(1);
    const scenario = readReport(dir, 'report.json').get('connect_task_recovers')!;
    expect(scenario.status).toBe('failed');
    expect(scenario.expectations[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/no state of payments\/task-0 was observed|payments\/task-0 did not go/) });
    expect(scenario.expectations[2]).toMatchObject({ status: 'failed' });
  });

  it('a mapping query that does not compile stops the run at config load, naming the field and the column', { timeout: 60_000 }, async () => {
    const dir = project({
      'tester.config.yaml': config(`      states: { system: key, state: 'value.(' }`),
      'scenarios/connect.yaml': connectScenario('never_runs', 'x', recovers('x')),
    });
    const run = await runCli(['ci'], dir);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBe(1);
    expect(run.output).toMatch(/topics\[0\]\.states\.state: the JSONata query does not compile at column 7/);
    expect(run.output).not.toMatch(/\n\s+at /);
  });
});
