import { TesterError } from '@tester/core';

// What `main` needs to classify any error lives in exit-codes.ts, which loads nothing: `tester --help` must not
// pay for core (this file extends its TesterError). Re-exported here so that errors are imported from one place.
export { CANNOT_START_CODES, isCannotStart, messageOf } from './exit-codes';

/** The codes the CLI raises itself. */
export type CliErrorCode = 'CONFIG_INVALID' | 'PLUGIN_NOT_FOUND' | 'PLUGIN_API_MISMATCH' | 'PLUGIN_ERROR' | 'USAGE' | 'REPORT_INVALID' | 'LEDGER_CORRUPT';

/**
 * The CLI's one error type, a core {@link TesterError}. Everything the user can fix (bad flags, config, plugin not
 * installed) is a `CliError`: `main` prints its message (no stack trace) and exits 2.
 */
export class CliError extends TesterError {
  override name = 'CliError';

  constructor(code: CliErrorCode | (string & {}), message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}
