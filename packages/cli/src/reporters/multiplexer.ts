import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withDeadline } from '../config/deadline';
import { dynamicImport } from '../config/dynamic-import';
import { loadTimeoutMs } from '../config/load';
import { isPathLike, resolveModule } from '../config/plugins';
import { CliError, messageOf } from '../errors';
import { EXIT } from '../exit-codes';
import type { Reporter, ReporterContext, ReporterFactory } from './types';

/** The built-in reporters, each loaded only when asked for. */
const FACTORIES: Record<string, () => Promise<ReporterFactory>> = {
  console: async () => (await import('./console')).consoleReporter,
  json: async () => (await import('./json')).jsonReporter,
  junit: async () => (await import('./junit')).junitReporter,
  html: async () => (await import('./html')).htmlReporter,
  github: async () => (await import('./github')).githubReporter,
};

export const REPORTER_NAMES = Object.keys(FACTORIES);

/** A `--reporter` value, parsed: a built-in's name, or a reporter module and the file it resolved to. */
export interface ReporterSpec {
  /** The built-in's name, or the module as given (`./my-reporter.mjs`, `@acme/tester-reporter`). */
  name: string;
  outputFile: string | undefined;
  /** For a reporter module: the file Node resolved it to. */
  module?: string;
}

/**
 * Parses `name` / `name=path` (as `--reporter` takes it). A name that is not a built-in is a reporter module, as
 * Vitest's `--reporter ./my-reporter.mjs` is: a path (from `cwd`) or a package name (from `rootDir`, the config's
 * folder, where plugins are resolved from too). It is resolved now, so a typo fails before anything runs.
 */
export function parseReporterSpec(spec: string, cwd: string, rootDir: string = cwd): ReporterSpec {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  const path = eq < 0 ? undefined : spec.slice(eq + 1).trim();
  if (path === '') throw new CliError('USAGE', `--reporter ${spec}: missing file after "=".`);
  const outputFile = path === undefined ? undefined : resolve(cwd, path);
  if (FACTORIES[name]) return { name, outputFile };
  const unknown = `--reporter ${spec}: unknown reporter "${name}". Use one of: ${REPORTER_NAMES.join(', ')}, or a reporter module: a path (./my-reporter.mjs) or an installed package`;
  if (!name) throw new CliError('USAGE', `${unknown}.`);
  const from = isPathLike(name) ? cwd : rootDir;
  try {
    return { name, outputFile, module: resolveModule(name, from) };
  } catch (error) {
    const why = isPathLike(name) ? `the file ${resolve(from, name)} does not exist: check the path` : `no package "${name}" is installed where the config is (${from})`;
    throw new CliError('USAGE', `${unknown}; ${why}.`, { cause: error });
  }
}

/**
 * A reporter module's reporter: its default export (or the module itself, for CommonJS) is a factory called with
 * the {@link ReporterContext} (a class is constructed with it), or a {@link Reporter} object. The import and the
 * factory are bounded by `TESTER_LOAD_TIMEOUT`, as for plugins.
 */
async function loadReporterModule(spec: ReporterSpec & { module: string }, ctx: ReporterContext): Promise<Reporter> {
  const label = `Reporter "${spec.name}" (${spec.module})`;
  const timeoutMs = loadTimeoutMs(ctx.env);
  const fix = `Make it settle, or raise TESTER_LOAD_TIMEOUT (now ${timeoutMs} ms).`;
  let made: unknown;
  try {
    const mod = (await withDeadline(dynamicImport(pathToFileURL(spec.module).href), timeoutMs, `${label} did not finish loading within ${timeoutMs} ms. ${fix}`, 'USAGE')) as Record<string, unknown>;
    let exported = mod.default ?? mod.reporter;
    // A CommonJS module imported from an ES module nests its exports under `default`.
    if (exported && typeof exported === 'object' && !('name' in exported) && 'default' in exported) exported = (exported as { default: unknown }).default;
    if (typeof exported === 'function') {
      const fn = exported as (c: ReporterContext) => unknown;
      const isClass = /^class[\s{]/.test(Function.prototype.toString.call(fn));
      made = await withDeadline(
        Promise.resolve(isClass ? new (fn as unknown as new (c: ReporterContext) => unknown)(ctx) : fn(ctx)),
        timeoutMs,
        `${label}: its factory did not settle within ${timeoutMs} ms. ${fix}`,
        'USAGE',
      );
    } else {
      made = exported;
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('USAGE', `${label} failed to load: ${messageOf(error)}`, { cause: error });
  }
  if (!made || typeof made !== 'object') {
    throw new CliError('USAGE', `${label} exports no reporter: export default (ctx) => ({ name: 'mine', onRunEnd(report) { ... } }), or a reporter object.`);
  }
  for (const hook of HOOKS) {
    const value = (made as Record<string, unknown>)[hook];
    if (value !== undefined && typeof value !== 'function') throw new CliError('USAGE', `${label}: ${hook} is ${typeof value}, not a function.`);
  }
  const reporter = made as Partial<Reporter>;
  // A class instance keeps its prototype (its hooks): name it without copying it.
  if (typeof reporter.name !== 'string' || reporter.name === '') Object.defineProperty(reporter, 'name', { value: spec.name, enumerable: true });
  return reporter as Reporter;
}

const HOOKS = ['onRunStart', 'onScenarioStart', 'onProgress', 'onScenarioEnd', 'onRunEnd', 'onMessage'] as const;

/**
 * The one reporter multiplexer: forwards every hook to every reporter, catching and attributing a throw
 * (`reporter html failed in onRunEnd: ...`) so that one broken reporter cannot hide the others' output. What
 * failed is kept in {@link ReporterMux.failures}; {@link ReporterMux.exitCode} turns it into the run's exit code.
 */
export class ReporterMux implements Required<Omit<Reporter, 'name'>> {
  readonly failures: string[] = [];

  constructor(private readonly reporters: readonly Reporter[], private readonly stderr: NodeJS.WritableStream = process.stderr) {}

  /** Makes the reporters named by `specs` (built-ins and reporter modules), in order. */
  static async create(specs: readonly string[], ctx: Omit<ReporterContext, 'outputFile'>, cwd: string, stderr: NodeJS.WritableStream = process.stderr): Promise<ReporterMux> {
    const reporters: Reporter[] = [];
    for (const text of specs) {
      const spec = parseReporterSpec(text, cwd, ctx.rootDir);
      const full = { ...ctx, outputFile: spec.outputFile };
      if (spec.module) reporters.push(await loadReporterModule({ ...spec, module: spec.module }, full));
      else reporters.push(await (await (FACTORIES[spec.name] as () => Promise<ReporterFactory>)())(full));
    }
    return new ReporterMux(reporters, stderr);
  }

  private call(hook: keyof Reporter, args: unknown[]): void {
    for (const reporter of this.reporters) this.guard(reporter, hook, () => (reporter[hook] as ((...a: unknown[]) => unknown) | undefined)?.apply(reporter, args));
  }

  private guard(reporter: Reporter, hook: string, fn: () => unknown): unknown {
    try {
      const value = fn();
      // A hook documented as synchronous may still return a promise: its rejection is a failure too.
      if (value instanceof Promise) value.catch((error: unknown) => this.fail(reporter, hook, error));
      return value;
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

  /**
   * The exit code of a run whose scenarios gave `code`: a run whose reports are missing or incomplete did not do
   * what it was asked, so `0` becomes `1` ({@link EXIT.failed}), and stderr says why; any other code is kept.
   */
  exitCode(code: number): number {
    if (this.failures.length === 0) return code;
    const names = [...new Set(this.failures.map((f) => /^reporter (.*?) failed in /.exec(f)?.[1] ?? '?'))];
    this.stderr.write(
      `tester: ${names.length === 1 ? `reporter ${names[0]} failed` : `reporters ${names.join(', ')} failed`} (above): ` +
        `its output is missing or incomplete${code === EXIT.passed ? `, so the run exits ${EXIT.failed} although every scenario passed` : ''}. ` +
        'Fix the output path or the reporter, then run again.\n',
    );
    return code === EXIT.passed ? EXIT.failed : code;
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
