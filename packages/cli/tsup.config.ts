import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

export default defineConfig([
  // ES modules, split into chunks: `cli.js` (what the bin runs) loads commander and the command table only; each
  // command is a chunk of its own, imported when it runs. ESM, so that the CLI and every plugin (the built-ins are
  // imported as ES modules too) share one @tester/core, loaded once.
  tsupConfig({ entry: { index: 'src/index.ts', cli: 'src/main.ts' }, format: ['esm'], splitting: true, shims: true, dts: { entry: { index: 'src/index.ts' } } }),
  // The library for require(); one file.
  tsupConfig({ format: ['cjs'], shims: true, clean: false }),
  // The bin is CommonJS, the fastest to start: `tester --version` is answered in it without loading the CLI.
  tsupConfig({ entry: { bin: 'src/bin.ts' }, format: ['cjs'], dts: false, clean: false }),
]);
