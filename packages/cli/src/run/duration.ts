import { CliError } from '../errors';

/** Milliseconds from `90` (seconds), `"90s"`, `"500ms"`, `"2m"`, `"1h"`, `"1.5s"` (the scenario duration syntax). */
export function parseDurationMs(input: number | string, what: string): number {
  if (typeof input === 'number' && Number.isFinite(input) && input > 0) return input * 1000;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(input));
  if (!m) throw new CliError('USAGE', `${what}: expected a duration such as 90, 90s, 500ms or 2m, got "${String(input)}".`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * factor;
  if (ms <= 0) throw new CliError('USAGE', `${what}: must be more than zero.`);
  return ms;
}
