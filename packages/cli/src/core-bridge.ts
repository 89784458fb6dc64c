import type { CoreApi, Problem } from './core-types';
import { CliError } from './errors';

/**
 * Loads `@tester/core` lazily (it pulls in zod and the CEL engine) and checks it offers what the CLI calls,
 * so a mismatched core fails with one clear line instead of `x is not a function` mid-run.
 */
let loaded: CoreApi | undefined;

export async function loadCore(): Promise<CoreApi> {
  const core = (await import('@tester/core')) as unknown as Record<string, unknown>;
  for (const fn of ['loadScenario', 'parseScenario', 'runScenario', 'replayScenario', 'scenarioJsonSchema', 'formatProblem'] as const) {
    if (typeof core[fn] !== 'function') {
      throw new CliError(
        'PLUGIN_API_MISMATCH',
        `@tester/core does not export ${fn}(): install a @tester/core that matches @tester/cli (same version).`,
      );
    }
  }
  loaded = core as unknown as CoreApi;
  return loaded;
}

/**
 * `file:line:col path: message`, the one format every scenario problem is printed in: core's own formatter, so
 * the CLI and a harness print problems alike. Problems only exist once core loaded a scenario.
 */
export function formatProblem(p: Problem): string {
  if (!loaded) throw new Error('formatProblem called before @tester/core was loaded');
  return loaded.formatProblem(p);
}
