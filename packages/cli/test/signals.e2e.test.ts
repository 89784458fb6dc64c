/**
 * SIGINT and SIGTERM at random moments of a real run (start-up, injection, evaluation), through the BUILT cli against a
 * private control plane and Prometheus (Kafka: the shared broker, only read). Each run must exit within 2 s of the
 * signal with 130/143, write its JSON report (the scenario `error`, "interrupted by SIGINT", the evidence observed so
 * far kept) and leave no fault behind (ledger empty, chaos ended). A second signal exits at once, still writing a
 * report, with the ledger right about what was left.
 *
 * CI runs a sample (TESTER_SIGNAL_RUNS, default 8); `npm run soak:signals` runs this file with 50 or more and prints
 * the summary it writes to TESTER_SIGNAL_RESULTS. TESTER_SIGNAL_SEED replays a sequence of moments.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../src/core-types';
import type { SuiteReport } from '../src/reporters/types';
import { fixture, runCli, startCli } from './helpers/cli';
import { expectReportReplays, instance, PRIVATE, type Instance } from './helpers/seed';

const RUNS = Math.max(1, Number(process.env.TESTER_SIGNAL_RUNS ?? 8));
const SEED = Number(process.env.TESTER_SIGNAL_SEED ?? Date.now() % 1_000_000);
const EXIT_WITHIN_MS = 2000;

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed with TESTER_SIGNAL_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCENARIO = `name: signal_probe
timeout: 30s
systems: [mysql]
preconditions: [mysql.state == CONNECTED]
actions:
  - { id: cut-mysql, type: CHAOS, system: mysql, fault: CONNECTION_LOSS, duration: 3 }
expectations:
  states:
    - { system: mysql, final_state: CONNECTED }
  events:
    - { type: CONNECTION_LOST, system: mysql, count: 1 }
    - { type: CONNECTION_RESTORED, system: mysql, count: 1 }
  metrics:
    - { name: cp_system_state, labels: { system: mysql, state: CONNECTED }, value: "== 1" }
`;

/** Where in the run a signal lands: after which phase line, and up to how long after it. */
const STAGES = [
  { stage: 'start-up', phase: 'observers', maxMs: 300 },
  { stage: 'injection', phase: 'actions', maxMs: 300 },
  { stage: 'evaluation', phase: 'evaluation', maxMs: 3000 },
] as const;

interface RunRecord {
  i: number;
  stage: string;
  signal: NodeJS.Signals;
  afterMs: number;
  force: boolean;
  code: number | null;
  /** From the (last) signal to the process being gone. */
  exitMs: number;
  report: boolean;
  reason: string | undefined;
  evidence: number;
  ledger: number;
  activeChaos: number;
  problems: string[];
}

const records: RunRecord[] = [];
let inst: Instance;

beforeAll(async () => {
  inst = await instance([], 1);
});
afterAll(async () => {
  await inst?.stop();
  const lines = records.map(
    (r) =>
      `${String(r.i).padStart(3)} ${r.stage.padEnd(10)} ${r.signal}${r.force ? '×2' : '  '} +${String(r.afterMs).padStart(4)}ms exit ${String(r.code)} in ${String(r.exitMs).padStart(4)}ms ` +
      `${r.force ? `[${(r.reason ?? '').slice(0, 60)}] ` : ''}report ${r.report ? 'yes' : 'NO '} evidence ${r.evidence} ledger ${r.ledger} chaos ${r.activeChaos}${r.problems.length ? `  PROBLEMS: ${r.problems.join('; ')}` : ''}`,
  );
  console.log([`signals (seed ${SEED}):`, ...lines].join('\n'));
  if (process.env.TESTER_SIGNAL_RESULTS) writeFileSync(process.env.TESTER_SIGNAL_RESULTS, JSON.stringify({ seed: SEED, records }, null, 1));
});

const configFor = (i: Instance) =>
  [`controlPlaneUrl: ${i.cp.url}`, `kafkaBootstrap: ${process.env.TESTER_KAFKA_BOOTSTRAP as string}`, `prometheusUrl: ${i.prom.url}`, 'kafka:', `  topics: ${i.cp.topic}`, ''].join('\n');

async function activeChaos(): Promise<number> {
  const list = (await (await fetch(`${inst.cp.url}/api/v1/chaos`)).json()) as { status: string }[];
  return list.filter((c) => c.status === 'ACTIVE').length;
}

async function untilConnected(): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = await fetch(`${inst.cp.url}/api/v1/systems/mysql`).then((r) => r.json() as Promise<{ state: string }>).catch(() => undefined);
    if (body?.state === 'CONNECTED' && (await activeChaos()) === 0) return;
    if (Date.now() > deadline) throw new Error(`mysql not CONNECTED (or a chaos still active) after 30 s: ${body?.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ledgerOf = (dir: string): { description: string }[] => {
  const file = join(dir, '.tester', 'ledger.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { entries: { description: string }[] }).entries : [];
};

/**
 * One run: the cli starts, the signal lands `afterMs` after `phase` is printed (a second one `forceAfterMs` later
 * when given); then the checks. Returns what it saw; `problems` lists every check that failed.
 */
async function signalRun(i: number, stage: (typeof STAGES)[number], signal: NodeJS.Signals, afterMs: number, forceAfterMs?: number): Promise<RunRecord> {
  await untilConnected();
  const dir = fixture({ 'tester.config.yaml': configFor(inst), 'scenarios/signal_probe.yaml': SCENARIO });
  const cli = startCli(['run', '--scenario', 'scenarios/signal_probe.yaml', '-r', 'console', '-r', 'json=report.json'], { cwd: dir, ...PRIVATE });
  let signalledAt: number | undefined;
  let exitedEarly = false;
  const fired = new Promise<void>((resolve) => {
    const onData = () => {
      if (!new RegExp(`^scenarios/signal_probe\\.yaml: ${stage.phase}$`, 'm').test(cli.output())) return;
      cli.child.stdout?.off('data', onData);
      setTimeout(() => {
        if (cli.child.exitCode !== null) {
          exitedEarly = true;
          return resolve();
        }
        signalledAt = Date.now();
        cli.child.kill(signal);
        if (forceAfterMs !== undefined)
          setTimeout(() => {
            if (cli.child.exitCode === null) {
              signalledAt = Date.now();
              cli.child.kill('SIGINT');
            }
          }, forceAfterMs);
        resolve();
      }, afterMs);
    };
    cli.child.stdout?.on('data', onData);
    void cli.done.then(() => resolve());
  });
  await fired;
  const r = await cli.done;
  const exitMs = signalledAt === undefined ? -1 : Date.now() - signalledAt;
  const problems: string[] = [];
  const want = signal === 'SIGINT' ? 130 : 143;
  // A second signal that lands while the process is already tearing down (its report written, its loop empty: Node
  // restores the default signal actions then) ends it by that signal, which a shell reports as 128 + 2 = 130 too.
  const code = r.code ?? (r.signal === 'SIGINT' && forceAfterMs !== undefined ? 130 : r.code);
  if (exitedEarly || signalledAt === undefined) problems.push(`the run ended before the signal (exit ${r.code})`);
  if (code !== want) problems.push(`exit code ${r.code} (signal ${r.signal}), expected ${want}`);
  if (exitMs > EXIT_WITHIN_MS) problems.push(`exited ${exitMs} ms after the signal, more than ${EXIT_WITHIN_MS}`);
  let reason: string | undefined;
  let evidence = 0;
  const reportFile = join(dir, 'report.json');
  const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as SuiteReport) : undefined;
  if (!report) problems.push('no JSON report');
  else {
    if (report.status !== 'interrupted') problems.push(`report status ${report.status}`);
    const entry = report.scenarios[0]!;
    const result: ScenarioResult | undefined = entry.attempts[0];
    reason = result?.reason ?? entry.reason;
    if (forceAfterMs === undefined) {
      if (!result) problems.push(`no result in the report (entry ${entry.status}: ${entry.reason})`);
      else {
        if (result.status !== 'error') problems.push(`scenario ${result.status}`);
        // `interrupted by SIGINT`, or `interrupted by SIGINT while action cut-mysql (CHAOS) ran` when it came then.
        if (!result.reason?.startsWith(`interrupted by ${signal}`)) problems.push(`reason ${JSON.stringify(result.reason)}`);
        evidence = result.expectations.reduce((n, e) => n + e.evidence.length, 0);
        // What was observed is kept: an event counted before the signal is cited by the expectation that counted it.
        // (Observers record until they are stopped; what arrived once the rollbacks began was never evaluated.)
        const stoppedEvaluating = result.phases.find((p) => p.phase === 'rollbacks')?.startedAt ?? Infinity;
        const lost = result.timeline.find(
          (o) => o.kind === 'event' && o.subject === 'CONNECTION_LOST' && (o.data as { system?: string }).system === 'mysql' && o.receivedAt < stoppedEvaluating,
        );
        const counting = result.expectations.find((e) => e.id === 'events[0]');
        if (lost && counting && !counting.evidence.some((o) => o.seq === lost.seq)) problems.push(`events[0] does not cite #${lost.seq} it had counted: ${counting.message}`);
        if (result.rollbacks.some((x) => x.status !== 'ok')) problems.push(`rollbacks: ${JSON.stringify(result.rollbacks)}`);
        // An interrupted run replays to the same verdicts and messages (the evidence kept is core's, live and replay).
        await expectReportReplays(dir).catch((error: Error) => problems.push(error.message));
      }
    } else if (!/interrupted by SIGINT/.test(reason ?? '')) problems.push(`forced: reason ${JSON.stringify(reason)}`);
  }
  let ledger = ledgerOf(dir);
  const left = ledger.length;
  if (forceAfterMs === undefined && left) problems.push(`ledger: ${ledger.map((e) => e.description).join('; ')}`);
  if (forceAfterMs !== undefined && left) {
    // Exited before its rollback: the ledger says so, and cleanup undoes it.
    const cleanup = await runCli(['cleanup'], { cwd: dir, ...PRIVATE });
    if (cleanup.code !== 0) problems.push(`cleanup exited ${cleanup.code}: ${cleanup.stdout}${cleanup.stderr}`);
    ledger = ledgerOf(dir);
    if (ledger.length) problems.push(`ledger after cleanup: ${ledger.length}`);
  }
  const active = await activeChaos();
  if (active) problems.push(`${active} chaos still active`);
  const record: RunRecord = { i, stage: stage.stage, signal, afterMs, force: forceAfterMs !== undefined, code, exitMs, report: Boolean(report), reason, evidence, ledger: left, activeChaos: active, problems };
  records.push(record);
  if (problems.length) console.error(`run ${i} (${stage.stage}, ${signal} +${afterMs}ms): ${problems.join('; ')}\n${r.stdout}${r.stderr}`);
  return record;
}

describe(`SIGINT/SIGTERM at random moments (${RUNS} runs)`, () => {
  it('each run exits within 2 s with 130/143, writes its report, keeps its evidence and leaves no fault', { timeout: 60_000 + RUNS * 45_000 }, async () => {
    const next = random(SEED);
    const failures: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const stage = STAGES[i % STAGES.length]!;
      // Each stage gets SIGINT and SIGTERM in turn, round after round.
      const signal: NodeJS.Signals = (Math.floor(i / STAGES.length) + (i % STAGES.length)) % 2 === 0 ? 'SIGINT' : 'SIGTERM';
      const afterMs = Math.floor(next() * stage.maxMs);
      const record = await signalRun(i, stage, signal, afterMs);
      if (record.problems.length) failures.push(`run ${i} (${stage.stage}, ${signal} +${afterMs}ms): ${record.problems.join('; ')}`);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
  });

  it('a second SIGINT exits at once, still writes a report, and the ledger is right about what was left', { timeout: 120_000 }, async () => {
    const next = random(SEED + 1);
    const failures: string[] = [];
    // Back to back right after the injection (the rollback cannot have run: the ledger must list the chaos, and
    // cleanup must end it), then at a random moment of the evaluation.
    const forced = [
      { stage: STAGES[1], afterMs: Math.floor(next() * 50), forceAfterMs: 0 },
      { stage: STAGES[2], afterMs: Math.floor(next() * STAGES[2].maxMs), forceAfterMs: Math.floor(next() * 150) },
    ];
    for (const [i, { stage, afterMs, forceAfterMs }] of forced.entries()) {
      const record = await signalRun(RUNS + i, stage, 'SIGINT', afterMs, forceAfterMs);
      if (record.problems.length) failures.push(`forced run ${i}: ${record.problems.join('; ')}`);
    }
    expect(failures, `seed ${SEED}`).toEqual([]);
  });
});
