/**
 * CEL expressions (preconditions, and assertions' `where:` filters) on top of `@marcbachmann/cel-js`.
 *
 * One extension to standard CEL: a bare identifier written in upper case (`CONNECTED`, `CONNECTION_LOSS`)
 * that is not a variable reads as the string of the same name, so the seed's `mysql.state == CONNECTED`
 * means `mysql.state == "CONNECTED"`.
 */
import { Environment } from '@marcbachmann/cel-js';
import { ErrorCodes, TesterError, errorMessage } from './errors';

/** A compiled CEL expression: evaluate it against variables. Throws a {@link TesterError} when evaluation fails. */
export type CelProgram = ((vars: Record<string, unknown>) => unknown) & {
  /** The expression's source text. */
  readonly expression: string;
  /** Upper-case identifiers the expression reads as string constants when no variable of that name is given. */
  readonly constants: readonly string[];
};

const UPPER = /^[A-Z][A-Z0-9_]*$/;

// Dyn variables: the observed state has no declared types, and plain JS numbers must compare with int literals.
const environment = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });

/** Collects the names of identifier nodes in a cel-js AST (`{ op: 'id', args: name }`). */
function collectIdentifiers(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectIdentifiers(child, into);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const { op, args } = node as { op?: unknown; args?: unknown };
  if (op === 'id' && typeof args === 'string') into.add(args);
  else collectIdentifiers(args, into);
}

/** First line of a cel-js message, plus the column its caret points at (1-based), if any. */
function splitCelMessage(message: string): { text: string; column?: number } {
  const lines = message.split('\n');
  const text = lines[0]!.trim();
  const caretLine = lines.find((line) => /^\s*\^/.test(line));
  const sourceLine = lines.find((line) => /^>?\s*\d+\s*\|/.test(line));
  if (caretLine && sourceLine) {
    const prefix = sourceLine.indexOf('|') + 2;
    const column = caretLine.indexOf('^') - prefix + 1;
    if (column >= 1) return { text, column };
  }
  return { text };
}

/**
 * Compiles a CEL expression once. Bare upper-case identifiers become string constants unless the variables
 * passed at evaluation define them.
 *
 * @throws TesterError `SCENARIO_INVALID` with `context.column` (1-based, within the expression) when the
 *   expression does not parse.
 */
export function compileCel(expression: string): CelProgram {
  let evaluate: (vars: Record<string, unknown>) => unknown;
  const constants = new Set<string>();
  try {
    const parsed = environment.parse(expression);
    collectIdentifiers(parsed.ast, constants);
    evaluate = parsed as unknown as (vars: Record<string, unknown>) => unknown;
  } catch (error) {
    const { text, column } = splitCelMessage(errorMessage(error));
    throw new TesterError(
      ErrorCodes.SCENARIO_INVALID,
      `invalid CEL expression ${JSON.stringify(expression)}: ${text}${column ? ` (at character ${column})` : ''}`,
      { cause: error, context: { expression, ...(column ? { column } : {}) } },
    );
  }
  for (const name of [...constants]) if (!UPPER.test(name)) constants.delete(name);
  const program = (vars: Record<string, unknown>): unknown => {
    const scope: Record<string, unknown> = {};
    for (const name of constants) scope[name] = name;
    Object.assign(scope, vars);
    try {
      const value = evaluate(scope);
      return typeof value === 'bigint' ? Number(value) : value;
    } catch (error) {
      const { text } = splitCelMessage(errorMessage(error));
      throw new TesterError(ErrorCodes.SCENARIO_INVALID, `cannot evaluate ${JSON.stringify(expression)}: ${text}`, {
        cause: error,
        context: { expression },
      });
    }
  };
  return Object.assign(program, { expression, constants: [...constants] });
}
