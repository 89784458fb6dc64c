/**
 * Bindings: a plugin declares, in its `package.json`, which of its options a flag, an environment variable or a
 * top-level config key sets (`"tester": { "bindings": [{ "option": "baseUrl", "flag": "--control-plane-url", ... }] }`).
 * The CLI knows no plugin's flags itself: the built-ins' are read the same way as any other plugin's.
 */
import { describeIssues, didYouMean, excerpt, z } from '@tester/core';
import { ownConfigKeys } from '@tester/core/runner';
import { CliError } from '../errors';
import { builtinOf, BUILTIN_PLUGINS } from './builtins';
import { builtinFlags, pluginPackageJson, readDeclaredBindings } from './bindings-read';

const RESERVED_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/** How a flag's, a variable's or a config key's value becomes the option's value. */
const BINDING_TYPES = ['string', 'url', 'list', 'number'] as const;

const bindingSchema = z
  .strictObject({
    option: z
      .string()
      .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'expected a key of the plugin\'s options, or a dot path such as connection.url')
      .refine((path) => !path.split('.').some((k) => RESERVED_KEYS.has(k)), 'expected a key of the plugin\'s options, not __proto__, prototype or constructor'),
    flag: z
      .string()
      .regex(/^--[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'expected a long flag such as --sql-url (lower-case words joined by -)')
      .refine((flag) => !flag.startsWith('--no-'), 'a flag starting with --no- negates another one: choose another name')
      .optional(),
    env: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an environment variable name such as TESTER_SQL_URL').optional(),
    configKey: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a top-level config key such as sqlUrl')
      .refine((key) => !RESERVED_KEYS.has(key), 'expected a config key, not prototype or constructor')
      .optional(),
    type: z.enum(BINDING_TYPES).default('string'),
    valueName: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a short lower-case word such as url').default('value'),
    description: z.string().min(1).max(200),
  })
  .refine((b) => b.flag !== undefined || b.env !== undefined || b.configKey !== undefined, 'a binding needs a flag, an env or a configKey (or several)');
const declarationSchema = z.array(bindingSchema, { error: 'expected a list of bindings' });

/** One option of a plugin that a flag, an environment variable and/or a top-level config key sets. */
export type OptionBinding = z.output<typeof bindingSchema> & {
  /** The plugin entry it belongs to, as the config names it (`api`, `tester-plugin-sql`). */
  plugin: string;
  /** The `package.json` that declares it. */
  file: string;
};

/**
 * The bindings of the plugins named `names` (a config in `fromDir` lists them), checked: each well formed, no
 * config key that is tester's own or a plugin's block, and no flag, variable or config key bound twice.
 */
export function bindingsOf(names: readonly string[], fromDir: string): OptionBinding[] {
  const all: OptionBinding[] = [];
  const blockKeys = new Set([...names, ...Object.keys(BUILTIN_PLUGINS)]);
  const ownKeys = ownConfigKeys();
  const files = new Set<string>();
  for (const name of names) {
    const file = pluginPackageJson(name, fromDir);
    // A plugin listed twice (`api` and `@tester/observer-api`) is the loader's to report.
    if (!file || files.has(file)) continue;
    files.add(file);
    const { bindings } = readDeclaredBindings(file);
    if (bindings === undefined) continue;
    const parsed = declarationSchema.safeParse(bindings);
    if (!parsed.success) {
      const lines = describeIssues(parsed.error.issues, declarationSchema, bindings).map((p) => `${file} tester.bindings${p.place.startsWith('[') ? '' : '.'}${p.text}`);
      throw new CliError('PLUGIN_ERROR', `Plugin "${name}" declares bindings tester cannot use:\n${lines.join('\n')}\nFix its package.json, or report it to its authors.`);
    }
    for (const [i, b] of parsed.data.entries()) {
      const place = `${file} tester.bindings[${i}]`;
      if (b.configKey !== undefined && (ownKeys.includes(b.configKey) || blockKeys.has(b.configKey))) {
        throw new CliError('PLUGIN_ERROR', `${place}.configKey: "${b.configKey}" is ${ownKeys.includes(b.configKey) ? "one of tester's own config keys" : "a plugin's block"}; choose another key.`);
      }
      for (const field of ['flag', 'env', 'configKey'] as const) {
        const other = b[field] !== undefined ? all.find((a) => a[field] === b[field]) : undefined;
        if (other) {
          throw new CliError(
            'PLUGIN_ERROR',
            `${place}.${field}: ${b[field]} is bound twice, by plugin "${name}" (option ${b.option}) and by plugin "${other.plugin}" (${other.file}, option ${other.option}). ` +
              'Drop one of the plugins, or ask its authors for another name.',
          );
        }
      }
      all.push({ ...b, plugin: name, file });
    }
  }
  return all;
}

/** The names of the plugins a config (validated or not) lists, the built-ins first unless `builtins: false`. */
export function pluginNamesOf(config: unknown): string[] {
  const c = (config && typeof config === 'object' ? config : {}) as { plugins?: unknown; builtins?: unknown };
  const listed = (Array.isArray(c.plugins) ? (c.plugins as unknown[]) : []).flatMap((e) =>
    typeof e === 'string' ? [e] : Array.isArray(e) && typeof e[0] === 'string' ? [e[0] as string] : [],
  );
  const builtins = c.builtins === false ? [] : Object.keys(BUILTIN_PLUGINS).filter((short) => !listed.some((n) => builtinOf(n) === short));
  return [...builtins, ...listed];
}

/** The schema of each bound config key's value, as the config file may give it. */
export function boundKeySchemas(bindings: readonly OptionBinding[]): Record<string, z.ZodType> {
  const byType = { url: () => z.url(), string: () => z.string().min(1), list: () => z.string().min(1), number: () => z.union([z.number(), z.string().min(1)]) };
  return Object.fromEntries(bindings.filter((b) => b.configKey !== undefined).map((b) => [b.configKey!, byType[b.type]()]));
}

/** Where bound values come from: flags as typed (`[flag, value]`), the environment, the config file. */
export interface BindingSources {
  flags: readonly (readonly [flag: string, value?: string])[];
  /** The command's own flags: "did you mean" considers them too when a flag is unknown. */
  knownFlags?: readonly string[];
  env: NodeJS.ProcessEnv;
  config: Readonly<Record<string, unknown>>;
  /** The config file, named in a problem with one of its values. */
  configFile: string | undefined;
}

/**
 * The value each binding sets, by plugin: the flag's, else the environment variable's (an empty one counts as
 * unset), else the config key's; converted as the binding's type says. A flag no binding declares, a flag without
 * its value and a bad value are refused, naming the flag, the variable or the config key.
 */
export function boundValues(bindings: readonly OptionBinding[], sources: BindingSources): Map<string, { option: string; value: unknown }[]> {
  const typed = new Map<string, string>();
  for (const [flag, value] of sources.flags) {
    const binding = bindings.find((b) => b.flag === flag);
    // A built-in's flag is the program's even when `builtins: false` leaves its plugin out: it sets nothing then.
    if (!binding && builtinFlags().some((f) => f.flag === flag)) continue;
    if (!binding) {
      const close = didYouMean(flag, [...(sources.knownFlags ?? []), ...bindings.flatMap((b) => (b.flag ? [b.flag] : []))]);
      throw new CliError(
        'USAGE',
        `unknown option '${flag}'${close ? ` (Did you mean ${close}?)` : ''}: neither tester nor a configured plugin declares it. ` +
          "Run `tester <command> --help` for tester's flags; a plugin's README lists its own.",
      );
    }
    if (value === undefined) throw new CliError('USAGE', `option '${flag} <${binding.valueName}>' argument missing.`);
    typed.set(flag, value);
  }
  const byPlugin = new Map<string, { option: string; value: unknown }[]>();
  for (const b of bindings) {
    const fromFlag = b.flag !== undefined ? typed.get(b.flag) : undefined;
    const fromEnv = b.env !== undefined && sources.env[b.env] !== '' ? sources.env[b.env] : undefined;
    const fromFile = b.configKey !== undefined ? sources.config[b.configKey] : undefined;
    const [raw, source] =
      fromFlag !== undefined ? [fromFlag, b.flag!] : fromEnv !== undefined ? [fromEnv, b.env!] : [fromFile, `${sources.configFile ?? 'config'} ${b.configKey}`];
    if (raw === undefined) continue;
    const list = byPlugin.get(b.plugin) ?? [];
    list.push({ option: b.option, value: convert(b, raw, source) });
    byPlugin.set(b.plugin, list);
  }
  return byPlugin;
}

/** `raw` as the binding's type says; `source` (a flag, a variable, a config key) names it in a problem. */
function convert(binding: OptionBinding, raw: unknown, source: string): unknown {
  const text = String(raw);
  // A URL may carry a password: never echo it.
  const shown = JSON.stringify(excerpt(text, 80)).replace(/(\/\/[^/@\s:]*:)[^/@\s]*@/g, '$1***@');
  switch (binding.type) {
    case 'url':
      if (!/^https?:\/\/\S+$/.test(text)) throw new CliError('USAGE', `${source}: expected an http(s) URL, got ${shown}.`);
      return text;
    case 'list':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'number': {
      const n = typeof raw === 'number' ? raw : text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(n)) throw new CliError('USAGE', `${source}: expected a number, got ${shown}.`);
      return n;
    }
    default:
      return text;
  }
}

/** A copy of `options` with `value` at the dot path `option`; the objects on the path are copied, not changed. */
export function withOption(options: Record<string, unknown>, option: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = option.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...options, [head]: value };
  const inner = options[head];
  return { ...options, [head]: withOption(inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {}, rest.join('.'), value) };
}
