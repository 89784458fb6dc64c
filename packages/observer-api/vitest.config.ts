import { vitestConfig } from '../../vitest.shared';

// test/*.test.ts run against the real stack: the global setup brings the shared stack up (or reuses it).
// Files run one at a time so the timing-sensitive stack tests are not starved on a 2-core machine.
export default vitestConfig({
  globalSetup: ['../../scripts/stack/vitest-global-setup.mjs'],
  fileParallelism: false,
  testTimeout: 90_000,
});
