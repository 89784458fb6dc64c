import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeIssues } from '@tester/core';
import { INPUT_LIMITS, readTextFile } from '@tester/core/runner';
import { CliError, messageOf } from '../errors';
import { withDeadline } from './deadline';
import { dynamicImport } from './dynamic-import';
import { interpolateDeep } from './interpolate';
import { parseTextConfig } from './parse-text';
import { configSchema, type ParsedTesterConfig } from './schema';

/** The file names looked for, in this order, in each folder from the working directory up. */
export const CONFIG_NAMES = ['tester.config.yaml', 'tester.config.yml', 'tester.config.json', 'tester.config.mjs', 'tester.config.ts'];

/** A config file as loaded: the validated content and where it came from. */
export interface LoadedConfig {
  file: string | undefined;
  /** The folder relative paths in the config are resolved against (and plugins are resolved from). */
  dir: string;
  config: ParsedTesterConfig;
}

/** Walks up from `cwd` and returns the first config file found, or `undefined`. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Loads the config: `explicit` (from `--config`/`TESTER_CONFIG`) or the first one found walking up from
 * `cwd`; no file gives an empty config. `${VAR}` and `${VAR:-default}` are replaced from `env` in strings.
 * Only a regular file of at most 256 KiB is read; a `.mjs`/`.ts` module (and the function it may export) must
 * settle within the load deadline (`TESTER_LOAD_TIMEOUT`, default 30s) and export plain data.
 */
export async function loadConfig(opts: { cwd: string; explicit?: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig> {
  const file = opts.explicit ? resolve(opts.cwd, opts.explicit) : findConfigFile(opts.cwd);
  if (!file) return { file: undefined, dir: resolve(opts.cwd), config: {} };
  if (!existsSync(file)) throw new CliError('CONFIG_INVALID', `${file}: config file not found (from --config). Fix the path or drop --config.`);
  // The plugins a config lists bind keys of it (`controlPlaneUrl`): its schema depends on what it says.
  const schemaFor = (raw: unknown) => configSchema(raw, dirname(file));
  if (/\.ya?ml$/.test(file) || file.endsWith('.json')) {
    const read = await readTextFile(file, INPUT_LIMITS.maxBytes);
    if (!read.ok) throw new CliError('CONFIG_INVALID', `${file}: cannot read the config file: it ${read.message}.`);
    return { file, dir: dirname(file), config: parseTextConfig(file, read.text, opts.env, schemaFor) };
  }
  const stats = statSync(file);
  if (!stats.isFile()) throw new CliError('CONFIG_INVALID', `${file}: cannot read the config file: it is not a regular file.`);
  if (stats.size > INPUT_LIMITS.maxBytes) throw new CliError('CONFIG_INVALID', `${file}: the config file is ${stats.size} bytes; at most ${INPUT_LIMITS.maxBytes} bytes are read.`);
  const raw = await importConfigModule(file, loadTimeoutMs(opts.env));
  const interpolated = interpolateDeep(raw, opts.env, file);
  const schema = schemaFor(interpolated);
  const parsed = schema.safeParse(interpolated);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, schema, interpolated);
    const lines = problems.slice(0, INPUT_LIMITS.maxProblems).map((p) => `${file} ${p.place === '' ? `(root): ${p.message}` : p.text}`);
    if (problems.length > INPUT_LIMITS.maxProblems) lines.push(`${file}: ${problems.length - INPUT_LIMITS.maxProblems} more problem(s) not listed`);
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${lines.join('\n')}`);
  }
  return { file, dir: dirname(file), config: parsed.data as ParsedTesterConfig };
}

/** The env var that bounds loading a config module or a plugin, and its default. */
export const LOAD_TIMEOUT_ENV = 'TESTER_LOAD_TIMEOUT';
const DEFAULT_LOAD_TIMEOUT_MS = 30_000;

/** How long a config module or a plugin may take to load (`TESTER_LOAD_TIMEOUT`: 30, 500ms, 1m; default 30s). */
export function loadTimeoutMs(env: NodeJS.ProcessEnv): number {
  const value = env[LOAD_TIMEOUT_ENV];
  if (value === undefined || value === '') return DEFAULT_LOAD_TIMEOUT_MS;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  const ms = m ? Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[m[2] ?? 's']! : NaN;
  if (!(ms > 0 && ms <= 3_600_000)) throw new CliError('USAGE', `${LOAD_TIMEOUT_ENV}=${value.slice(0, 40)}: expected a duration from 1ms to 1h, such as 30, 500ms or 2m.`);
  return Math.round(ms);
}

/** Imports a `.mjs` config natively and a `.ts` config through jiti, within `timeoutMs` (its default export too). */
async function importConfigModule(file: string, timeoutMs: number): Promise<unknown> {
  const fix = `Make it settle, or raise ${LOAD_TIMEOUT_ENV} (now ${timeoutMs} ms).`;
  try {
    let mod: Record<string, unknown>;
    if (file.endsWith('.ts')) {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(pathToFileURL(file).href, { interopDefault: true });
      mod = { default: await withDeadline(jiti.import(file, { default: true }), timeoutMs, `${file}: the config module did not finish loading within ${timeoutMs} ms. ${fix}`) };
    } else {
      mod = (await withDeadline(dynamicImport(pathToFileURL(file).href), timeoutMs, `${file}: the config module did not finish loading within ${timeoutMs} ms. ${fix}`)) as Record<string, unknown>;
    }
    const value = mod.default ?? mod;
    const made = typeof value === 'function' ? (value as () => unknown)() : value;
    return await withDeadline(Promise.resolve(made), timeoutMs, `${file}: the config's default export did not settle within ${timeoutMs} ms (a promise that never resolves?). ${fix}`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('CONFIG_INVALID', `${file}: the config module failed to load: ${messageOf(error)}`, { cause: error });
  }
}
