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
});
