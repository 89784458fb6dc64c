/**
 * Durations in config and action params. Stopgap: core's `parseDuration`/`durationSchema` are not there yet;
 * this follows the same rule (numbers are seconds; strings take `ms`, `s`, `m`, `h`).
 */
import { z } from '@tester/core';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `2s`, `1.5m`, `1h` or a number of seconds into milliseconds. Throws with the accepted forms. */
export function parseDuration(input: number | string): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`expected a duration >= 0, got ${input}`);
    return input * 1000;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(input);
  if (!match) throw new Error(`expected a duration such as 500ms, 2s, 1.5m or a number of seconds, got "${input}"`);
  return Number(match[1]) * UNITS[match[2] ?? 's']!;
}

/** zod: number (seconds) or duration string -> milliseconds. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
