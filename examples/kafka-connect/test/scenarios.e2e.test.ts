/**
 * The Kafka Connect example on the real system: Apache Kafka Connect 4.3.1 running the Debezium PostgreSQL
 * connector over PostgreSQL 15, faults through Toxiproxy and SIGSTOP, every verdict by the real CLI as a user runs
 * it (`tester ci` in this folder, with its tester.config.yaml). Each scenario passes; each failing twin fails, on the
 * expectation it was written to break. One worker for the whole suite (ensureKafkaConnect), one Prometheus of the
 * suite's own scraping it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafkaConnect, startPrometheus, type KafkaConnectInfo, type StackInfo } from '../../../scripts/stack/index.mjs';
import { expectReportReplays } from '../../../scripts/test-support/replay.mjs';
import { prepareConnectExample } from '../setup.mjs';

const example = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../../../packages/cli/dist/bin.cjs', import.meta.url));

interface ExpectationResult {
  id: string;
  status: string;
  message: string;
}
interface ScenarioReport {
  name: string;
  file: string;
  status: string;
  reason?: string;
  attempts: Array<{ status: string; reason?: string; expectations: ExpectationResult[] }>;
}

let stack: StackInfo & KafkaConnectInfo;
let prometheus: { url: string; stop(): Promise<void> };
let out: string;

beforeAll(async () => {
  stack = await ensureKafkaConnect({ log: (line) => console.error(`[stack] ${line}`) });
  await prepareConnectExample(stack);
  prometheus = await startPrometheus({ targets: [stack.connect.metricsTarget], scrapeInterval: '1s' });
  out = mkdtempSync(join(tmpdir(), 'tester-kafka-connect-'));
});

afterAll(async () => {
  await prometheus?.stop();
  await stack?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Runs the CLI in the example's folder, as a user would, with a JSON report. */
async function tester(args: string[], report: string): Promise<{ code: number; output: string; scenarios: ScenarioReport[] }> {
  const run = await cli([...args, '--reporter', 'console', '--reporter', `json=${report}`]);
  let scenarios: ScenarioReport[] = [];
  try {
    scenarios = JSON.parse(readFileSync(report, 'utf8')).scenarios;
  } catch {
    return { ...run, scenarios }; // no report: the assertions below show the output
  }
  // Replay equals live: the recorded run re-judges to the same verdicts and messages.
  await expectReportReplays(example, report, (replayArgs) => cli(replayArgs));
  return { ...run, scenarios };
}

/** The CLI in the example's folder, with the stack's addresses in the environment the config reads. */
function cli(args: string[]): Promise<{ code: number; output: string }> {
  const env = {
    ...process.env,
    TESTER_CONNECT_PID_FILE: stack.connect.pidFile,
    TESTER_TOXIPROXY_URL: stack.toxiproxy.url,
    TESTER_CONNECT_URL: stack.connect.url,
    TESTER_KAFKA_BOOTSTRAP: stack.kafka.bootstrap,
    TESTER_PROMETHEUS_URL: prometheus.url,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: example, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const failedIds = (s: ScenarioReport) => s.attempts[0]!.expectations.filter((e) => e.status === 'failed').map((e) => e.id);
const expectation = (s: ScenarioReport, id: string) => s.attempts[0]!.expectations.find((e) => e.id === id);

describe('the scenarios', () => {
  let run: Awaited<ReturnType<typeof tester>>;
  beforeAll(async () => {
    run = await tester(['ci', '--scenarios-dir', 'scenarios'], join(out, 'scenarios.json'));
  });

  it('tester exits 0 with every scenario passed', () => {
    expect(run.scenarios.map((s) => `${s.name}: ${s.status}`).sort(), run.output).toEqual([
      'connect_db_latency: passed',
      'connect_db_outage_restart: passed',
      'connect_worker_paused: passed',
    ]);
    expect(run.code, run.output).toBe(0);
  });

  it.each(['connect_db_outage_restart', 'connect_db_latency', 'connect_worker_paused'])('%s: every expectation passed, none undecided', (name) => {
    const scenario = run.scenarios.find((s) => s.name === name);
    expect(scenario, run.output).toBeDefined();
    const notPassed = scenario!.attempts[0]!.expectations.filter((e) => e.status !== 'passed');
    expect(notPassed, run.output).toEqual([]);
  });

  it('the outage scenario saw both behaviours: the strict task FAILED then restarted, the default one RUNNING while its metrics vanished', () => {
    const outage = run.scenarios.find((s) => s.name === 'connect_db_outage_restart')!;
    expect(expectation(outage, 'states[0]')?.message).toMatch(/orders-strict\/task-0 .*RUNNING → FAILED → RUNNING/);
    expect(expectation(outage, 'states[1]')?.message).toMatch(/FAILED → RESTARTING → RUNNING/);
    expect(expectation(outage, 'metrics[0]')?.message).toMatch(/debezium_metrics_Connected/);
  });
});

/**
 * Each twin, on its own run: the outage twin leaves orders-strict's task FAILED (that is its point), so every twin
 * starts from a set-up system (prepareConnectExample restarts a FAILED task).
 */
describe('the failing twins', () => {
  const twins: Array<{ file: string; name: string; fails: string[]; message: RegExp }> = [
    {
      file: 'twins/db_outage_restart_too_early.yaml',
      name: 'twin_connect_db_outage_restart_too_early',
      // The restart came while the database was still away: the task is FAILED at the end, in REST and on the
      // status topic, its change events never came back, and it never recovered.
      fails: ['states[0]', 'states[1]', 'events[1]', 'timing[0]'],
      message: /orders-strict\/task-0 ended FAILED, expected RUNNING: FAILED is a failed state/,
    },
    {
      file: 'twins/db_latency_freshness.yaml',
      name: 'twin_connect_db_latency_freshness',
      fails: ['metrics[2]'],
      message: /debezium_metrics_MilliSecondsSinceLastEvent\{context="streaming",name="orders"\}.*expected < 2000/,
    },
    {
      file: 'twins/worker_pause_status_metric.yaml',
      name: 'twin_connect_worker_paused_status_metric',
      fails: ['metrics[3]'],
      message: /kafka_connect_connector_task_status\{connector="orders",status="running"\}/,
    },
  ];

  it.each(twins)('$name fails on $fails.0', async (twin) => {
    await prepareConnectExample(stack);
    const run = await tester(['run', '--scenario', twin.file], join(out, `${twin.name}.json`));
    const scenario = run.scenarios.find((s) => s.name === twin.name);
    expect(scenario?.status, run.output).toBe('failed');
    expect(run.code, run.output).toBe(1);
    expect(failedIds(scenario!), run.output).toEqual(twin.fails);
    expect(expectation(scenario!, twin.fails[0]!)?.message, run.output).toMatch(twin.message);
    expect(scenario!.reason, run.output).toContain(`${twin.fails[0]}:`);
    // Nothing else went wrong: the failures are the twin's, every other expectation passed.
    expect(scenario!.attempts[0]!.expectations.filter((e) => e.status !== 'passed' && e.status !== 'failed'), run.output).toEqual([]);
  });
});
