import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Options } from 'tsup';

/**
 * The one tsup configuration every package extends: ESM + CJS + .d.ts, Node 20. Each package passes its entry
 * points; its dependencies stay external unless it bundles them (`noExternal`: core bundles zod, yaml and cel-js, the
 * CLI the built-in plugins, undici, kafkajs and commander; each writes their licences with writeThirdPartyNotices).
 */
export function tsupConfig(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    tsconfig: 'tsconfig.build.json',
    ...overrides,
  };
}

/** The package.json of the package `name` whose file `path` is. */
export function packageJsonOf(path: string, name: string): string {
  const at = path.lastIndexOf(`/node_modules/${name}/`);
  if (at < 0) throw new Error(`${path} is not inside a node_modules/${name} folder`);
  return join(path.slice(0, at), 'node_modules', name, 'package.json');
}

/**
 * Bundled packages' licences travel with their code (MIT and ISC ask for their notice in every copy): writes
 * `dist/THIRD-PARTY-NOTICES.md` with each package's version, licence and LICENSE file. `from` maps each package to the
 * package.json (relative to the package being built) of a package that depends on it, which is where it is resolved.
 */
export function writeThirdPartyNotices(bundler: string, from: Record<string, string>): void {
  const parts = Object.entries(from).map(([name, dependent]) => {
    const manifest = packageJsonOf(createRequire(join(process.cwd(), dependent)).resolve(name), name);
    const { version, license } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string; license: string };
    return `## ${name} ${version} (${license})\n\n${readFileSync(join(dirname(manifest), 'LICENSE'), 'utf8').trim()}\n`;
  });
  writeFileSync('dist/THIRD-PARTY-NOTICES.md', `# Third-party code bundled into ${bundler}\n\n${parts.join('\n')}`);
}

/**
 * A bundled CommonJS package calls require() for Node's built-ins, and an ES module has none: each ES module chunk that
 * carries one makes its own.
 */
export const esmRequireBanner = {
  js: "import { createRequire as __testerCreateRequire } from 'node:module';\nconst require = __testerCreateRequire(import.meta.url);",
};
