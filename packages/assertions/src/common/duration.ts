/** Durations as scenarios write them (core's `durationSchema`: numbers are seconds), and how messages show them. */
export { durationSchema, parseDuration } from '@tester/core';

/** `1500` -> `1.5s`, `250` -> `250ms`, for messages. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)}ms`;
  if (abs < 120_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}m`;
}
