import { vitestConfig } from '../../vitest.shared';

// The end-to-end tests run against a real broker: the global setup brings the shared stack up (or reuses it).
// Files run one at a time: private brokers are heavy on a 2-core machine, and timings must stay meaningful.
export default vitestConfig({
  globalSetup: ['../../scripts/stack/vitest-global-setup.mjs'],
  fileParallelism: false,
});
