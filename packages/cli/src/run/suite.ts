import { randomUUID } from 'node:crypto';
import { createObserverPool, runScenario, systemClock, type Clock, type ObserverPool, type ScenarioResult } from '@tester/core/runner';
import { messageOf } from '../errors';
import { EXIT } from '../exit-codes';
import type { Settings } from '../config/settings';
import { ReporterMux } from '../reporters/multiplexer';
import { entryStatus, summarize, type PlannedScenario, type ScenarioEntry, type SuiteReport } from '../reporters/types';
import { FileLedger } from './ledger';
import type { LoadedScenario, Runtime } from './prepare';
import { schedule } from './scheduler';
import { selectShard } from './shard';
import { guardSignals, SIGNAL_EXIT } from './signals';

export interface SuiteRun {
  runtime: Runtime;
  scenarios: LoadedScenario[];
  settings: Settings;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  version: string;
}

/**
 * Runs the selected scenarios (already loaded and filtered): shard, schedule with per-system exclusion,
 * `--repeat`, fail-fast, signals, the ledger and the reporters. Resolves with the exit code.
 */
export async function runSuite(run: SuiteRun): Promise<number> {
  const { settings } = run;
  const startedAt = new Date();
  const suiteRunId = randomUUID().slice(0, 8);
  const selected = selectShard(run.scenarios, settings.shard, (s) => s.file);
  const mux = await ReporterMux.create(settings.reporters, { rootDir: settings.rootDir, stdout: run.stdout, env: run.env }, process.cwd(), run.stderr);
  const ledger = new FileLedger(settings.ledgerPath);
  if (settings.timeoutMs !== undefined) for (const s of selected) s.scenario.timeoutMs = settings.timeoutMs;

  // One observer session per source for the whole process (observers that declare `share`): scenarios running
  // together cost the system under test what one does. TESTER_SHARE_OBSERVERS=0 gives each scenario its own.
  const clock = systemClock();
  const pool = run.env.TESTER_SHARE_OBSERVERS === '0' ? undefined : createObserverPool({ clock });
  const runIds = new Set<string>();
  /** Per scenario file: its finished attempts, its run ids, and whether an attempt is running (for a forced exit's report). */
  const progress = new Map<string, { attempts: ScenarioResult[]; runIds: string[]; running: boolean }>();
  let reported = false;
  const report = (entries: ScenarioEntry[]): SuiteReport => {
    const summary = summarize(entries);
    return {
      reportVersion: 1,
      tool: { name: '@tester/cli', version: run.version },
      runId: suiteRunId,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      status: guard.received() ? 'interrupted' : summary.total === summary.passed ? 'passed' : 'failed',
      ...(settings.shard ? { shard: settings.shard } : {}),
      summary,
      scenarios: entries,
    };
  };
  const guard = guardSignals({
    onFirst: (sig) => mux.onMessage('warn', `${sig} received: stopping and rolling back (send it again to exit at once).`),
    onForce: async (sig) => {
      // The run's report is out: every rollback ran; there is nothing left to say or write.
      if (reported) return;
      let undone: ReturnType<FileLedger['entries']> = [];
      try {
        undone = ledger.entries().filter((e) => runIds.has(e.runId));
      } catch (error) {
        run.stderr.write(`${messageOf(error)}\n`);
      }
      run.stderr.write(
        `${sig} again: exiting without finishing rollbacks.\n` +
          (undone.length
            ? `These rollbacks did not run:\n${undone.map((e) => `  - ${e.description}`).join('\n')}\nRun \`tester cleanup\` to undo them.\n`
            : 'No injected fault is left in the ledger.\n'),
      );
      // The report of what is known so far: scenarios that finished keep their results; one still running says that
      // it was cut short and what it left in the ledger.
      reported = true;
      const entries = selected.map((s): ScenarioEntry => {
        const base = { file: s.file, name: s.scenario.name, tags: s.scenario.tags, systems: s.scenario.systems };
        const p = progress.get(s.file);
        if (!p) return { ...base, status: 'not-run', reason: 'interrupted', attempts: [] };
        if (!p.running) return finishedEntry(base, p.attempts);
        const left = undone.filter((e) => p.runIds.includes(e.runId)).map((e) => e.description);
        const reason =
          `interrupted by ${guard.received() ?? sig}, then ${sig} again: the tester exited while this scenario ran, before its rollbacks finished` +
          (left.length ? `; left in the ledger (run \`tester cleanup\`): ${left.join('; ')}` : '; nothing of it is left in the ledger');
        return { ...base, status: 'error', reason, attempts: p.attempts };
      });
      await mux.onRunEnd(report(entries));
    },
  });

  const planned = (s: LoadedScenario): PlannedScenario => ({
    file: s.file,
    name: s.scenario.name,
    systems: s.scenario.systems,
    expectations: s.scenario.expectations.length,
  });
  mux.onRunStart(selected.map(planned));
  try {
    const outcomes = await schedule(
      selected.map((s) => ({
        id: s.file,
        systems: s.scenario.systems,
        run: async () => {
          const attempts: ScenarioResult[] = [];
          const p = { attempts, runIds: [] as string[], running: false };
          progress.set(s.file, p);
          for (let attempt = 1; attempt <= settings.repeat && !guard.signal.aborted; attempt++) {
            const runId = `${suiteRunId}-${randomUUID().slice(0, 8)}`;
            runIds.add(runId);
            p.runIds.push(runId);
            p.running = true;
            mux.onScenarioStart(planned(s), attempt);
            const result = await runOne(run, s, runId, ledger, guard.signal, mux, { clock, pool });
            p.running = false;
            mux.onScenarioEnd(planned(s), result);
            attempts.push(result);
          }
          return attempts;
        },
      })),
      {
        concurrency: settings.concurrency,
        signal: guard.signal,
        stopAfter: (attempts) => settings.failFast && entryStatus(attempts) !== 'passed',
      },
    );
    const entries: ScenarioEntry[] = selected.map((s, i) => {
      const outcome = outcomes[i];
      const base = { file: s.file, name: s.scenario.name, tags: s.scenario.tags, systems: s.scenario.systems };
      if (!outcome?.ran) return { ...base, status: 'not-run', reason: outcome?.reason ?? 'interrupted', attempts: [] };
      return finishedEntry(base, outcome.value);
    });
    const signal = guard.received();
    const final = report(entries);
    // A second signal from here on must not replace this report with a partial one.
    if (!reported) {
      reported = true;
      await mux.onRunEnd(final);
    }
    if (signal) return mux.exitCode(SIGNAL_EXIT[signal] ?? EXIT.failed);
    return mux.exitCode(final.status === 'passed' ? EXIT.passed : EXIT.failed);
  } finally {
    await pool?.close();
    guard.dispose();
  }
}

/** A scenario's entry from its finished attempts: their common verdict, or `flaky`. */
function finishedEntry(base: Omit<ScenarioEntry, 'status' | 'attempts' | 'reason'>, attempts: ScenarioResult[]): ScenarioEntry {
  const status = entryStatus(attempts);
  const reason = status === 'flaky' ? `verdicts differed across ${attempts.length} runs: ${attempts.map((a) => a.status).join(', ')}` : attempts.at(-1)?.reason;
  return { ...base, status, ...(reason ? { reason } : {}), attempts };
}

async function runOne(
  run: SuiteRun,
  s: LoadedScenario,
  runId: string,
  ledger: FileLedger,
  signal: AbortSignal,
  mux: ReporterMux,
  shared: { clock: Clock; pool: ObserverPool | undefined },
): Promise<ScenarioResult> {
  const startedAt = new Date();
  try {
    return await runScenario(s.scenario, {
      plugins: run.runtime.plugins,
      clock: shared.clock,
      ...(shared.pool ? { observerPool: shared.pool } : {}),
      signal,
      runId,
      ledger: ledger.forRun(runId),
      onProgress: (event) => mux.onProgress({ file: s.file, name: s.scenario.name, systems: s.scenario.systems }, event),
    });
  } catch (error) {
    // runScenario reports failures in its result; a throw is a bug somewhere: keep it as this scenario's error.
    return {
      runId,
      scenario: { name: s.scenario.name, file: s.file, tags: s.scenario.tags, systems: s.scenario.systems },
      status: 'error',
      reason: `the runtime threw: ${messageOf(error)}`,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      phases: [],
      preconditions: [],
      actions: [],
      rollbacks: [],
      expectations: [],
      faults: [],
      window: { closed: false, settleMs: 0, afterMs: 0 },
      errors: [],
      timings: {},
      observers: [],
      timeline: [],
      timelineDropped: 0,
    };
  }
}
