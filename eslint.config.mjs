// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * DESIGN.md's dependency direction, enforced in `lint`:
 *   cli -> {observer-*, assertions} -> core; core knows no transport; observers never import each other.
 * A third-party plugin (examples/plugin-*) depends on @tester/core only.
 */
const transports = ['undici', 'kafkajs', 'mysql2', 'prom-client', 'node:http', 'node:https', 'node:net', 'http', 'https', 'net'];
const testerPackages = ['core', 'observer-api', 'observer-kafka', 'observer-prometheus', 'assertions', 'cli', 'fault-toxiproxy', 'fault-process'];

/** @param {string[]} forbidden package names under @tester/ */
const forbidTester = (forbidden, why) =>
  forbidden.map((name) => ({ group: [`@tester/${name}`, `@tester/${name}/*`], message: why }));

/** @param {string} files @param {any[]} patterns @param {string[]} [paths] */
const boundary = (files, patterns, paths = []) => ({
  files: [files],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: paths.map((name) => ({ name, message: 'Core knows no transport (DESIGN.md): do I/O in an observer package.' })),
        patterns,
      },
    ],
  },
});

const crossPackage = (self) =>
  testerPackages
    .filter((p) => p !== self)
    .map((p) => ({ group: [`../../${p}/*`, `../../../${p}/*`], message: 'Import other packages by their @tester/ name, never by relative path.' }));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/reports/**', '**/coverage/**', '**/*.d.ts', '**/tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  boundary(
    'packages/core/**/*.{ts,mts,js,mjs}',
    [...forbidTester(testerPackages.filter((p) => p !== 'core'), 'core depends on no other @tester package.'), ...crossPackage('core')],
    transports,
  ),
  ...['observer-api', 'observer-kafka', 'observer-prometheus'].map((self) =>
    boundary(`packages/${self}/**/*.{ts,mts,js,mjs}`, [
      ...forbidTester(
        testerPackages.filter((p) => p !== 'core' && p !== self),
        'An observer depends on @tester/core only: observers know nothing of each other, of assertions or of the CLI.',
      ),
      ...crossPackage(self),
    ]),
  ),
  // A fault plugin is a plugin like any third-party one: @tester/core only (its e2e tests run the CLI as a process).
  ...['fault-toxiproxy', 'fault-process'].map((self) =>
    boundary(`packages/${self}/**/*.{ts,mts,js,mjs}`, [
      ...forbidTester(testerPackages.filter((p) => p !== 'core' && p !== self), 'A fault plugin depends on @tester/core only.'),
      ...crossPackage(self),
    ]),
  ),
  boundary('packages/assertions/**/*.{ts,mts,js,mjs}', [
    ...forbidTester(['observer-api', 'observer-kafka', 'observer-prometheus', 'cli'], 'assertions depend on @tester/core only.'),
    ...crossPackage('assertions'),
  ]),
  boundary('packages/cli/**/*.{ts,mts,js,mjs}', crossPackage('cli')),
  boundary('examples/plugin-*/**/*.{ts,mts,js,mjs}', [
    ...forbidTester(testerPackages.filter((p) => p !== 'core'), 'A third-party plugin depends on @tester/core only.'),
  ]),
);
