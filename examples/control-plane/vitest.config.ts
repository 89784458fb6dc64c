import { vitestConfig } from '../../vitest.shared';

/** End-to-end tests against real services: the global setup brings the shared stack up (or reuses it). */
export default vitestConfig({
  globalSetup: ['../../scripts/stack/vitest-global-setup.mjs'],
  testTimeout: 90_000,
  // Tests start private control planes and brokers; two cores do not take more than this in parallel.
  maxWorkers: 2,
  fileParallelism: true,
});
