import { resolve } from 'node:path';
import { regexProblem } from '@tester/core';
import { CliError } from '../errors';
import { parseDurationMs } from '../run/duration';
import { bindingsOf, boundValues, withOption } from './bindings';
import { loadTimeoutMs, type LoadedConfig } from './load';
import { BUILTIN_PLUGINS, builtinOf, isPathLike, toSpecs, type PluginSpec } from './plugins';
import { CONFIG_KEYS } from './schema';

/** The flags every running command shares (as commander parses them). */
export interface CommonFlags {
  config?: string;
  reporter?: string[];
  concurrency?: string;
  shard?: string;
  grep?: string;
  tag?: string[];
  timeout?: string;
  var?: string[];
  repeat?: string;
  failFast?: boolean;
  scenariosDir?: string;
  ledger?: string;
  /**
   * Plugins' flags as typed, `[flag, value]` (`['--control-plane-url', 'http://127.0.0.1:8080']`): the built-ins'
   * (which `--help` lists) and any configured plugin's. A flag no configured plugin binds is refused.
   */
  pluginFlags?: readonly (readonly [flag: string, value?: string])[];
  /** The command's own long flags, for "did you mean" when a flag is unknown. */
  knownFlags?: readonly string[];
}

/** Everything a run needs, after precedence flags > environment > config file > defaults. */
export interface Settings {
  configFile: string | undefined;
  /** Folder of the config file (or the working directory): relative paths and plugins resolve from here. */
  rootDir: string;
  scenariosDir: string;
  reporters: string[];
  concurrency: number;
  /** The `--timeout` override as given (flag, `TESTER_TIMEOUT` or `defaults.timeout`). */
  timeout: string | number | undefined;
  /** {@link Settings.timeout} in milliseconds, checked where it came from. */
  timeoutMs: number | undefined;
  /** How long a config module or a plugin may take to load (`TESTER_LOAD_TIMEOUT`). */
  loadTimeoutMs: number;
  failFast: boolean;
  ledgerPath: string;
  variables: Record<string, string>;
  /** The plugins to load, each with its options: its block, its tuple's, then what its bindings set. */
  plugins: PluginSpec[];
  grep: RegExp | undefined;
  tags: string[];
  shard: { index: number; total: number } | undefined;
  repeat: number;
}

/** The environment variables the CLI reads, flag by flag (plugins' own are in their bindings). */
export const ENV_VARS = {
  scenariosDir: 'TESTER_SCENARIOS_DIR',
  concurrency: 'TESTER_CONCURRENCY',
  timeout: 'TESTER_TIMEOUT',
  reporter: 'TESTER_REPORTER',
  ledger: 'TESTER_LEDGER',
  config: 'TESTER_CONFIG',
} as const;

/** Combines flags, environment, config file and defaults. Pure: tests call it directly. */
export function resolveSettings(flags: CommonFlags, env: NodeJS.ProcessEnv, loaded: LoadedConfig, cwd = process.cwd()): Settings {
  const file = loaded.config;
  const envOf = (key: keyof typeof ENV_VARS) => (env[ENV_VARS[key]] === '' ? undefined : env[ENV_VARS[key]]);
  const pick = <T>(flag: T | undefined, fromEnv: T | undefined, fromFile: T | undefined, fallback: T): T =>
    flag ?? fromEnv ?? fromFile ?? fallback;

  // Which of flag, environment variable or config key a value came from: problems name that, not always the flag.
  const source = <K extends keyof typeof ENV_VARS>(flag: unknown, key: K, flagName: string, fileKey: string) =>
    flag !== undefined ? flagName : envOf(key) !== undefined ? ENV_VARS[key] : `${loaded.file ?? 'config'} ${fileKey}`;
  // Plugins first: an unknown flag or a bad bound value is reported before the rest, as commander did.
  const plugins = pluginSpecs(loaded, flags, env);

  const defaults = file.defaults ?? {};
  const timeout = pick<string | number | undefined>(flags.timeout, envOf('timeout'), defaults.timeout, undefined);
  // A reporter module named by a path in the file is relative to the file, as a plugin's path is.
  const moduleFromFile = (name: string) => (isPathLike(name) ? resolve(loaded.dir, name) : name);
  const fileReporters = file.reporters?.map((r) => {
    if (typeof r !== 'string') return r[1].outputFile ? `${moduleFromFile(r[0])}=${resolve(loaded.dir, String(r[1].outputFile))}` : moduleFromFile(r[0]);
    const eq = r.indexOf('=');
    return eq < 0 ? moduleFromFile(r) : `${moduleFromFile(r.slice(0, eq))}${r.slice(eq)}`;
  });
  // An empty list (TESTER_REPORTER=",,,", `reporters: []`) would silence every reporter: it counts as not set.
  const nonEmpty = (list: string[] | undefined) => (list && list.length > 0 ? list : undefined);
  const envReporters = nonEmpty(envOf('reporter')?.split(',').map((r) => r.trim()).filter(Boolean));
  const variables: Record<string, string> = { ...(file.variables ?? {}) };
  for (const pair of flags.var ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError('USAGE', `--var ${pair}: expected name=value.`);
    if (pair.slice(0, eq) === '__proto__') throw new CliError('USAGE', `--var ${pair}: "__proto__" is not a variable name.`);
    variables[pair.slice(0, eq)] = pair.slice(eq + 1);
  }

  return {
    configFile: loaded.file,
    rootDir: loaded.dir,
    // A flag or variable is relative to where it was typed; the file's value to the file.
    scenariosDir: (flags.scenariosDir ?? envOf('scenariosDir'))
      ? resolve(cwd, (flags.scenariosDir ?? envOf('scenariosDir')) as string)
      : resolve(loaded.dir, defaults.scenariosDir ?? 'scenarios'),
    reporters: pick(flags.reporter?.length ? flags.reporter : undefined, envReporters, nonEmpty(fileReporters), ['console']),
    concurrency: positiveInt(source(flags.concurrency, 'concurrency', '--concurrency', 'defaults.concurrency'), pick(flags.concurrency, envOf('concurrency'), defaults.concurrency?.toString(), '1')),
    timeout,
    timeoutMs: timeout === undefined ? undefined : parseDurationMs(timeout, source(flags.timeout, 'timeout', '--timeout', 'defaults.timeout')),
    loadTimeoutMs: loadTimeoutMs(env),
    failFast: flags.failFast ?? defaults.failFast ?? false,
    ledgerPath: resolve(loaded.dir, pick(flags.ledger, envOf('ledger'), file.ledger, '.tester/ledger.json')),
    variables,
    plugins,
    grep: flags.grep ? compileGrep(flags.grep) : undefined,
    tags: (flags.tag ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean),
    shard: flags.shard ? parseShard(flags.shard) : undefined,
    repeat: positiveInt('--repeat', flags.repeat ?? '1'),
  };
}

/**
 * The plugin list: the built-ins (unless `builtins: false`), then the config's own entries. A plugin's block and its
 * tuple options combine (the tuple wins); what its bindings read (flag > environment > config key) wins over both.
 */
function pluginSpecs(loaded: LoadedConfig, flags: CommonFlags, env: NodeJS.ProcessEnv): PluginSpec[] {
  const listed = toSpecs(loaded.config.plugins ?? []);
  const specs: PluginSpec[] = [];
  if (loaded.config.builtins !== false) {
    for (const short of Object.keys(BUILTIN_PLUGINS)) {
      if (!listed.some((s) => builtinOf(s.name) === short)) specs.push({ name: short });
    }
  }
  specs.push(...listed);
  const bindings = bindingsOf(specs.filter((s) => !s.plugin).map((s) => s.name), loaded.dir);
  const bound = boundValues(bindings, { flags: flags.pluginFlags ?? [], knownFlags: flags.knownFlags, env, config: loaded.config, configFile: loaded.file });
  const boundKeys = bindings.flatMap((b) => (b.configKey !== undefined ? [b.configKey] : []));
  const blocks = Object.entries(loaded.config).filter(([key]) => !CONFIG_KEYS.includes(key) && !boundKeys.includes(key)) as [string, Record<string, unknown>][];
  for (const [key] of blocks) {
    const owner = specs.some((s) => s.name === key || (builtinOf(key) !== undefined && builtinOf(s.name) === builtinOf(key)) || s.plugin?.name === key);
    if (!owner) {
      throw new CliError(
        'CONFIG_INVALID',
        `${loaded.file ?? 'config'}: "${key}" is neither a config key (${[...CONFIG_KEYS, ...boundKeys].join(', ')}) nor a configured plugin (${specs.map((s) => s.name).join(', ')}). ` +
          'Fix the spelling, or add the plugin to `plugins`.',
      );
    }
  }
  const blockOf = (spec: PluginSpec) =>
    blocks.find(([key]) => key === spec.name || (builtinOf(key) !== undefined && builtinOf(key) === builtinOf(spec.name)) || key === spec.plugin?.name)?.[1];
  return specs.map((spec) => {
    const block = blockOf(spec);
    if (spec.plugin) return block ? { ...spec, options: block } : spec;
    let options: Record<string, unknown> = { ...(block ?? {}), ...((spec.options as Record<string, unknown> | undefined) ?? {}) };
    for (const { option, value } of bound.get(spec.name) ?? []) options = withOption(options, option, value);
    // A built-in always gets its options object; another plugin only when something set one (a plugin object's
    // `config` then parses it).
    return builtinOf(spec.name) || Object.keys(options).length > 0 || spec.options !== undefined ? { name: spec.name, options } : spec;
  });
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError('USAGE', `${flag}: expected a whole number of at least 1, got "${value}".`);
  return n;
}

/** Parses `--shard i/n` (1-based). */
export function parseShard(value: string): { index: number; total: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || total < 1 || index < 1 || index > total) {
    throw new CliError('USAGE', `--shard ${value}: expected i/n with 1 <= i <= n, e.g. --shard 1/3.`);
  }
  return { index, total };
}

function compileGrep(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch (error) {
    throw new CliError('USAGE', `--grep ${pattern}: not a valid regular expression (${(error as Error).message}).`);
  }
}

/**
 * Refuses a `--grep` pattern that is invalid or risks exponential backtracking (`^(a+)+$`): core's check. Called
 * by the commands before any scenario is matched.
 */
export async function checkGrep(settings: Pick<Settings, 'grep'>): Promise<void> {
  if (!settings.grep) return;
  const problem = regexProblem(settings.grep.source, 'i');
  if (problem) throw new CliError('USAGE', `--grep ${settings.grep.source.slice(0, 80)}: ${problem}.`);
}
