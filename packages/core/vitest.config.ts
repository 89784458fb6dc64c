import { vitestConfig } from '../../vitest.shared';

// Type tests (`*.test-d.ts`) check the public types of definePlugin/defineConfig: they are part of the API.
export default vitestConfig({
  typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
});
