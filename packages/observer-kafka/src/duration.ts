/**
 * Duration options. Bare numbers are seconds, as everywhere in tester (`readyTimeout: 15` is 15 s; `'500ms'`, `'2m'`
 * take a unit). The options of earlier versions ended in `Ms` and took milliseconds (`readyTimeoutMs: 15000`): they
 * are still accepted, with their old meaning, so that existing configs keep working. Each pair is resolved to one
 * value in milliseconds, and the name the user wrote is remembered so that messages name it.
 */
import { durationAtLeast, formatMs, z } from '@tester/core';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest duration accepted: 24 hours (`1e308` would become a timer that fires at once). */
const MAX_MS = 24 * 3_600_000;

/** Intervals and timeouts start at 10 ms: 0 would busy-poll the broker or time out at once. */
const MIN_MS = 10;

/** Parses a deprecated `*Ms` value: `250`, `'250'`, `'250ms'`, `'1.5s'`, `'2m'` into milliseconds; `undefined` when it is not one. */
export function parseMs(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(input);
  if (!match) return undefined;
  const value = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

/** A deprecated millisecond option (`readyTimeoutMs`): a number of ms, or a string with a unit, from 10 ms to 24h. */
export const legacyMs = (what: string) =>
  z.union([z.number(), z.string()]).transform((input, ctx) => {
    const value = parseMs(input);
    if (value === undefined || value < MIN_MS || value > MAX_MS) {
      const shown = typeof input === 'string' && input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}…` : JSON.stringify(input);
      ctx.addIssue({
        code: 'custom',
        message:
          value === undefined
            ? `${what}: expected milliseconds (a number) or a duration such as "500ms", "10s", "2m", got ${shown}`
            : `${what}: expected from ${MIN_MS}ms to 24h, got ${shown}`,
      });
      return z.NEVER;
    }
    return value;
  });

/** A duration option: a number of seconds, or a string with a unit, from 10 ms to 24h; output in milliseconds. */
export const duration = () => durationAtLeast(MIN_MS);

/** The duration options of the `kafka` block, by their current name, with their defaults in milliseconds. */
export const DURATION_DEFAULTS = {
  connectionTimeout: 3000,
  authenticationTimeout: 10_000,
  requestTimeout: 30_000,
  maxWaitTime: 500,
  maxBlind: 10_000,
  readyTimeout: 10_000,
  stopTimeout: 2000,
} as const;

/** The duration options of `retry`, with their defaults in milliseconds. */
export const RETRY_DURATION_DEFAULTS = { initialRetryTime: 100, maxRetryTime: 2000 } as const;

export type DurationName = keyof typeof DURATION_DEFAULTS | `retry.${keyof typeof RETRY_DURATION_DEFAULTS}`;

/**
 * How one duration option reads in messages, as the user wrote it: `maxBlind=3s`, or `maxBlindMs=3000` in a config
 * that still uses the deprecated name.
 */
export function showOption(name: DurationName, ms: number, legacy: ReadonlySet<string>): string {
  return legacy.has(name) ? `${name}Ms=${ms}` : `${name}=${formatMs(ms)}`;
}

/** The name of a duration option as the user wrote it (`readyTimeoutMs` in a config that uses the deprecated name). */
export function optionName(name: DurationName, legacy: ReadonlySet<string>): string {
  return legacy.has(name) ? `${name}Ms` : name;
}
