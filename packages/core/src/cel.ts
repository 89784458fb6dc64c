/**
 * CEL expressions (preconditions, and assertions' `where:` filters) on top of `@marcbachmann/cel-js`.
 *
 * One extension to standard CEL: a bare identifier written in upper case (`CONNECTED`, `CONNECTION_LOSS`)
 * that is not a variable reads as the string of the same name, so the seed's `mysql.state == CONNECTED`
 * means `mysql.state == "CONNECTED"`.
 */
import { Environment } from '@marcbachmann/cel-js';
import { quoteCapped } from './duration';
import { ErrorCodes, TesterError, errorMessage } from './errors';
import { regexProblem } from './safe-regex';

/** A compiled CEL expression: evaluate it against variables. Throws a {@link TesterError} when evaluation fails. */
export type CelProgram = ((vars: Record<string, unknown>) => unknown) & {
  /** The expression's source text. */
  readonly expression: string;
  /** Upper-case identifiers the expression reads as string constants when no variable of that name is given. */
  readonly constants: readonly string[];
  /**
   * The expression's type as the checker infers it before any value is known: `bool`, `int`, `string`, ...,
   * or `dyn` when it depends on observed values (`mysql.up`).
   */
  readonly type: string;
};

/** The longest CEL expression accepted, in characters. */
export const MAX_CEL_LENGTH = 4096;

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

interface AstNode {
  op: string;
  args: unknown;
  start?: number;
  end?: number;
}

const isNode = (value: unknown): value is AstNode => !!value && typeof value === 'object' && typeof (value as AstNode).op === 'string';

/** The child nodes of a cel-js AST node, wherever its `args` holds them. */
function children(node: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const visit = (value: unknown) => {
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  if (node.op !== 'value' && node.op !== 'id') visit(node.args);
  return out;
}

/** `true` when the subtree reads no identifier: its value is known now, before anything is observed. */
function isConstant(node: AstNode, memo: Map<AstNode, boolean>): boolean {
  let known = memo.get(node);
  if (known === undefined) {
    known = node.op !== 'id' && children(node).every((child) => isConstant(child, memo));
    memo.set(node, known);
  }
  return known;
}

function invalid(expression: string, text: string, column: number | undefined, cause?: unknown): TesterError {
  return new TesterError(
    ErrorCodes.SCENARIO_INVALID,
    `invalid CEL expression ${quoteCapped(expression)}: ${text}${column ? ` (at character ${column})` : ''}`,
    { cause, context: { expression, ...(column ? { column } : {}) } },
  );
}

/** The pattern node of a `matches()` call (`s.matches(re)` or `matches(s, re)`), if `node` is one. */
function matchesPattern(node: AstNode): AstNode | undefined {
  const args = node.args as unknown[];
  if (node.op === 'rcall' && args[0] === 'matches') return (args[2] as AstNode[] | undefined)?.[0];
  if (node.op === 'call' && args[0] === 'matches') return (args[1] as AstNode[] | undefined)?.[1];
  return undefined;
}

/** Evaluates the constant subtree `node` on its own; the error it fails with, or `undefined`. */
function failureOf(expression: string, node: AstNode): unknown {
  if (node.start === undefined || node.end === undefined) return undefined;
  let evaluate: (vars: Record<string, unknown>) => unknown;
  try {
    evaluate = environment.parse(expression.slice(node.start, node.end)) as unknown as (vars: Record<string, unknown>) => unknown;
  } catch {
    return undefined; // a slice that is not an expression on its own: nothing to learn from it
  }
  try {
    evaluate({});
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * What can be known wrong before any value is observed: a `matches()` pattern that is not a literal, invalid, or
 * risks exponential backtracking; a constant part that fails at every run (`1 / 0`, `int("abc")`).
 */
function checkStatically(expression: string, root: AstNode): void {
  const patterns = (node: AstNode): void => {
    const pattern = matchesPattern(node);
    if (pattern) {
      const column = (pattern.start ?? 0) + 1;
      if (pattern.op !== 'value' || typeof pattern.args !== 'string') {
        throw invalid(expression, 'matches() takes a literal pattern ("^mysql-[0-9]+$"), so that it can be checked before the run', column);
      }
      const problem = regexProblem(pattern.args);
      if (problem) throw invalid(expression, `matches(${quoteCapped(pattern.args, 40)}): ${problem}`, column);
    }
    for (const child of children(node)) patterns(child);
  };
  patterns(root);

  const memo = new Map<AstNode, boolean>();
  // The outermost constant parts are evaluated once each; only one that fails is searched for its smallest part
  // that fails, which is the one to name.
  const constants = (node: AstNode): void => {
    if (node.op === 'value') return;
    if (!isConstant(node, memo)) {
      for (const child of children(node)) constants(child);
      return;
    }
    let failing = node;
    let error = failureOf(expression, node);
    if (error === undefined) return;
    for (let deeper = true; deeper; ) {
      deeper = false;
      for (const child of children(failing)) {
        const inner = child.op === 'value' ? undefined : failureOf(expression, child);
        if (inner !== undefined) {
          failing = child;
          error = inner;
          deeper = true;
          break;
        }
      }
    }
    const { text } = splitCelMessage(errorMessage(error));
    const part = expression.slice(failing.start, failing.end);
    throw invalid(expression, `${quoteCapped(part, 40)} fails at every run: ${text}`, (failing.start ?? 0) + 1, error);
  };
  constants(root);
}

/**
 * Compiles a CEL expression once: parses it, type-checks it (`… && 1`, `"a" + 1`), and checks what is known
 * before any value is observed (see {@link checkStatically}). Bare upper-case identifiers become string
 * constants unless the variables passed at evaluation define them.
 *
 * @throws TesterError `SCENARIO_INVALID` with `context.column` (1-based, within the expression) when the
 *   expression does not parse, does not type-check, has a constant part that always fails, or a `matches()`
 *   pattern that is not a safe literal regular expression.
 */
export function compileCel(expression: string): CelProgram {
  let program = compiled.get(expression);
  if (program) return program;
  program = compile(expression);
  // A thousand scenarios mostly repeat a few preconditions: compile each once (parsing, type-checking and the
  // static checks are most of the cost). Programs hold no state between evaluations, so sharing one is safe.
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(expression, program);
  return program;
}

/** How many compiled programs {@link compileCel} keeps, oldest dropped first. */
const MAX_COMPILED = 1024;
const compiled = new Map<string, CelProgram>();

function compile(expression: string): CelProgram {
  if (expression.length > MAX_CEL_LENGTH) {
    throw invalid(expression, `${expression.length} characters; at most ${MAX_CEL_LENGTH} are accepted (split it into several preconditions)`, undefined);
  }
  const constants = new Set<string>();
  let parsed: ReturnType<typeof environment.parse>;
  try {
    parsed = environment.parse(expression);
  } catch (error) {
    const { text, column } = splitCelMessage(errorMessage(error));
    throw invalid(expression, text, column, error);
  }
  collectIdentifiers(parsed.ast, constants);
  const evaluate = parsed as unknown as (vars: Record<string, unknown>) => unknown;
  const checked = parsed.check();
  if (!checked.valid) {
    const error = checked.error as (Error & { range?: { start: number } }) | undefined;
    const { text } = splitCelMessage(errorMessage(error));
    throw invalid(expression, `type error: ${text}`, error?.range ? error.range.start + 1 : undefined, error);
  }
  const type = checked.type ?? 'dyn';
  checkStatically(expression, parsed.ast as unknown as AstNode);
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
      throw new TesterError(ErrorCodes.SCENARIO_INVALID, `cannot evaluate ${quoteCapped(expression)}: ${text}`, {
        cause: error,
        context: { expression },
      });
    }
  };
  return Object.assign(program, { expression, constants: [...constants], type });
}
