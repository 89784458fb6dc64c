/** Errors of `@tester/fault-toxiproxy`: core's {@link TesterError} with this package's name. */
import { TesterError } from '@tester/core';

/** The codes this package raises (core's stable strings). */
export type ToxiproxyErrorCode = 'CONFIG_INVALID' | 'ACTION_FAILED' | 'ROLLBACK_FAILED' | 'TIMEOUT';

/** An error raised by a Toxiproxy action: the place (URL, proxy, toxic), the problem and the fix. */
export class ToxiproxyError extends TesterError {
  override name = 'ToxiproxyError';

  constructor(code: ToxiproxyErrorCode, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
