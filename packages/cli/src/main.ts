import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes';

/** The package version, read at run time so the bin and the package never disagree. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the `tester` program. Commands register themselves lazily so `tester --version` loads nothing heavy. */
export function createProgram(): Command {
  const program = new Command('tester')
    .description('Black-box, scenario-driven resilience tester for DevOps control planes.')
    .version(cliVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run `tester --help` for usage)')
    .exitOverride();
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the exit code:
 * 0 all passed, 1 a scenario failed or errored, 2 the tester could not start.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT.passed;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0.
      return error.exitCode === 0 ? EXIT.passed : EXIT.cannotStart;
    }
    throw error;
  }
}
