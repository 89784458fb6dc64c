/**
 * The CLI's one error type. Everything the user can fix (bad flags, config, plugin not installed) is a
 * `CliError`: `main` prints its message (no stack trace) and exits 2.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** Stable code: `CONFIG_INVALID`, `PLUGIN_NOT_FOUND`, `PLUGIN_API_MISMATCH`, `PLUGIN_ERROR`, `USAGE`, `REPORT_INVALID`, `LEDGER_CORRUPT`. */
  readonly code: string;
  readonly retriable = false;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Codes of errors (from the CLI or from core) that mean "the tester could not start": exit 2, no stack. */
export const CANNOT_START_CODES = new Set([
  'USAGE',
  'CONFIG_INVALID',
  'SCENARIO_INVALID',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_API_MISMATCH',
  'PLUGIN_ERROR',
  'REPORT_INVALID',
  'LEDGER_CORRUPT',
]);

/** `true` for an error that carries a code from {@link CANNOT_START_CODES}. */
export function isCannotStart(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CANNOT_START_CODES.has(code);
}

/** The message of anything thrown, for a one-line report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
