/**
 * JSONata queries, the one way observers map a system's own JSON (REST bodies, Kafka values, keys and headers)
 * onto tester's observation kinds. JSONata rather than JMESPath: a mapping must turn a map keyed by name
 * (`GET /connectors?expand=status`) into a list of states that keep the key, and build strings from parts
 * (`$k & "/task-" & id`); JMESPath's object projections drop the keys and it cannot concatenate.
 *
 * Queries come from config files, so a wrong one must be reported where it is written, with the column, at
 * load time, and a query that loops or recurses without end must not hang an observer.
 */
import { createRequire } from 'node:module';
import type jsonataType from 'jsonata';
import { TesterError } from './errors';

/**
 * JSONata, loaded when the first query is compiled: most configs have none, and it is ~55 ms of every start
 * otherwise. Synchronous (queries compile while a config is read), so through a `require` made from this file:
 * `__filename` in the CommonJS build, `import.meta.url` in the ES module build. (Not the bare `require`: the ES module
 * build has a stand-in for it that throws.)
 */
let jsonataModule: typeof jsonataType | undefined;
function jsonata(source: string): jsonataType.Expression {
  jsonataModule ??= createRequire(typeof __filename === 'string' ? __filename : import.meta.url)('jsonata') as typeof jsonataType;
  return jsonataModule(source);
}

/** A compiled query. */
export interface JsonQuery {
  /** The expression as written. */
  readonly source: string;
  /**
   * Evaluates against `input`. Resolves `undefined` when nothing matches (JSONata's "no result"); rejects with
   * a {@link JsonQueryError} naming the query when the expression fails on this input or exceeds its bounds.
   */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

/** Bounds of one evaluation. */
export interface JsonQueryLimits {
  /** Wall time of one evaluation. @default 250 */
  timeoutMs?: number;
  /** Nesting depth of the evaluator (deep recursion in a user function). @default 200 */
  maxDepth?: number;
}

/** A query that does not compile, or failed on an input. `where` names the config field. */
export class JsonQueryError extends TesterError {
  constructor(message: string, context: { where: string; position?: number; token?: string }) {
    super('CONFIG_INVALID', message, { context });
    this.name = 'JsonQueryError';
  }
}

interface JsonataFailure {
  message?: string;
  code?: string;
  position?: number;
  token?: string;
}

/** The binding that carries one evaluation's budget; a name no mapping would choose. */
const BUDGET = '__testerQueryBudget';
interface Budget {
  started: number;
  depth: number;
}
interface Env {
  lookup(name: string): unknown;
}

const describe = (error: unknown): JsonataFailure =>
  typeof error === 'object' && error !== null ? (error as JsonataFailure) : { message: String(error) };

/** `where: ... at column 12 (near "foo")`: JSONata's positions are 1-based character offsets into the query. */
function located(where: string, source: string, failure: JsonataFailure, what: string): string {
  const near = failure.token !== undefined ? ` near ${JSON.stringify(String(failure.token))}` : '';
  const at = typeof failure.position === 'number' ? ` at column ${failure.position}${near}` : near;
  const code = failure.code ? ` [${failure.code}]` : '';
  return `${where}: ${what}${at}: ${failure.message ?? 'unknown error'}${code}\n  query: ${source}`;
}

/**
 * Compiles a JSONata expression. `where` names its place for messages (`api.resources[0].states`). Throws a
 * {@link JsonQueryError} (code `CONFIG_INVALID`) with the column of the syntax error.
 */
export function compileJsonQuery(source: string, where: string, limits: JsonQueryLimits = {}): JsonQuery {
  let expression: jsonataType.Expression;
  try {
    expression = jsonata(source);
  } catch (error) {
    const failure = describe(error);
    throw new JsonQueryError(`${located(where, source, failure, 'the JSONata query does not compile')}\nFix the query; see https://docs.jsonata.org.`, {
      where,
      position: failure.position,
      token: failure.token,
    });
  }
  const timeoutMs = limits.timeoutMs ?? 250;
  const maxDepth = limits.maxDepth ?? 200;
  // JSONata has no built-in bound; its evaluator calls these hooks around every step (the approach of its own
  // exerciser), so a runaway query fails instead of hanging a poll or the consumer. The hooks are found by
  // symbol on the expression's environment (bindings cannot carry symbols); each evaluation's own budget
  // rides in its bindings, so concurrent evaluations do not share it.
  expression.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, (_e: unknown, _i: unknown, env: Env) => {
    const budget = env.lookup(BUDGET) as Budget | undefined;
    if (!budget) return;
    budget.depth += 1;
    if (budget.depth > maxDepth) throw { message: `deeper than ${maxDepth} levels (unbounded recursion?)`, code: 'TESTER_DEPTH' };
    if (Date.now() - budget.started > timeoutMs) throw { message: `took longer than ${timeoutMs} ms (an endless loop?)`, code: 'TESTER_TIME' };
  });
  expression.assign(Symbol.for('jsonata.__evaluate_exit') as unknown as string, (_e: unknown, _i: unknown, env: Env) => {
    const budget = env.lookup(BUDGET) as Budget | undefined;
    if (budget) budget.depth -= 1;
  });
  return {
    source,
    async evaluate(input, bindings) {
      const budget: Budget = { started: Date.now(), depth: 0 };
      try {
        return await expression.evaluate(input, { ...bindings, [BUDGET]: budget });
      } catch (error) {
        const failure = describe(error);
        throw new JsonQueryError(located(where, source, failure, 'the JSONata query failed'), {
          where,
          position: failure.position,
          token: failure.token,
        });
      }
    },
  };
}
