import { vitestConfig } from '../../vitest.shared';

// The end-to-end tests run against a real broker: the global setup brings the shared stack up (or reuses it), and
// snapshots the built packages for the tests that run the real CLI (test/e2e-install.ts).
// Files run one at a time: private brokers are heavy on a 2-core machine, and timings must stay meaningful.
export default vitestConfig({
  globalSetup: ['./test/e2e-install.ts', '../../scripts/stack/vitest-global-setup.mjs'],
  fileParallelism: false,
});
