import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS, describeValue, durationAtLeast, durationSchema, parseDuration, positiveDurationSchema, quoteCapped } from './duration';

describe('parseDuration', () => {
  it.each([
    [60, 60_000],
    [0.5, 500],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['30', 30_000],
    [' 5 s ', 5_000],
  ] as const)('%j -> %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['soon', 'expected a duration such as 30, "500ms", "1.5s", "2m" or "1h", got string "soon"'],
    ['5 minutes', 'expected a duration such as 30, "500ms", "1.5s", "2m" or "1h", got string "5 minutes"'],
    [-1, 'expected a duration of 0 or more, got -1'],
    [Number.NaN, 'expected a duration of 0 or more, got NaN'],
  ] as const)('%j is refused with SCENARIO_INVALID', (input, message) => {
    expect(() => parseDuration(input)).toThrow(expect.objectContaining({ code: 'SCENARIO_INVALID', message }));
  });

  it('durationSchema outputs milliseconds and explains bad input', () => {
    expect(durationSchema.parse('2m')).toBe(120_000);
    const result = durationSchema.safeParse('2x');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('expected a duration such as 30, "500ms", "1.5s", "2m" or "1h", got string "2x"');
  });

  it('bounds durations: at most 24h everywhere, more than 0 where zero cannot be right', () => {
    expect(parseDuration('24h')).toBe(MAX_DURATION_MS);
    expect(() => parseDuration(1e308)).toThrow('expected a duration of at most 24h, got number 1e+308: write a shorter one (numbers are seconds)');
    expect(() => parseDuration('25h')).toThrow(/at most 24h/);
    expect(positiveDurationSchema.safeParse(0).error?.issues[0]?.message).toBe('expected a duration of more than 0, got number 0');
    expect(positiveDurationSchema.parse('1ms')).toBe(1);
    expect(durationAtLeast(10).safeParse('5ms').error?.issues[0]?.message).toBe('expected a duration of at least 10ms, got string "5ms"');
    expect(durationSchema.parse(0)).toBe(0);
  });

  it('describes values in one bounded line: long strings cut with their length, line separators escaped', () => {
    expect(describeValue('x'.repeat(100))).toBe(`string "${'x'.repeat(80)}…" (100 characters)`);
    expect(quoteCapped('a\u2028b')).toBe('"a\\u2028b"');
  });
});
