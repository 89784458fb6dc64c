import { vitestConfig } from '../../vitest.shared';

// The unit tests, and the observer against the real MariaDB (the shared stack) through a private Toxiproxy; the
// CLI path is in packages/cli/test/sql-plugin.e2e.test.ts.
export default vitestConfig({
  globalSetup: ['../../scripts/stack/vitest-global-setup.mjs'],
  testTimeout: 60_000,
});
