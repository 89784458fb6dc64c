// Node built-ins only: the program imports this module to list the built-ins' flags in `--help`, before any
// command loads core or zod. `bindings.ts` checks what is read here.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { BUILTIN_PLUGINS, builtinOf, type BuiltinName } from './builtins';

/** What a plugin's `package.json` declares under `"tester": { "bindings": [...] }`, not yet checked. */
export interface DeclaredBindings {
  /** The `package.json`, named in every problem with its bindings. */
  file: string;
  /** `tester.bindings` as written (`undefined` when the package declares none). */
  bindings: unknown;
}

/** A flag a built-in plugin binds, as `--help` shows it. */
export interface BuiltinFlag {
  flag: string;
  valueName: string;
  description: string;
  env?: string;
}

const declared = new Map<string, DeclaredBindings>();

/** `tester.bindings` of the `package.json` at `file`, read once per process. A file that cannot be read declares none. */
export function readDeclaredBindings(file: string): DeclaredBindings {
  let found = declared.get(file);
  if (!found) {
    let bindings: unknown;
    try {
      bindings = (JSON.parse(readFileSync(file, 'utf8')) as { tester?: { bindings?: unknown } } | null)?.tester?.bindings;
    } catch {
      // An unreadable package.json breaks the import of its plugin too: the loader reports that, with the fix.
      bindings = undefined;
    }
    found = { file, bindings };
    declared.set(file, found);
  }
  return found;
}

/**
 * The `package.json` of the package `name`, looked for where `require` would look for the package. Not
 * `require.resolve(`${name}/package.json`)`: a package's `exports` may not list it, and resolving costs `--help`
 * milliseconds that this walk does not.
 */
function findPackageJson(name: string, require: NodeJS.Require): string | undefined {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = join(dir, name, 'package.json');
    if (existsSync(file)) return file;
  }
  return undefined;
}

let cliRequire: NodeJS.Require | undefined;

/**
 * The `package.json` of the plugin a config in `fromDir` names `name`: a built-in's own (installed with the CLI);
 * a package's, found where Node would find the package from there; or the one at the root of a folder given by
 * path. `undefined` when there is none (a single-file plugin declares no bindings; a missing package is reported
 * by the loader).
 */
export function pluginPackageJson(name: string, fromDir: string): string | undefined {
  const builtin = builtinOf(name);
  if (builtin) {
    cliRequire ??= createRequire(__filename);
    return findPackageJson(BUILTIN_PLUGINS[builtin].pkg, cliRequire);
  }
  if (isPathLike(name)) {
    const file = join(resolve(fromDir, name), 'package.json');
    return existsSync(file) ? file : undefined;
  }
  return findPackageJson(name, createRequire(join(fromDir, 'tester.config.js')));
}

/** The flags the built-in plugins bind, for `--help` and for the parser: entries without a flag are left out. */
export function builtinFlags(): BuiltinFlag[] {
  const flags: BuiltinFlag[] = [];
  for (const name of Object.keys(BUILTIN_PLUGINS) as BuiltinName[]) {
    const file = pluginPackageJson(name, '');
    const { bindings } = file ? readDeclaredBindings(file) : { bindings: undefined };
    if (!Array.isArray(bindings)) continue;
    for (const b of bindings as Record<string, unknown>[]) {
      // Checked in full (bindings.ts) when a command reads them; here only what commander needs.
      if (typeof b?.flag !== 'string' || typeof b.description !== 'string') continue;
      flags.push({
        flag: b.flag,
        valueName: typeof b.valueName === 'string' ? b.valueName : 'value',
        description: b.description,
        ...(typeof b.env === 'string' ? { env: b.env } : {}),
      });
    }
  }
  return flags;
}

/** `./x.mjs`, `../x`, `/abs/x.js`: a file, not a package name. */
export function isPathLike(name: string): boolean {
  return name.startsWith('.') || isAbsolute(name);
}
