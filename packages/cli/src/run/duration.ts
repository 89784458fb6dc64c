import { parseDuration } from '@tester/core';
import { errorMessage } from '@tester/core/runner';
import { CliError } from '../errors';

/** Milliseconds from a duration flag (`90`, `"90s"`, `"500ms"`, `"2m"`): core's duration syntax, as a usage error. */
export function parseDurationMs(input: number | string, what: string): number {
  let ms: number;
  try {
    ms = parseDuration(input);
  } catch (error) {
    throw new CliError('USAGE', `${what}: ${errorMessage(error)}`);
  }
  if (ms <= 0) throw new CliError('USAGE', `${what}: must be more than zero.`);
  return ms;
}
