import { fileURLToPath } from 'node:url';
import { sourceAliases, vitestConfig } from '../../vitest.shared';

// Type tests (`*.test-d.ts`) check the public types of definePlugin/defineConfig: they are part of the API.
const config = vitestConfig({
  typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
});
// `@tester/core/runner` before `@tester/core` (an alias matches its key as a prefix): the README's example imports it.
config.resolve = { ...config.resolve, alias: { '@tester/core/runner': fileURLToPath(new URL('./src/runner.ts', import.meta.url)), ...sourceAliases } };

export default config;
