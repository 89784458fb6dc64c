import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const pkg = (name: string) => `${root}packages/${name}/src/index.ts`;

/** Source aliases so tests run against each package's `src`, the same mapping as tsconfig.base.json's `paths`. */
export const sourceAliases = {
  // Before '@tester/core': an alias matches its key as a prefix too, and the first match wins.
  '@tester/core/testing': `${root}packages/core/src/testing.ts`,
  '@tester/core/runner': `${root}packages/core/src/runner.ts`,
  '@tester/core/http': `${root}packages/core/src/http-guards.ts`,
  '@tester/core/promql': `${root}packages/core/src/promql.ts`,
  '@tester/core/yaml': `${root}packages/core/src/yaml.ts`,
  '@tester/core': pkg('core'),
  '@tester/observer-api': pkg('observer-api'),
  '@tester/observer-kafka': pkg('observer-kafka'),
  '@tester/observer-prometheus': pkg('observer-prometheus'),
  '@tester/assertions': pkg('assertions'),
};

/**
 * The Vitest configuration every package extends. The JSON reporter's file is what `npm test` sums up,
 * because Nx colours and interleaves stdout.
 */
export function vitestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: 'reports/vitest.json' },
      testTimeout: 30_000,
      hookTimeout: 300_000,
      ...overrides,
    },
  });
}
