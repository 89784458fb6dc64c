import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';
import type * as Runner from './src/runner';

export default defineConfig(
  tsupConfig({
    entry: { index: 'src/index.ts', runner: 'src/runner.ts', testing: 'src/testing.ts', http: 'src/http-guards.ts', promql: 'src/promql.ts' },
    // One copy of each module across the entries: a TesterError made by the runner must be a TesterError of the
    // main entry too (instanceof), and the runner must not carry a second zod.
    splitting: true,
    // The JSON Schema of scenarios for core's own keys (plugins' sections come from `tester schema`), generated
    // from the built code so it is exactly what `scenarioJsonSchema([])` returns.
    async onSuccess() {
      const { scenarioJsonSchema } = (await import(pathToFileURL(`${process.cwd()}/dist/runner.js`).href)) as typeof Runner;
      await writeFile('dist/scenario.schema.json', `${JSON.stringify(scenarioJsonSchema([]), null, 2)}\n`);
    },
  }),
);
