import { vitestConfig } from '../../vitest.shared';

// The e2e tests spawn the built bin (build-setup builds what is stale) against the real local stack.
export default vitestConfig({ globalSetup: ['./test/build-setup.ts', '../../scripts/stack/vitest-global-setup.mjs'] });
