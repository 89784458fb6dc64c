#!/usr/bin/env node
// The `tester` command. `tester --version` answers here, having loaded nothing but its package.json; every other
// command loads the CLI (dist/cli.js, an ES module whose commands are separate chunks, each imported only when
// it runs), so that a plugin and the CLI share one @tester/core. Measured: bench/start.bench.mjs.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { main as Main } from './main';
import { cliVersion } from './version';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${cliVersion()}\n`);
} else {
  // A computed specifier: the bundler leaves it to Node, which loads the ES module build.
  const cli = pathToFileURL(join(__dirname, 'cli.js')).href;
  void (import(cli) as Promise<{ main: typeof Main }>)
    .then(({ main }) => main(process.argv))
    .then((code) => {
      process.exitCode = code;
    });
}
