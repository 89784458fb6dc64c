import { defineConfig } from 'tsup';
import { tsupConfig } from '../../tsup.base';

// The bin is CJS: commander bundled into ESM breaks on `require("events")` (TOOLCHAIN.md), and CJS starts fastest.
export default defineConfig([
  tsupConfig({ shims: true }),
  tsupConfig({ entry: { bin: 'src/bin.ts' }, format: ['cjs'], dts: false, clean: false }),
]);
