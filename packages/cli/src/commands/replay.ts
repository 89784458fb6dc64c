import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { ScenarioResult } from '../core-types';
import type { CommonFlags } from '../config/settings';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { replayScenario } from '@tester/core/runner';
import { cliVersion } from '../version';
import { ReporterMux } from '../reporters/multiplexer';
import { entryStatus, summarize, type ScenarioEntry, type SuiteReport } from '../reporters/types';
import { loadAll, loadSettings } from './common';

/** The flags of `tester replay`. */
export interface ReplayFlags extends CommonFlags {
  /** An edited copy of a recorded scenario: same actions, systems and window; other expectations. */
  scenario?: string;
}

function readReport(path: string): SuiteReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `cannot read the report ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let report: SuiteReport;
  try {
    report = JSON.parse(text) as SuiteReport;
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `${path} is not JSON (${(error as Error).message}): give the file the json reporter wrote (-r json=report.json)`);
  }
  if (report?.reportVersion !== 1 || !Array.isArray(report.scenarios)) {
    throw new CliError('CONFIG_INVALID', `${path} is not a tester JSON report (reportVersion 1): give the file the json reporter wrote (-r json=report.json)`);
  }
  return report;
}

/**
 * `tester replay <report.json> [--scenario edited.yaml]`: re-judges recorded runs without injecting anything.
 * Without `--scenario`, each recorded scenario's file (as it is now on disk, relative to the config's folder) is
 * judged against its last recorded run; with it, that edited scenario is judged against the recorded run of the
 * scenario with the same name. Output through the normal reporters; exit codes as for `run`.
 */
export async function replayCommand(reportPath: string, opts: ReplayFlags, io: Io): Promise<number> {
  const settings = await loadSettings(opts, io);
  const path = isAbsolute(reportPath) ? reportPath : resolve(io.cwd, reportPath);
  const report = readReport(path);
  const recorded = new Map<string, { entry: ScenarioEntry; attempt: ScenarioResult }>();
  for (const entry of report.scenarios) {
    const attempt = entry.attempts.at(-1);
    if (attempt) recorded.set(entry.name, { entry, attempt });
  }
  if (recorded.size === 0) throw new CliError('CONFIG_INVALID', `${reportPath} holds no scenario that ran: nothing to replay`);

  const files = opts.scenario
    ? [isAbsolute(opts.scenario) ? opts.scenario : resolve(io.cwd, opts.scenario)]
    : [...recorded.values()].map(({ entry }) => (isAbsolute(entry.file) ? entry.file : resolve(settings.rootDir, entry.file)));
  const loaded = await loadAll(settings, files, io);
  if (!loaded) return EXIT.cannotStart;

  const entries: ScenarioEntry[] = [];
  for (const s of loaded.scenarios) {
    const found = recorded.get(s.scenario.name) ?? (opts.scenario && recorded.size === 1 ? [...recorded.values()][0] : undefined);
    if (!found) {
      throw new CliError('CONFIG_INVALID', `${relative(io.cwd, s.file) || s.file}: scenario "${s.scenario.name}" has no recorded run in ${reportPath} (recorded: ${[...recorded.keys()].join(', ')})`);
    }
    let result: ScenarioResult;
    try {
      result = replayScenario(s.scenario, found.attempt, { plugins: loaded.runtime.plugins });
    } catch (error) {
      throw new CliError('CONFIG_INVALID', `cannot replay ${s.scenario.name}: ${(error as Error).message}`);
    }
    const status = entryStatus([result]);
    entries.push({ file: s.file, name: s.scenario.name, tags: s.scenario.tags, systems: s.scenario.systems, status, ...(result.reason ? { reason: result.reason } : {}), attempts: [result] });
  }

  const mux = await ReporterMux.create(settings.reporters, { rootDir: settings.rootDir, stdout: io.stdout, env: io.env }, io.cwd);
  mux.onRunStart(entries.map((e) => ({ file: e.file, name: e.name, systems: e.systems, expectations: e.attempts[0]!.expectations.length })));
  for (const e of entries) mux.onScenarioEnd({ file: e.file, name: e.name, systems: e.systems, expectations: e.attempts[0]!.expectations.length }, e.attempts[0]!);
  const summary = summarize(entries);
  const replayed: SuiteReport = {
    reportVersion: 1,
    tool: { name: '@tester/cli', version: cliVersion() },
    runId: report.runId,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    status: summary.total === summary.passed ? 'passed' : 'failed',
    summary,
    scenarios: entries,
  };
  await mux.onRunEnd(replayed);
  return mux.exitCode(replayed.status === 'passed' ? EXIT.passed : EXIT.failed);
}
