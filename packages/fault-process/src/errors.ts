/** Errors of `@tester/fault-process`: core's {@link TesterError} with this package's name. */
import { TesterError } from '@tester/core';

/** The codes this package raises (core's stable strings). */
export type ProcessFaultErrorCode = 'CONFIG_INVALID' | 'ACTION_FAILED' | 'ROLLBACK_FAILED' | 'TIMEOUT';

/** An error raised by a process action: the place (pid, pid file, command), the problem and the fix. */
export class ProcessFaultError extends TesterError {
  override name = 'ProcessFaultError';

  constructor(code: ProcessFaultErrorCode, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
