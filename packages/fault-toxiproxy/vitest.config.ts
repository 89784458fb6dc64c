import { vitestConfig } from '../../vitest.shared';

// test/*.test.ts run against real things: private Toxiproxy servers (scripts/stack startToxiproxy), the shared
// stack's MariaDB (the global setup brings the stack up or reuses it) and the built CLI (snapshotted first).
export default vitestConfig({
  globalSetup: ['./test/e2e-install.ts', '../../scripts/stack/vitest-global-setup.mjs'],
  fileParallelism: false,
  testTimeout: 60_000,
});
