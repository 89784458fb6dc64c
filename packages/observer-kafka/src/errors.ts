/**
 * Errors of this package.
 *
 * Stopgap: `TesterError` is not exported by `@tester/core` yet, so this class carries the same shape
 * (`code`, `retriable`, `cause`, context fields). Once core ships it, this class extends it instead.
 */
export type KafkaErrorCode =
  | 'CONFIG_INVALID'
  | 'OBSERVER_NOT_READY'
  | 'OBSERVER_BLIND'
  | 'ACTION_FAILED'
  | 'ABORTED';

/** An error from the Kafka plugin. Messages give the place, the problem and the fix, never a secret. */
export class KafkaPluginError extends Error {
  override readonly name = 'KafkaPluginError';
  readonly code: KafkaErrorCode;
  readonly retriable: boolean;
  readonly plugin = '@tester/observer-kafka';
  readonly context: Record<string, unknown>;

  constructor(
    code: KafkaErrorCode,
    message: string,
    options: { retriable?: boolean; cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
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
