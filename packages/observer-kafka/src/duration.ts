/**
 * Millisecond options. A number is milliseconds (every such option ends in `Ms`); a string may carry a unit
 * (`500ms`, `10s`, `2m`), so a YAML config can say `maxBlindMs: 10s`.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `250`, `'250'`, `'250ms'`, `'1.5s'`, `'2m'` into milliseconds; `undefined` when it is not one. */
export function parseMs(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(input);
  if (!match) return undefined;
  const value = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
