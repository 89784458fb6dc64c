import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, messageOf } from '../errors';
import { configSchema, type TesterConfig } from './schema';

/** The file names looked for, in this order, in each folder from the working directory up. */
export const CONFIG_NAMES = ['tester.config.yaml', 'tester.config.yml', 'tester.config.json', 'tester.config.mjs', 'tester.config.ts'];

/** A config file as loaded: the validated content and where it came from. */
export interface LoadedConfig {
  file: string | undefined;
  /** The folder relative paths in the config are resolved against (and plugins are resolved from). */
  dir: string;
  config: TesterConfig;
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
 */
export async function loadConfig(opts: { cwd: string; explicit?: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig> {
  const file = opts.explicit ? resolve(opts.cwd, opts.explicit) : findConfigFile(opts.cwd);
  if (!file) return { file: undefined, dir: resolve(opts.cwd), config: {} };
  if (!existsSync(file)) throw new CliError('CONFIG_INVALID', `${file}: config file not found (from --config). Fix the path or drop --config.`);
  const schema = await configSchema();
  if (/\.ya?ml$/.test(file) || file.endsWith('.json')) {
    const { parseTextConfig } = await import('./parse-text');
    return { file, dir: dirname(file), config: await parseTextConfig(file, readFileSync(file, 'utf8'), opts.env, schema) };
  }
  const raw = await importConfigModule(file);
  const interpolated = interpolateDeep(raw, opts.env, file);
  const parsed = schema.safeParse(interpolated);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${file} ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CliError('CONFIG_INVALID', `Invalid config:\n${lines.join('\n')}`);
  }
  return { file, dir: dirname(file), config: parsed.data as TesterConfig };
}

/** Imports a `.mjs` config natively and a `.ts` config through jiti. */
async function importConfigModule(file: string): Promise<unknown> {
  try {
    let mod: Record<string, unknown>;
    if (file.endsWith('.ts')) {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(pathToFileURL(file).href, { interopDefault: true });
      mod = { default: await jiti.import(file, { default: true }) };
    } else {
      mod = (await dynamicImport(pathToFileURL(file).href)) as Record<string, unknown>;
    }
    const value = mod.default ?? mod;
    return typeof value === 'function' ? await (value as () => unknown)() : value;
  } catch (error) {
    throw new CliError('CONFIG_INVALID', `${file}: the config module failed to load: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * A real `import()` of a file URL, also in the CJS bin: esbuild leaves a non-literal `import()` alone (only
 * literal specifiers of bundled modules become `require()`), so `.mjs` files and ESM-only packages load.
 */
export const dynamicImport = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` / `${VAR:-default}` in `text`. Throws (with `where` in the message) for an unset variable
 * without default, naming it, so a missing secret is never silently an empty string.
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv, where: string): string {
  return text.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new CliError('CONFIG_INVALID', `${where}: environment variable ${name} is not set. Set it, or write \${${name}:-default}.`);
  });
}

/** {@link interpolate} over every string in a JSON-like value (objects from `.mjs`/`.ts` configs). */
export function interpolateDeep(value: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof value === 'string') return interpolate(value, env, where);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env, where));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, where)]));
  }
  return value;
}
