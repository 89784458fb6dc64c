import { randomUUID } from 'node:crypto';
import type { ScenarioResult } from '../core-types';
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
  const mux = await ReporterMux.create(settings.reporters, { rootDir: settings.rootDir, stdout: run.stdout, env: run.env }, process.cwd());
  const ledger = new FileLedger(settings.ledgerPath);
  if (settings.timeoutMs !== undefined) for (const s of selected) s.scenario.timeoutMs = settings.timeoutMs;

  const runIds = new Set<string>();
  const guard = guardSignals({
    onFirst: (sig) => mux.onMessage('warn', `${sig} received: stopping and rolling back (send it again to exit at once).`),
    onForce: (sig) => {
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
          for (let attempt = 1; attempt <= settings.repeat && !guard.signal.aborted; attempt++) {
            const runId = `${suiteRunId}-${randomUUID().slice(0, 8)}`;
            runIds.add(runId);
            mux.onScenarioStart(planned(s), attempt);
            const result = await runOne(run, s, runId, ledger, guard.signal, mux);
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
      const status = entryStatus(outcome.value);
      const reason =
        status === 'flaky' ? `verdicts differed across ${outcome.value.length} runs: ${outcome.value.map((a) => a.status).join(', ')}` : outcome.value.at(-1)?.reason;
      return { ...base, status, ...(reason ? { reason } : {}), attempts: outcome.value };
    });
    const signal = guard.received();
    const summary = summarize(entries);
    const report: SuiteReport = {
      reportVersion: 1,
      tool: { name: '@tester/cli', version: run.version },
      runId: suiteRunId,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      status: signal ? 'interrupted' : summary.total === summary.passed ? 'passed' : 'failed',
      ...(settings.shard ? { shard: settings.shard } : {}),
      summary,
      scenarios: entries,
    };
    await mux.onRunEnd(report);
    if (signal) return SIGNAL_EXIT[signal] ?? EXIT.failed;
    return report.status === 'passed' ? EXIT.passed : EXIT.failed;
  } finally {
    guard.dispose();
  }
}

async function runOne(
  run: SuiteRun,
  s: LoadedScenario,
  runId: string,
  ledger: FileLedger,
  signal: AbortSignal,
  mux: ReporterMux,
): Promise<ScenarioResult> {
  const startedAt = new Date();
  try {
    return await run.runtime.core.runScenario(s.scenario, {
      plugins: run.runtime.plugins,
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
