/**
 * The config file (`tester.config.{yaml,json,mjs,ts}`): its zod schema, and the types derived from it, so that
 * `defineConfig` accepts what a harness's validation accepts, no more. The CLI loads and validates config files
 * with {@link configSchema}; core only owns the shape.
 */
import { z } from 'zod';
import type { TesterPlugin } from './contract';
import { parseDuration } from './duration';
import { errorMessage } from './errors';

// A config's plugin object can be any plugin, whatever its options' type.
type AnyPlugin = TesterPlugin<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The harness's own top-level keys; any other top-level key belongs to a plugin (see {@link configSchema}). */
function ownShape() {
  // Validated here, not only when a run starts, so that a bad value is reported at its place in the file.
  const timeout = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
    try {
      if (parseDuration(value) <= 0) ctx.addIssue({ code: 'custom', message: `expected a duration of more than 0, got ${JSON.stringify(value)}` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: errorMessage(error) });
    }
  });
  const pluginObject = z.custom<AnyPlugin>(
    (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string',
    { message: 'expected a package name, a [name, options] tuple or a plugin object' },
  );
  const options = z.record(z.string(), z.unknown());
  return {
    /**
     * Plugins to load in addition to the built-ins: package names, paths, `[name, options]` tuples or plugin
     * objects (in `.mjs`/`.ts` configs).
     */
    plugins: z.array(z.union([z.string().min(1), z.tuple([z.string().min(1), options]).readonly(), pluginObject])).readonly().optional(),
    /** Load the built-in plugins (`api`, `kafka`, `prometheus`, `assertions`) even when not listed. @default true */
    builtins: z.boolean().optional(),
    /** Defaults for every scenario. */
    defaults: z
      .strictObject({
        /** Folder `ci` runs, relative to the config file. @default "scenarios" */
        scenariosDir: z.string().min(1).optional(),
        /** Scenarios run at once (never two on the same system). @default 1 */
        concurrency: z.number().int().positive().optional(),
        /** Overrides the timeout of every scenario (`90s`, `2m`, or seconds); `--timeout` overrides it. */
        timeout: timeout.optional(),
        /** Stop scheduling after the first scenario that does not pass. @default false */
        failFast: z.boolean().optional(),
      })
      .optional(),
    /** Reporters, as `--reporter` takes them (`console`, `junit=out/junit.xml`), or `[name, { outputFile }]`. @default ["console"] */
    reporters: z
      .array(z.union([z.string().min(1), z.tuple([z.string().min(1), z.strictObject({ outputFile: z.string().min(1).optional() })]).readonly()]))
      .readonly()
      .optional(),
    /** The fault ledger file, relative to the config file. @default ".tester/ledger.json" */
    ledger: z.string().min(1).optional(),
    /** Scenario variables (`${name}` in scenarios); `--var k=v` overrides. Numbers and booleans are read as text. */
    variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  };
}

const ownSchema = () => z.strictObject(ownShape());
const pluginBlock = () => z.record(z.string(), z.unknown(), { error: 'expected a mapping: a plugin block such as `api: { baseUrl: ... }`' });
/** What a key that is not the harness's own may hold: a plugin's block, or a value a plugin binds to one of its options. */
const pluginKey = () =>
  z.union([pluginBlock(), z.string(), z.number(), z.boolean()], {
    error: 'expected a plugin block (a mapping such as `api: { baseUrl: ... }`) or a value a plugin binds to one of its options',
  });

type OwnInput = z.input<ReturnType<typeof ownSchema>>;
type OwnOutput = z.output<ReturnType<typeof ownSchema>>;
/** A top-level key that is not the harness's own: a plugin's block (`kafka: { topics: ... }`) or a bound value (`controlPlaneUrl: ...`). */
export type PluginKeyValue = z.input<ReturnType<typeof pluginKey>>;

/**
 * How a config names a plugin: the plugin object itself, a built-in short name (`api`, `kafka`, `prometheus`,
 * `assertions`), an npm package name or a path, or a `[name, options]` tuple.
 */
export type PluginEntry = NonNullable<OwnInput['plugins']>[number];

/** @deprecated Use {@link PluginEntry}: `PluginSpec` is also the CLI's name for a resolved entry, of another shape. */
export type PluginSpec = PluginEntry;

/** Defaults that apply to every scenario unless a flag says otherwise. */
export type ConfigDefaults = NonNullable<OwnInput['defaults']>;

/**
 * The config file, as written (`tester.config.{yaml,json,mjs,ts}`), derived from {@link configSchema}. Every field
 * is optional; flags and `TESTER_*` environment variables override it (flags > environment > file > defaults).
 * Any other top-level key belongs to a plugin: its block, named by its short or package name
 * (`api: { baseUrl: ... }`) and validated by that plugin, or a value one of its bindings reads
 * (`controlPlaneUrl: http://...`, declared in the plugin's `package.json`).
 *
 * TypeScript cannot say "these keys have these types, every other key that one" when the types differ: the index
 * signature admits the own keys' types too. {@link defineConfig} checks the other keys exactly.
 */
export type TesterConfig = OwnInput & { readonly [pluginKey: string]: PluginKeyValue | OwnInput[keyof OwnInput] };

/** A config file once validated: defaults' and variables' values as the harness reads them, plugin keys as written. */
export type ParsedTesterConfig = OwnOutput & { [pluginKey: string]: unknown };

let open: z.ZodType<ParsedTesterConfig, TesterConfig> | undefined;

/**
 * The zod schema of the config file. `bound` lists the top-level keys plugins bind to their options, each with the
 * schema of its value (optional, as every key is): they are checked with it, and every other key must then be a
 * plugin's block (a mapping).
 * Without `bound` (a harness that does not read plugins' bindings, editors' JSON Schema), any other key may be a
 * block or a scalar.
 */
export function configSchema(bound?: Readonly<Record<string, z.ZodType>>): z.ZodType<ParsedTesterConfig, TesterConfig> {
  if (!bound) {
    open ??= ownSchema().catchall(pluginKey()) as unknown as z.ZodType<ParsedTesterConfig, TesterConfig>;
    return open;
  }
  const boundShape = Object.fromEntries(Object.entries(bound).map(([key, schema]) => [key, schema.optional()]));
  return z.object({ ...ownShape(), ...boundShape }).catchall(pluginBlock()) as unknown as z.ZodType<ParsedTesterConfig, TesterConfig>;
}

/** The harness's own top-level keys (`plugins`, `builtins`, `defaults`, ...): a plugin cannot claim them. */
export function ownConfigKeys(): string[] {
  return Object.keys(ownShape());
}

/** Every other top-level key of `config`, the plugin keys checked exactly: a block or a bound value. */
type CheckedPluginKeys<C> = { readonly [K in Exclude<keyof C, keyof OwnInput>]: PluginKeyValue };

/**
 * Declares a configuration. An identity function that exists for types (like Vitest's `defineConfig`): it accepts
 * what {@link configSchema} accepts, and keeps the literal types of what it is given.
 *
 * @example
 * export default defineConfig({ plugins: ['tester-plugin-sql'], controlPlaneUrl: 'http://127.0.0.1:8080', kafka: { topics: 'events' } });
 */
export function defineConfig<const C extends TesterConfig>(config: C & CheckedPluginKeys<C>): C {
  return config;
}
