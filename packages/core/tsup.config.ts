import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';
import type * as Core from './src/index';

export default defineConfig(
  tsupConfig({
    entry: { index: 'src/index.ts', testing: 'src/testing.ts' },
    // The JSON Schema of scenarios for core's own keys (plugins' sections come from `tester schema`), generated
    // from the built code so it is exactly what `scenarioJsonSchema([])` returns.
    async onSuccess() {
      const { scenarioJsonSchema } = (await import(pathToFileURL(`${process.cwd()}/dist/index.js`).href)) as typeof Core;
      await writeFile('dist/scenario.schema.json', `${JSON.stringify(scenarioJsonSchema([]), null, 2)}\n`);
    },
  }),
);
