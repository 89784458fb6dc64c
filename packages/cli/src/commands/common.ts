import { isAbsolute, relative } from 'node:path';
import { formatProblem } from '@tester/core/runner';
import { loadConfig } from '../config/load';
import { ENV_VARS, checkGrep, resolveSettings, type CommonFlags, type Settings } from '../config/settings';
import { EXIT } from '../exit-codes';
import type { Io } from '../io';
import { cliVersion } from '../version';
import { filterScenarios, loadRuntime, loadScenarios, type LoadedScenario, type Runtime } from '../run/prepare';
import { runSuite } from '../run/suite';
import { FileLedger } from '../run/ledger';
import { checkReportPaths } from '../run/report-paths';

/** Problems printed across all files; the rest are counted (each file already lists at most 50). */
export const MAX_PRINTED_PROBLEMS = 200;

/** Loads the config (`--config`, `$TESTER_CONFIG` or found walking up) and applies the precedence rules. */
export async function loadSettings(flags: CommonFlags, io: Io): Promise<Settings> {
  const explicit = flags.config ?? (io.env[ENV_VARS.config] || undefined);
  const loaded = await loadConfig({ cwd: io.cwd, explicit, env: io.env });
  return resolveSettings(flags, io.env, loaded, io.cwd);
}

/**
 * Loads `paths`; on any invalid file prints every problem and returns `undefined` (the caller exits 2).
 */
export async function loadAll(
  settings: Settings,
  paths: string[],
  io: Io,
): Promise<{ runtime: Runtime; scenarios: LoadedScenario[] } | undefined> {
  const runtime = await loadRuntime(settings);
  const { scenarios, problems } = await loadScenarios(runtime, paths, settings, io.env);
  if (problems.length > 0) {
    // Paths relative to where the user typed the command, as compilers print them (clickable in terminals and CI).
    const shown = problems
      .slice(0, MAX_PRINTED_PROBLEMS)
      .map((p) => ({ ...p, file: isAbsolute(p.file) && !relative(io.cwd, p.file).startsWith('..') ? relative(io.cwd, p.file) : p.file }));
    for (const p of shown) io.stderr.write(`${formatProblem(p)}\n`);
    const bad = new Set(problems.map((p) => p.file)).size;
    if (problems.length > MAX_PRINTED_PROBLEMS) io.stderr.write(`… ${problems.length - MAX_PRINTED_PROBLEMS} more problem(s) not listed.\n`);
    io.stderr.write(`\n${problems.length} problem(s) in ${bad} scenario file(s): fix them (tester validate lists them) and run again.\n`);
    return undefined;
  }
  return { runtime, scenarios };
}

/** Warns (on stderr) when the fault ledger lists faults a previous run did not roll back. */
export function warnLeftovers(settings: Settings, io: Io): void {
  const leftovers = new FileLedger(settings.ledgerPath).entries();
  if (leftovers.length === 0) return;
  io.stderr.write(
    `warning: the fault ledger ${settings.ledgerPath} lists ${leftovers.length} fault(s) a previous run did not roll back:\n` +
      leftovers.map((e) => `  - ${e.description} (run ${e.runId})`).join('\n') +
      '\n  Run `tester cleanup` to undo them.\n',
  );
}

/** Shared by `run` and `ci`: warn about leftovers, load, filter, run. */
export async function runFiles(settings: Settings, paths: string[], io: Io): Promise<number> {
  // Everything that can be checked before a fault is injected is checked now.
  await checkGrep(settings);
  checkReportPaths(settings.reporters, process.cwd(), settings.rootDir);
  warnLeftovers(settings, io);
  const loaded = await loadAll(settings, paths, io);
  if (!loaded) return EXIT.cannotStart;
  const selected = filterScenarios(loaded.scenarios, settings);
  if (selected.length === 0) {
    io.stderr.write(`tester: no scenario matches${settings.grep ? ` --grep ${settings.grep.source}` : ''}${settings.tags.length ? ` --tag ${settings.tags.join(',')}` : ''} among ${loaded.scenarios.length} file(s).\n`);
    return EXIT.cannotStart;
  }
  return runSuite({
    runtime: loaded.runtime,
    scenarios: selected,
    settings,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
    version: cliVersion(),
  });
}
