import type { CoreApi, Problem } from './core-types';
import { CliError } from './errors';

/**
 * Loads `@tester/core` lazily (it pulls in zod and the CEL engine) and checks it offers what the CLI calls,
 * so a mismatched core fails with one clear line instead of `x is not a function` mid-run.
 */
export async function loadCore(): Promise<CoreApi> {
  const core = (await import('@tester/core')) as unknown as Record<string, unknown>;
  for (const fn of ['loadScenario', 'runScenario', 'scenarioJsonSchema'] as const) {
    if (typeof core[fn] !== 'function') {
      throw new CliError(
        'PLUGIN_API_MISMATCH',
        `@tester/core does not export ${fn}(): install a @tester/core that matches @tester/cli (same version).`,
      );
    }
  }
  return core as unknown as CoreApi;
}

/** `file:line:col path: message`, the one format every scenario problem is printed in. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
