/** Errors of `@tester/observer-prometheus`: core's {@link TesterError} with this package's name. */
import { TesterError } from '@tester/core';

export type PrometheusErrorCode = 'CONFIG_INVALID' | 'OBSERVER_NOT_READY' | 'OBSERVER_BLIND' | 'ABORTED';

/** An error raised by the Prometheus observer. Messages never contain registered secrets. */
export class PrometheusPluginError extends TesterError {
  override name = 'PrometheusPluginError';

  constructor(
    code: PrometheusErrorCode,
    message: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
  }
}
