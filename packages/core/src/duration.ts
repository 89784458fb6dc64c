import { z } from 'zod';
import { ErrorCodes, TesterError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/;

/** Why `input` is not a duration, or `undefined` when it is one. */
function durationProblem(input: unknown): string | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? undefined : `expected a duration of 0 or more, got ${input}`;
  }
  if (typeof input === 'string') {
    return PATTERN.test(input)
      ? undefined
      : `expected a duration such as 30, "500ms", "1.5s", "2m" or "1h", got ${describeValue(input)}`;
  }
  return `expected a duration such as 30, "500ms", "1.5s", "2m" or "1h", got ${describeValue(input)}`;
}

/**
 * Converts a duration to milliseconds. Numbers are seconds (`60` is one minute, as in the seed's
 * `timeout: 120`); strings take a unit: `500ms`, `1.5s`, `2m`, `1h` (a bare numeric string is seconds).
 *
 * @throws TesterError `SCENARIO_INVALID` when the input is not a duration.
 */
export function parseDuration(input: number | string): number {
  const problem = durationProblem(input);
  if (problem) throw new TesterError(ErrorCodes.SCENARIO_INVALID, problem);
  if (typeof input === 'number') return Math.round(input * 1000);
  const match = PATTERN.exec(input)!;
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}

/**
 * Zod schema of a duration: accepts a number of seconds or a string with a unit, outputs milliseconds.
 * In JSON Schema it reads as `number | string`.
 */
export const durationSchema = z
  .union([z.number(), z.string()])
  .superRefine((value, ctx) => {
    const problem = durationProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  })
  .transform((value) => parseDuration(value))
  .meta({ description: 'A duration: a number of seconds, or a string with a unit (500ms, 1.5s, 2m, 1h).' });

/** Short human rendering of a value for "got ..." messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** `1500` -> `1.5s`, `250` -> `250ms`: how messages show a span of milliseconds. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)}ms`;
  if (abs < 120_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}
