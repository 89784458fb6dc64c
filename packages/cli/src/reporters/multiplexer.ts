import { resolve } from 'node:path';
import { CliError, messageOf } from '../errors';
import type { Reporter, ReporterContext } from './types';

/** The built-in reporters, each loaded only when asked for. */
const FACTORIES: Record<string, () => Promise<(ctx: ReporterContext) => Reporter>> = {
  console: async () => (await import('./console')).consoleReporter,
  json: async () => (await import('./json')).jsonReporter,
  junit: async () => (await import('./junit')).junitReporter,
  html: async () => (await import('./html')).htmlReporter,
  github: async () => (await import('./github')).githubReporter,
};

export const REPORTER_NAMES = Object.keys(FACTORIES);

/** Parses `name` / `name=path` (as `--reporter` takes it). */
export function parseReporterSpec(spec: string, cwd: string): { name: string; outputFile: string | undefined } {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const path = eq < 0 ? undefined : spec.slice(eq + 1).trim();
  if (!FACTORIES[name]) throw new CliError('USAGE', `--reporter ${spec}: unknown reporter "${name}". Use one of: ${REPORTER_NAMES.join(', ')}.`);
  if (path === '') throw new CliError('USAGE', `--reporter ${spec}: missing file after "=".`);
  return { name, outputFile: path === undefined ? undefined : resolve(cwd, path) };
}

/**
 * The one reporter multiplexer: forwards every hook to every reporter, catching and attributing a throw
 * (`reporter html failed in onRunEnd: ...`) so that one broken reporter cannot hide the others' output.
 */
export class ReporterMux implements Required<Omit<Reporter, 'name'>> {
  readonly failures: string[] = [];

  constructor(private readonly reporters: readonly Reporter[], private readonly stderr: NodeJS.WritableStream = process.stderr) {}

  static async create(specs: readonly string[], ctx: Omit<ReporterContext, 'outputFile'>, cwd: string): Promise<ReporterMux> {
    const reporters: Reporter[] = [];
    for (const spec of specs) {
      const { name, outputFile } = parseReporterSpec(spec, cwd);
      const factory = await (FACTORIES[name] as () => Promise<(c: ReporterContext) => Reporter>)();
      reporters.push(factory({ ...ctx, outputFile }));
    }
    return new ReporterMux(reporters);
  }

  private call(hook: keyof Reporter, args: unknown[]): void {
    for (const reporter of this.reporters) this.guard(reporter, hook, () => (reporter[hook] as ((...a: unknown[]) => unknown) | undefined)?.apply(reporter, args));
  }

  private guard(reporter: Reporter, hook: string, fn: () => unknown): unknown {
    try {
      return fn();
    } catch (error) {
      this.fail(reporter, hook, error);
      return undefined;
    }
  }

  private fail(reporter: Reporter, hook: string, error: unknown): void {
    const line = `reporter ${reporter.name} failed in ${hook}: ${messageOf(error)}`;
    this.failures.push(line);
    this.stderr.write(`${line}\n`);
  }

  onRunStart(...args: Parameters<Required<Reporter>['onRunStart']>): void {
    this.call('onRunStart', args);
  }
  onScenarioStart(...args: Parameters<Required<Reporter>['onScenarioStart']>): void {
    this.call('onScenarioStart', args);
  }
  onProgress(...args: Parameters<Required<Reporter>['onProgress']>): void {
    this.call('onProgress', args);
  }
  onScenarioEnd(...args: Parameters<Required<Reporter>['onScenarioEnd']>): void {
    this.call('onScenarioEnd', args);
  }
  onMessage(...args: Parameters<Required<Reporter>['onMessage']>): void {
    if (!this.reporters.some((r) => r.onMessage)) this.stderr.write(`${args[1]}\n`);
    this.call('onMessage', args);
  }
  async onRunEnd(...args: Parameters<Required<Reporter>['onRunEnd']>): Promise<void> {
    for (const reporter of this.reporters) {
      try {
        await reporter.onRunEnd?.(...args);
      } catch (error) {
        this.fail(reporter, 'onRunEnd', error);
      }
    }
  }
}
