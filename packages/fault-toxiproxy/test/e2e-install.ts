/** Vitest globalSetup (see vitest.config.ts): the CLI and this package installed for the end-to-end tests. */
import { e2eInstall } from '../../../scripts/test-support/e2e-install.mjs';

export const install = e2eInstall('fault-toxiproxy');
export default install.setup;
