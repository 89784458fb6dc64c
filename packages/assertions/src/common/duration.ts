/**
 * Durations as scenarios write them: a number is seconds, a string carries its unit (`500ms`, `10s`, `2m`, `1.5h`).
 *
 * Stopgap: core's public API promises `parseDuration`/`durationSchema`; until core exports them this package keeps
 * this small, compatible copy (same inputs, same output in milliseconds). Swap to core's once it ships.
 */
import { z } from '@tester/core';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;

/** Parses a duration into milliseconds, or returns `undefined` when it is not one. */
export function tryParseDuration(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  const m = DURATION.exec(input);
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** zod: a number of seconds or a string with a unit, to milliseconds. */
export const durationSchema = z
  .union([z.number(), z.string()], { error: 'expected a duration: a number of seconds or a string such as "500ms", "10s", "2m"' })
  .transform((value, ctx) => {
    const ms = tryParseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration: a number of seconds or a string such as "500ms", "10s", "2m", got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** `1500` -> `1.5s`, `250` -> `250ms`, for messages. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)}ms`;
  if (abs < 120_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}
