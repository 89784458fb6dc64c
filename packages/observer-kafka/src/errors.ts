/** A short description of any thrown value, for messages: `KafkaJSConnectionError: Connection error: ...`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}
