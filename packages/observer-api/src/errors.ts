/**
 * Errors of `@tester/observer-api`.
 *
 * Stopgap: `@tester/core` does not ship `TesterError` yet. This class has the same shape (`code`,
 * `retriable`, `cause`, context fields) so that switching its base class to core's `TesterError` later is a
 * one-line change and callers that read `code` keep working.
 */

/** Stable codes, the same strings core uses. */
export type ApiErrorCode =
  | 'CONFIG_INVALID'
  | 'ACTION_FAILED'
  | 'ROLLBACK_FAILED'
  | 'OBSERVER_NOT_READY'
  | 'OBSERVER_BLIND'
  | 'TIMEOUT'
  | 'ABORTED';

/** An error raised by the API observer or one of its actions. Messages never contain registered secrets. */
export class ApiPluginError extends Error {
  override readonly name = 'ApiPluginError';
  /** Stable machine-readable code. */
  readonly code: ApiErrorCode;
  /** `true` for I/O failures that may succeed when tried again. */
  readonly retriable: boolean;
  /** Where it happened: the URL, action or config key. */
  readonly context: Record<string, unknown>;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { cause?: unknown; retriable?: boolean; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}
