import { vitestConfig } from '../../vitest.shared';

// Unit tests only: the plugin runs against the real MariaDB in packages/cli/test/sql-plugin.e2e.test.ts.
export default vitestConfig();
