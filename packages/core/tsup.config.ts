import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { defineConfig } from 'tsup';
import { esmRequireBanner, tsupConfig, writeThirdPartyNotices } from '../../tsup.base';
import type * as Runner from './src/runner';

export default defineConfig(
  tsupConfig({
    entry: { index: 'src/index.ts', runner: 'src/runner.ts', testing: 'src/testing.ts', http: 'src/http-guards.ts', promql: 'src/promql.ts', yaml: 'src/yaml.ts' },
    // One copy of each module across the entries: a TesterError made by the runner must be a TesterError of the
    // main entry too (instanceof), and the runner must not carry a second zod.
    splitting: true,
    // Core's dependencies are bundled into its chunks: a few files instead of ~260 modules (yaml 146, zod 99, cel-js
    // 15), the largest part of Node's module loading before a run's first action (bench/start.bench.mjs). Plugins
    // use core's `z`, and the CLI core's yaml (`@tester/core/yaml`), so there is still one copy of each. JSONata is
    // left out: it is loaded by the first query compiled. Their types still come from the packages (dependencies).
    noExternal: ['zod', 'yaml', '@marcbachmann/cel-js'],
    // yaml is CommonJS and requires Node's built-ins.
    banner: ({ format }) => (format === 'esm' ? esmRequireBanner : {}),
    // The JSON Schema of scenarios for core's own keys (plugins' sections come from `tester schema`), generated
    // from the built code so it is exactly what `scenarioJsonSchema([])` returns.
    async onSuccess() {
      const { scenarioJsonSchema } = (await import(pathToFileURL(`${process.cwd()}/dist/runner.js`).href)) as typeof Runner;
      await writeFile('dist/scenario.schema.json', `${JSON.stringify(scenarioJsonSchema([]), null, 2)}\n`);
      writeThirdPartyNotices('@tester/core', { zod: './package.json', yaml: './package.json', '@marcbachmann/cel-js': './package.json' });
    },
  }),
);
