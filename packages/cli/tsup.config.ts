import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { esmRequireBanner, packageJsonOf, tsupConfig, writeThirdPartyNotices } from '../../tsup.base';

/**
 * The built-in plugins and the transports they load on first use, bundled into the CLI's own chunks: a few files
 * instead of hundreds (undici is 222 modules, kafkajs over 100), which is most of what a run loaded before its first
 * action (bench/start.bench.mjs). @tester/core stays external, with the zod and yaml it bundles (the CLI reads YAML
 * through `@tester/core/yaml`): a third-party plugin imports core too, and must get the same copy as the CLI and the
 * built-ins (one TesterError, one zod).
 */
const BUNDLED = ['@tester/observer-api', '@tester/observer-kafka', '@tester/observer-prometheus', '@tester/assertions'];
/** CommonJS packages the built-ins import with `import()`, given named exports (see cjsNamedExports). */
const CJS_PACKAGES = ['undici', 'kafkajs'];

/**
 * esbuild gives a CommonJS module imported with `import()` from a split chunk a `default` export only, where
 * Node gives it named exports too (`const { request } = await import('undici')`). This plugin puts an ES module in
 * front of each of `names` that re-exports its exports by name, and loads one copy of a package per version even
 * when npm installed it twice (a workspace nests a copy per package that pins it).
 */
function cjsNamedExports(names: readonly string[]): Plugin {
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'cjs-named-exports',
    setup(build) {
      const byVersion = new Map<string, string>();
      build.onResolve({ filter }, async (args) => {
        if (args.namespace === 'cjs-named-exports') return undefined;
        const resolved = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, namespace: 'cjs-named-exports' });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const version = (JSON.parse(readFileSync(packageJsonOf(resolved.path, args.path), 'utf8')) as { version: string }).version;
        const key = `${args.path}@${version}`;
        if (!byVersion.has(key)) byVersion.set(key, resolved.path);
        return { path: byVersion.get(key), namespace: 'cjs-named-exports', pluginData: { name: args.path } };
      });
      build.onLoad({ filter: /.*/, namespace: 'cjs-named-exports' }, (args) => {
        const exported = Object.keys(createRequire(args.path)(args.path) as object).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
        return {
          contents: `import m from ${JSON.stringify(args.path)};\nexport default m;\nexport const { ${exported.join(', ')} } = m;\n`,
          resolveDir: dirname(args.path),
          loader: 'js',
        };
      });
    },
  };
}


export default defineConfig([
  // ES modules, split into chunks: `cli.js` (what the bin runs) loads commander and the command table only; each
  // command is a chunk of its own, imported when it runs. ESM, so that the CLI and every plugin (a third-party
  // plugin is imported as an ES module) share one @tester/core, loaded once.
  tsupConfig({
    entry: { index: 'src/index.ts', cli: 'src/main.ts' },
    format: ['esm'],
    splitting: true,
    shims: true,
    dts: { entry: { index: 'src/index.ts' } },
    // commander too: the CLI alone uses it, and bundled it is one module instead of a CommonJS package that Node's
    // ES module loader must scan for its exports before `--help` can print.
    noExternal: [...BUNDLED, ...CJS_PACKAGES, 'commander'],
    external: ['@tester/core'],
    esbuildPlugins: [cjsNamedExports(CJS_PACKAGES)],
    banner: esmRequireBanner,
  }),
  // The library for require(); one file.
  tsupConfig({ format: ['cjs'], shims: true, clean: false }),
  // The bin is CommonJS, the fastest to start: `tester --version` is answered in it without loading the CLI.
  tsupConfig({ entry: { bin: 'src/bin.ts' }, format: ['cjs'], dts: false, clean: false, onSuccess: writeNotices }),
]);

/** The licences of what the CLI bundles, each package resolved from the package that depends on it. */
async function writeNotices(): Promise<void> {
  writeThirdPartyNotices('@tester/cli', { undici: '../observer-api/package.json', kafkajs: '../observer-kafka/package.json', commander: './package.json' });
}
