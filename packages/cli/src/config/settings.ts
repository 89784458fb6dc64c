import { resolve } from 'node:path';
import { regexProblem } from '@tester/core';
import { CliError } from '../errors';
import { parseDurationMs } from '../run/duration';
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
  controlPlaneUrl?: string;
  kafkaBootstrap?: string;
  prometheusUrl?: string;
  scenariosDir?: string;
  ledger?: string;
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
  controlPlaneUrl: string | undefined;
  kafkaBootstrap: string | undefined;
  prometheusUrl: string | undefined;
  plugins: PluginSpec[];
  grep: RegExp | undefined;
  tags: string[];
  shard: { index: number; total: number } | undefined;
  repeat: number;
}

/** The environment variables the CLI reads, flag by flag. */
export const ENV_VARS = {
  controlPlaneUrl: 'TESTER_CONTROL_PLANE_URL',
  kafkaBootstrap: 'TESTER_KAFKA_BOOTSTRAP',
  prometheusUrl: 'TESTER_PROMETHEUS_URL',
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
  const controlPlaneUrl = pick(flags.controlPlaneUrl, envOf('controlPlaneUrl'), file.controlPlaneUrl, undefined);
  const kafkaBootstrap = pick(flags.kafkaBootstrap, envOf('kafkaBootstrap'), file.kafkaBootstrap, undefined);
  const prometheusUrl = pick(flags.prometheusUrl, envOf('prometheusUrl'), file.prometheusUrl, undefined);
  for (const [key, flag, fileKey, url] of [
    ['controlPlaneUrl', flags.controlPlaneUrl, 'controlPlaneUrl', controlPlaneUrl],
    ['prometheusUrl', flags.prometheusUrl, 'prometheusUrl', prometheusUrl],
  ] as const) {
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) {
      const name = source(flag, key, key === 'controlPlaneUrl' ? '--control-plane-url' : '--prometheus-url', fileKey);
      throw new CliError('USAGE', `${name}: expected an http(s) URL, got ${JSON.stringify(url.length > 80 ? `${url.slice(0, 80)}…` : url)}.`);
    }
  }

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
    controlPlaneUrl,
    kafkaBootstrap,
    prometheusUrl,
    plugins: pluginSpecs(loaded, { controlPlaneUrl, kafkaBootstrap, prometheusUrl }),
    grep: flags.grep ? compileGrep(flags.grep) : undefined,
    tags: (flags.tag ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean),
    shard: flags.shard ? parseShard(flags.shard) : undefined,
    repeat: positiveInt('--repeat', flags.repeat ?? '1'),
  };
}

/**
 * The plugin list: the built-ins (unless `builtins: false`), then the config's own entries. A built-in listed
 * as a tuple gets its options there; the seed's connection flags are merged over them.
 */
function pluginSpecs(
  loaded: LoadedConfig,
  urls: { controlPlaneUrl?: string; kafkaBootstrap?: string; prometheusUrl?: string },
): PluginSpec[] {
  const listed = toSpecs(loaded.config.plugins ?? []);
  const specs: PluginSpec[] = [];
  const blocks = Object.entries(loaded.config).filter(([key]) => !CONFIG_KEYS.includes(key)) as [string, Record<string, unknown>][];
  if (loaded.config.builtins !== false) {
    for (const short of Object.keys(BUILTIN_PLUGINS)) {
      if (!listed.some((s) => builtinOf(s.name) === short)) specs.push({ name: short });
    }
  }
  specs.push(...listed);
  for (const [key] of blocks) {
    const owner = specs.some((s) => s.name === key || (builtinOf(key) !== undefined && builtinOf(s.name) === builtinOf(key)) || s.plugin?.name === key);
    if (!owner) {
      throw new CliError(
        'CONFIG_INVALID',
        `${loaded.file ?? 'config'}: "${key}" is neither a config key (${CONFIG_KEYS.join(', ')}) nor a configured plugin (${specs.map((s) => s.name).join(', ')}). ` +
          'Fix the spelling, or add the plugin to `plugins`.',
      );
    }
  }
  const blockOf = (spec: PluginSpec) =>
    blocks.find(([key]) => key === spec.name || (builtinOf(key) !== undefined && builtinOf(key) === builtinOf(spec.name)) || key === spec.plugin?.name)?.[1];
  return specs.map((spec) => {
    const builtin = builtinOf(spec.name);
    const block = blockOf(spec);
    if (spec.plugin) return block ? { ...spec, options: block } : spec;
    // A plugin's block and its tuple options combine (the tuple wins); the seed's flags win over both.
    const options = { ...(block ?? {}), ...((spec.options as Record<string, unknown> | undefined) ?? {}) };
    if (!builtin) return Object.keys(options).length || spec.options !== undefined ? { name: spec.name, options } : spec;
    if (builtin === 'api' && urls.controlPlaneUrl) options.baseUrl = urls.controlPlaneUrl;
    if (builtin === 'kafka' && urls.kafkaBootstrap) options.brokers = urls.kafkaBootstrap.split(',').map((b) => b.trim()).filter(Boolean);
    if (builtin === 'prometheus' && urls.prometheusUrl) options.url = urls.prometheusUrl;
    return { name: spec.name, options };
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
