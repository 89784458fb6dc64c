import type { Options } from 'tsup';

/**
 * The one tsup configuration every package extends: ESM + CJS + .d.ts, Node 20, no bundled dependencies.
 * Each package passes its entry points; everything in dependencies/peerDependencies stays external.
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
