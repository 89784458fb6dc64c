import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { type TesterPlugin } from '@tester/core';
import { loadScenario, type Problem, type Scenario } from '@tester/core/runner';
import { CliError } from '../errors';
import { loadPlugins } from '../config/plugins';
import type { Settings } from '../config/settings';

/** A scenario file loaded and validated. */
export interface LoadedScenario {
  /** Absolute path. */
  path: string;
  /** Relative to the config's folder, `/`-separated: the stable key for sorting, sharding and reports. */
  file: string;
  scenario: Scenario;
}

/** Every `.yaml`/`.yml` file under `dir`, sorted. */
export function discoverScenarios(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError('USAGE', `Scenario folder ${dir} does not exist. Pass --scenarios-dir DIR or create it (tester init).`);
  }
  const out: string[] = [];
  const walk = (d: string) => {
    // The order is the final sort's (code units, the same on every machine), not the walk's.
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Expands command-line paths (files or folders) to scenario files. */
export function expandPaths(paths: readonly string[], cwd: string): string[] {
  return paths.flatMap((p) => {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new CliError('USAGE', `${p}: no such file or folder.`);
    return statSync(abs).isDirectory() ? discoverScenarios(abs) : [abs];
  });
}

export function relativeFile(rootDir: string, path: string): string {
  return relative(rootDir, path).split(sep).join('/');
}

/** The plugins a run needs, loaded once. */
export interface Runtime {
  plugins: TesterPlugin[];
}

export async function loadRuntime(settings: Settings): Promise<Runtime> {
  return { plugins: await loadPlugins(settings.plugins, settings.rootDir, settings.loadTimeoutMs) };
}

/**
 * Files read at once while others are parsed: reading a file waits on the disk (the thread pool), parsing it on
 * the CPU; one after the other, the CPU would sit idle for every read.
 */
const LOAD_CONCURRENCY = 16;

/** Loads every file; returns the scenarios (in the order of `paths`), or every problem found across all files. */
export async function loadScenarios(
  runtime: Pick<Runtime, 'plugins'>,
  paths: readonly string[],
  settings: Pick<Settings, 'rootDir' | 'variables'>,
  env: NodeJS.ProcessEnv,
): Promise<{ scenarios: LoadedScenario[]; problems: Problem[] }> {
  const results = new Array<Awaited<ReturnType<typeof loadScenario>>>(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      results[i] = await loadScenario(paths[i]!, { plugins: runtime.plugins, variables: settings.variables, env });
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, paths.length) }, worker));
  const scenarios: LoadedScenario[] = [];
  const problems: Problem[] = [];
  results.forEach((result, i) => {
    const path = paths[i]!;
    if (result.ok) scenarios.push({ path, file: relativeFile(settings.rootDir, path), scenario: result.scenario });
    else for (const p of result.problems) problems.push(p);
  });
  return { scenarios, problems };
}

/** Applies `--grep` (name or file) and `--tag` (any of). */
export function filterScenarios(scenarios: readonly LoadedScenario[], settings: Pick<Settings, 'grep' | 'tags'>): LoadedScenario[] {
  return scenarios.filter(
    (s) =>
      (!settings.grep || settings.grep.test(s.scenario.name) || settings.grep.test(s.file)) &&
      (settings.tags.length === 0 || settings.tags.some((t) => s.scenario.tags.includes(t))),
  );
}
