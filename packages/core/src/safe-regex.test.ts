import { describe, expect, it } from 'vitest';
import { MAX_REGEX_LENGTH, regexProblem } from './safe-regex';

describe('regexProblem', () => {
  it.each(['^mysql-\\d+$', 'ECONN(REFUSED|RESET)', '(GET|POST|PUT)+', '(a|b)*', '.*a.*b', '[a-z]+@[a-z]+\\.com', '(\\d{1,3}\\.){3}\\d{1,3}', '(ab|cd)*', '(?<year>\\d{4})-\\d{2}', 'a{2}(b{3})+', '\\p{L}+'])(
    'accepts %s',
    (pattern) => {
      expect(regexProblem(pattern)).toBeUndefined();
    },
  );

  it.each([
    ['(a+)+$', 'a repetition inside an unbounded repetition'],
    ['(a*)*', 'a repetition inside an unbounded repetition'],
    ['(a{1,3})+', 'a repetition inside an unbounded repetition'],
    ['(x+x+)+y', 'a repetition inside an unbounded repetition'],
    ['(?=(a+)+$)', 'a repetition inside an unbounded repetition'],
    ['([a-z]+\\.){1,20}', 'a repetition inside an unbounded repetition'],
    ['(a|a)*', 'alternatives that can match the same text'],
    ['(a|aa)+$', 'alternatives that can match the same text'],
    ['(\\w|\\d)+', 'alternatives that can match the same text'],
    ['(?:a|b|)+', 'alternatives that can match the same text'],
    ['(a)\\1', 'backreferences'],
    ['(?<x>a)\\k<x>', 'backreferences'],
  ])('refuses %s (%s)', (pattern, why) => {
    expect(regexProblem(pattern)).toContain(why);
  });

  it('reports invalid patterns and over-long ones', () => {
    expect(regexProblem('(')).toBe('invalid regular expression: /(/: Unterminated group');
    expect(regexProblem('a'.repeat(MAX_REGEX_LENGTH + 1))).toBe(`the regular expression has ${MAX_REGEX_LENGTH + 1} characters; at most ${MAX_REGEX_LENGTH} are accepted`);
  });

  it('refuses what really backtracks exponentially, and accepts what stays fast on the same input', () => {
    const input = `${'a'.repeat(28)}!`;
    for (const pattern of ['^(a+)+$', '^(a|aa)+$']) expect(regexProblem(pattern), pattern).toBeDefined();
    const started = performance.now();
    for (const pattern of ['^a+$', '^(a|b)+$', '^(ab)+$']) {
      expect(regexProblem(pattern), pattern).toBeUndefined();
      new RegExp(pattern).test(input);
    }
    expect(performance.now() - started).toBeLessThan(100);
  });
});
