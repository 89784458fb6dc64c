import { describe, expect, it } from 'vitest';
import { compileCel } from './cel';

describe('compileCel', () => {
  it('reads bare upper-case identifiers as string constants', () => {
    const program = compileCel('mysql.state == CONNECTED');
    expect(program.constants).toEqual(['CONNECTED']);
    expect(program({ mysql: { state: 'CONNECTED' } })).toBe(true);
    expect(program({ mysql: { state: 'DEGRADED' } })).toBe(false);
  });

  it('lets a variable of the same name win over the constant', () => {
    expect(compileCel('X == "y"')({ X: 'y' })).toBe(true);
  });

  it('accepts quoted strings, map access for ids that are not identifiers, and JS numbers against int literals', () => {
    expect(compileCel('systems["mysql-2"].state == "DEGRADED" && count > 1')({ systems: { 'mysql-2': { state: 'DEGRADED' } }, count: 2 })).toBe(true);
    expect(compileCel('payload.attempts == 3 && ratio < 0.5')({ payload: { attempts: 3 }, ratio: 0.25 })).toBe(true);
    expect(compileCel('1 + 2')({})).toBe(3);
  });

  it('reports a syntax error as SCENARIO_INVALID with the column inside the expression', () => {
    expect(() => compileCel('mysql.state == == "x"')).toThrow(
      expect.objectContaining({ code: 'SCENARIO_INVALID', message: 'invalid CEL expression "mysql.state == == \\"x\\"": Unexpected token: EQ (at character 16)', context: { expression: 'mysql.state == == "x"', column: 16 } }),
    );
  });

  it('reports an evaluation error without a stack in the message', () => {
    expect(() => compileCel('missing.state == "x"')({})).toThrow(expect.objectContaining({ code: 'SCENARIO_INVALID', message: 'cannot evaluate "missing.state == \\"x\\"": Unknown variable: missing' }));
  });

  it('type-checks before any value is known, and says the type', () => {
    expect(compileCel('mysql.state == CONNECTED').type).toBe('bool');
    expect(compileCel('mysql.up').type).toBe('dyn');
    expect(compileCel('1 + 2').type).toBe('int');
    expect(() => compileCel('mysql.state == "X" && 1')).toThrow(/type error: Logical operator requires bool operands, got 'int'/);
    expect(() => compileCel('"a" + 1')).toThrow(/type error: no such overload: string \+ int/);
  });

  it('evaluates constant parts now and names the smallest one that fails at every run', () => {
    expect(() => compileCel('1 / 0 == 1')).toThrow(expect.objectContaining({ message: 'invalid CEL expression "1 / 0 == 1": "1 / 0" fails at every run: division by zero (at character 1)', context: { expression: '1 / 0 == 1', column: 1 } }));
    expect(() => compileCel('x.exists(e, e > 1 / 0)')).toThrow(expect.objectContaining({ context: { expression: 'x.exists(e, e > 1 / 0)', column: 17 } }));
    expect(() => compileCel('mysql.up && int("abc") == 1')).toThrow(/"int\(\\"abc\\"\)" fails at every run: int\(\) type error/);
    expect(compileCel('size("abc") == 3 && x')({ x: true })).toBe(true);
  });

  it('accepts only literal, valid, safe patterns in matches()', () => {
    expect(compileCel('name.matches("^mysql-[0-9]+$")')({ name: 'mysql-2' })).toBe(true);
    expect(() => compileCel('name.matches("(")')).toThrow(/matches\("\("\): invalid regular expression/);
    expect(() => compileCel('name.matches("(a+)+$")')).toThrow(/matches\("\(a\+\)\+\$"\): regular expression refused/);
    expect(() => compileCel('name.matches(pattern)')).toThrow(/matches\(\) takes a literal pattern/);
  });

  it('refuses over-long expressions', () => {
    expect(() => compileCel(`x == "${'a'.repeat(5000)}"`)).toThrow(/at most 4096 are accepted/);
  });

  it('compiles an expression once, and refuses an invalid one every time', () => {
    expect(compileCel('mysql.state == CONNECTED && kafka.lag < 10')).toBe(compileCel('mysql.state == CONNECTED && kafka.lag < 10'));
    expect(() => compileCel('1 +')).toThrow(/invalid CEL expression/);
    expect(() => compileCel('1 +')).toThrow(/invalid CEL expression/);
  });
});
