/** Errors of `@tester/observer-api`: core's {@link TesterError} with this package's name. */
import { TesterError } from '@tester/core';

/** The codes this package raises (core's stable strings). */
export type ApiErrorCode =
  | 'CONFIG_INVALID'
  | 'ACTION_FAILED'
  | 'ROLLBACK_FAILED'
  | 'OBSERVER_NOT_READY'
  | 'OBSERVER_BLIND'
  | 'TIMEOUT'
  | 'ABORTED';

/** An error raised by the API observer or one of its actions. Messages never contain registered secrets. */
export class ApiPluginError extends TesterError {
  override name = 'ApiPluginError';

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
  }
}
