import { z } from 'zod';
import { ErrorCodes, TesterError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/;

/**
 * The longest duration any scenario or config field accepts: 24 hours. A test that waits longer than a day is a
 * typo (`timeout: 1e308` would otherwise become `Infinity`, and a timer of that length fires at once).
 */
export const MAX_DURATION_MS = 24 * 3_600_000;

const EXAMPLES = 'a duration such as 30, "500ms", "1.5s", "2m" or "1h"';

/** Why `input` is not a duration (of at least `minMs`), or `undefined` when it is one. */
export function durationProblem(input: unknown, minMs = 0): string | undefined {
  let ms: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return `expected a duration of ${minMs > 0 ? 'more than 0' : '0 or more'}, got ${input}`;
    ms = Math.round(input * 1000);
  } else if (typeof input === 'string') {
    const match = PATTERN.exec(input);
    if (!match) return `expected ${EXAMPLES}, got ${describeValue(input)}`;
    ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
  } else {
    return `expected ${EXAMPLES}, got ${describeValue(input)}`;
  }
  if (!(ms <= MAX_DURATION_MS)) return `expected a duration of at most 24h, got ${describeValue(input)}: write a shorter one (numbers are seconds)`;
  if (ms < minMs) {
    return minMs === 1 ? `expected a duration of more than 0, got ${describeValue(input)}` : `expected a duration of at least ${formatMs(minMs)}, got ${describeValue(input)}`;
  }
  return undefined;
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
 * A zod schema of a duration of at least `minMs` milliseconds (and at most {@link MAX_DURATION_MS}): accepts a
 * number of seconds or a string with a unit, outputs milliseconds. In JSON Schema it reads as `number | string`.
 *
 * @example durationAtLeast(10) // a poll interval: 0 would busy-poll
 */
export function durationAtLeast(minMs: number) {
  return z
    .union([z.number(), z.string()])
    .superRefine((value, ctx) => {
      const problem = durationProblem(value, minMs);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
    })
    .transform((value) => parseDuration(value))
    .meta({ description: `A duration: a number of seconds, or a string with a unit (500ms, 1.5s, 2m, 1h); ${minMs > 0 ? `at least ${formatMs(minMs)}, ` : ''}at most 24h.` });
}

/**
 * Zod schema of a duration from 0 to 24h: accepts a number of seconds or a string with a unit, outputs
 * milliseconds. In JSON Schema it reads as `number | string`.
 */
export const durationSchema = durationAtLeast(0);

/** Zod schema of a duration of more than 0 (at least 1 ms) and at most 24h: timeouts and fault durations. */
export const positiveDurationSchema = durationAtLeast(1);

/** How many characters of a string value messages echo; the rest is counted, not printed. */
export const ECHO_LIMIT = 80;

/**
 * `text` as a JSON string, cut to `limit` characters (`"aaaa…" (65536 characters)`), so that a message never echoes a
 * whole bad value: a 64 MB description must not become a 64 MB error.
 */
export function quoteCapped(text: string, limit = ECHO_LIMIT): string {
  if (text.length <= limit) return escapeLineBreaks(JSON.stringify(text));
  return `${escapeLineBreaks(JSON.stringify(`${text.slice(0, limit)}…`))} (${text.length} characters)`;
}

/**
 * Escapes the line breaks JSON.stringify leaves as they are (U+2028, U+2029, U+0085): a problem is one line, and
 * terminals and CI logs break lines at them.
 */
export function escapeLineBreaks(text: string): string {
  return text.replace(/[\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Short human rendering of a value for "got ..." messages; long strings are cut (see {@link quoteCapped}). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${quoteCapped(value)}`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
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
