/**
 * Stopgap for parts of core's public API that core has written but not exported yet (`compileCel`).
 * It looks the function up on core's module at call time, so this package works as soon as core exports it,
 * and says clearly what is missing until then. Replace with a plain `import { compileCel } from '@tester/core'`.
 */
import * as core from '@tester/core';

/** A compiled CEL expression (core's `CelProgram`). */
export type CelProgram = (vars: Record<string, unknown>) => unknown;

/** Core's `compileCel`: throws a `SCENARIO_INVALID` error with the position when the expression does not parse. */
export function compileCel(expression: string): CelProgram {
  const fn = (core as unknown as { compileCel?: (e: string) => CelProgram }).compileCel;
  if (typeof fn !== 'function') throw new Error('CEL in where: needs compileCel from @tester/core, which this version of @tester/core does not export');
  return fn(expression);
}
