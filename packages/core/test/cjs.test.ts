import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Options } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';
import shipped from '../tsup.config';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(join(root, 'tmp'), { recursive: true });
const outDir = mkdtempSync(join(root, 'tmp', 'cjs-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Builds `entry` as core ships (its tsup.config.ts: bundled dependencies, banner, tree-shaking), without types. */
async function buildAsShipped(options: Options): Promise<void> {
  await build({ ...(shipped as Options), config: false, dts: false, sourcemap: false, onSuccess: undefined, silent: true, tsconfig: join(root, 'tsconfig.build.json'), ...options });
}

/** A script's last line: which of core's bundled dependencies Node loaded from node_modules (none, as shipped). */
const fromNodeModules = (cache: string) =>
  `Object.keys(${cache}).filter((f) => /\\/node_modules\\/(zod|yaml|@marcbachmann\\/cel-js)\\//.test(f))`;

describe('CommonJS build', () => {
  // @marcbachmann/cel-js is ESM-only: the CJS build requires it, which Node >= 20.19 supports (require(esm)).
  it('can be required (main entry and runner) and runs CEL and the loader', async () => {
    const entry = { index: join(root, 'src/index.ts'), runner: join(root, 'src/runner.ts') };
    // As core ships: rollup's tree-shaking pass is also what rewrites `import.meta.url` for CommonJS.
    await buildAsShipped({ entry, format: ['cjs'], outDir });
    const script = `const core = require(${JSON.stringify(join(outDir, 'index.cjs'))});
      const runner = require(${JSON.stringify(join(outDir, 'runner.cjs'))});
      const ok = core.compileCel('db.state == CONNECTED')({ db: { state: 'CONNECTED' } });
      const loaded = runner.parseScenario('name: x\\n', { file: 'x.yaml', plugins: [] });
      const jsonataLoaded = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/jsonata/'));
      const lazy = [jsonataLoaded(), typeof core.compileJsonQuery('a.b', 'here').evaluate, jsonataLoaded()];
      let shared = false;
      try { runner.parseScenario('name: x', { file: 'x.yaml', plugins: [{ name: 'p', apiVersion: 0 }] }); } catch (e) { shared = e instanceof core.TesterError; }
      const bundled = ${fromNodeModules('require.cache')};
      process.stdout.write(JSON.stringify({ ok, shared, lazy, bundled, loaded: loaded.ok ? 'valid' : loaded.problems.map((p) => p.message.split(',')[0]), schema: typeof runner.scenarioJsonSchema([]) }));`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    // Without plugins a scenario can have neither actions nor expectations: the loader says so.
    // `shared`: an error the runner throws is a TesterError of the main entry (one copy of each module across entries).
    // `lazy`: JSONata loads with the first query compiled, not with core (most configs have none).
    // `bundled`: zod, yaml and cel-js come inside core's files, not from node_modules.
    expect(JSON.parse(out)).toEqual({ ok: true, shared: true, lazy: [false, 'function', true], bundled: [], loaded: ['the scenario has no actions and no expectations'], schema: 'object' });
  });

  it('the ES module build compiles and runs a JSONata query, loading JSONata on the first one', async () => {
    const esmDir = join(outDir, 'esm');
    await buildAsShipped({ entry: { index: join(root, 'src/index.ts') }, format: ['esm'], outDir: esmDir });
    const script = `import { createRequire } from 'node:module';
      const core = await import(${JSON.stringify(pathToFileURL(join(esmDir, 'index.js')).href)});
      const cache = createRequire(import.meta.url).cache;
      const jsonataLoaded = () => Object.keys(cache).some((f) => f.includes('/node_modules/jsonata/'));
      const before = jsonataLoaded();
      const value = await core.compileJsonQuery('$sum(a)', 'here').evaluate({ a: [1, 2] });
      process.stdout.write(JSON.stringify({ before, value, after: jsonataLoaded() }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(out)).toEqual({ before: false, value: 3, after: true });
  });
});
