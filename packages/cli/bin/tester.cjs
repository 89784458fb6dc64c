#!/usr/bin/env node
// The `tester` command: a committed file that loads the built CLI from dist/. npm links a package's bin only if
// its target exists at install time, and in a fresh clone dist/ is built after `npm ci` (Vitest and Playwright
// ship their bins the same way). CommonJS, because it starts faster than an ES module entry.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file: require is how it imports */
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'bin.cjs');
if (existsSync(built)) {
  require(built);
} else {
  process.stderr.write(
    `tester: the CLI is not built (${built} is missing).\n` +
      'Run `npm run build` at the root of the repository (or `npx nx run @tester/cli:build`), then run tester again.\n',
  );
  process.exitCode = 2;
}
