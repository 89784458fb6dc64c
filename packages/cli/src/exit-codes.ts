/** The CLI's exit codes, as promised by the seed and DESIGN.md. */
export const EXIT = {
  /** Every scenario passed. */
  passed: 0,
  /** At least one scenario failed or errored, or a reporter could not write its output. */
  failed: 1,
  /** The tester could not start: bad flags, invalid config or scenario. */
  cannotStart: 2,
} as const;

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
