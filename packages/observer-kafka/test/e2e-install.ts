/**
 * Vitest globalSetup (see vitest.config.ts): the CLI and this plugin installed for the tests that run the real CLI.
 * The packages are built by `nx run-many -t build` (CI) or the test target's dependencies; this package's own dist
 * must not be older than its sources (else the CLI tests fail with E2E_STALE, the others run).
 */
import { e2eInstall } from '../../../scripts/test-support/e2e-install.mjs';

export const install = e2eInstall('observer-kafka', { fresh: true });
export default install.setup;
/** Where the e2e tests find the install. */
export const E2E_INSTALL = install.dir;
/** Why the install cannot be trusted, if it cannot. */
export const E2E_STALE = install.stale;
