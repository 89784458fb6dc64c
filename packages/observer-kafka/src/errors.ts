import { TesterError, type ErrorCode, type TesterErrorOptions } from '@tester/core';

/** The codes this package raises (all from core's {@link ErrorCode} set). */
export type KafkaErrorCode = Extract<ErrorCode, 'CONFIG_INVALID' | 'OBSERVER_NOT_READY' | 'OBSERVER_BLIND' | 'ACTION_FAILED' | 'ABORTED'>;

/** An error from the Kafka plugin. Messages give the place, the problem and the fix, never a secret. */
export class KafkaPluginError extends TesterError {
  override name = 'KafkaPluginError';
  readonly plugin = '@tester/observer-kafka';

  constructor(code: KafkaErrorCode, message: string, options: TesterErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A short description of any thrown value, for messages: `KafkaJSConnectionError: Connection error: ...`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}
