import { vitestConfig } from '../../vitest.shared';

// test/*.test.ts run against real processes spawned here and the built CLI (snapshotted first).
export default vitestConfig({
  globalSetup: ['./test/e2e-install.ts'],
  fileParallelism: false,
  testTimeout: 60_000,
});
