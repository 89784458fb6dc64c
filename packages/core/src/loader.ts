/**
 * The scenario loader: YAML with positions -> variable substitution -> validation by core's schema and the
 * plugins' schemas -> a {@link Scenario}, or every problem at once. Bad input never throws.
 */
import type { Document, LineCounter } from 'yaml';
import type { ZodType } from 'zod';
import { compileCel } from './cel';
import type { TesterPlugin } from './contract';
import { errorMessage, isTesterError } from './errors';
import { callSync } from './hooks';
import { INPUT_LIMITS, deepNestingOffset, documentProblems, dropProtoKeys, readTextFile } from './input-guard';
import { type PathProblem, issuesToProblems } from './issues';
import { PositionFinder, type Positions } from './positions';
import { type PluginRegistry, registryFor } from './registry';
import { DEFAULT_TIMEOUT_MS, coreScenarioSchema } from './scenario-schema';
import { type LoadResult, type Problem, type Scenario, type ScenarioAction, type ScenarioExpectation, formatPath } from './scenario-types';
import { describeValue, escapeLineBreaks, quoteCapped } from './duration';
import { regexProblem } from './safe-regex';
import { suggestion } from './suggest';
import { coerceTyped, substitute } from './variables';
import { readSimpleYaml } from './simple-yaml';
import { parseYaml } from './yaml-parse';

/** Options of {@link parseScenario} and {@link loadScenario}. */
export interface LoadOptions {
  /** The plugins whose action types and expectation sections the scenario may use. */
  plugins: readonly TesterPlugin[];
  /** Variables that override the scenario's own `variables` (the CLI's `--var name=value`). */
  variables?: Record<string, string>;
  /** The environment for `${env:NAME}`. @default process.env */
  env?: Record<string, string | undefined>;
}

const coreSchema = coreScenarioSchema();

type Raw = Record<string, unknown>;

/**
 * Parses and validates a scenario from its source text. Never throws for bad input: YAML syntax errors, schema
 * violations, unknown action types or sections, undefined variables and CEL syntax errors are all returned as
 * problems, at most {@link INPUT_LIMITS.maxProblems} of them (then one that counts the rest). Input beyond
 * {@link INPUT_LIMITS} (size, depth, values, aliases) is refused as a problem too. Throws only for a broken plugin
 * set (`PLUGIN_API_MISMATCH`, `CONFIG_INVALID`).
 */
export function parseScenario(source: string, options: LoadOptions & { file: string }): LoadResult {
  const registry = registryFor(options.plugins);
  const { file } = options;
  const fail = (message: string, line = 1, column = 1): LoadResult => ({ ok: false, problems: [{ file, line, column, path: '', message: capMessage(message) }] });
  if (source.length > INPUT_LIMITS.maxBytes) {
    return fail(`the scenario has ${source.length} characters; at most ${INPUT_LIMITS.maxBytes} (${INPUT_LIMITS.maxBytes / 1024} KiB) are accepted: split it into several scenarios`);
  }
  const tooDeep = `the YAML nests too deeply to be read; at most ${INPUT_LIMITS.maxDepth} levels are accepted`;
  const deep = deepNestingOffset(source);
  if (deep !== undefined) {
    let line = 1;
    let start = 0;
    for (let i = source.indexOf('\n'); i !== -1 && i < deep; i = source.indexOf('\n', i + 1)) {
      line++;
      start = i + 1;
    }
    return fail(tooDeep, line, deep - start + 1);
  }
  // Most scenarios are plain YAML, read fast; one that is not, or that has any problem at all, is read again by
  // `yaml`, whose document gives every problem its place and wording.
  const simple = readSimpleYaml(source, INPUT_LIMITS);
  if (simple) {
    const result = validate(simple.value, simple.positions, registry, options, []);
    if (result.ok) return result;
  }
  let document: Document;
  let lineCounter: LineCounter;
  try {
    ({ document, lineCounter } = parseYaml(source));
  } catch (error) {
    // The YAML parser recurses per nesting level: a document nested thousands of levels deep overflows it.
    return fail(error instanceof RangeError ? tooDeep : `cannot read the YAML: ${errorMessage(error)}`);
  }
  const problems: Problem[] = [];

  // Report the first syntax error only: the parser's later ones are mostly its own confusion following from it.
  const [syntax] = document.errors;
  if (syntax) {
    const pos = lineCounter.linePos(syntax.pos[0]);
    const line = source.split(/\r?\n/, pos.line)[pos.line - 1] ?? '';
    const hint = /[{[][^}\]]*\$\{/.test(line) ? ' (a ${...} reference inside { } or [ ] must be quoted: "${name}")' : '';
    const more = document.errors.length > 1 ? ` (${document.errors.length - 1} more syntax error(s) may follow from it)` : '';
    const text = /call stack/i.test(syntax.message) ? tooDeep : `YAML syntax error: ${syntax.message.split('\n')[0]}${hint}${more}`;
    return fail(text, pos.line, pos.col);
  }

  const structure = documentProblems(document);
  for (const p of structure) {
    const { line, col } = lineCounter.linePos(p.offset);
    problems.push({ file, line, column: col, path: shownPath(p.path), message: capMessage(p.message) });
  }
  if (structure.some((p) => p.fatal)) return { ok: false, problems: capProblems(problems) };

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: INPUT_LIMITS.maxAliases });
  } catch (error) {
    return fail(`cannot read the YAML: ${errorMessage(error)}`);
  }
  dropProtoKeys(raw); // reported above
  if (raw === null || raw === undefined) return fail('the scenario is empty: expected a mapping with at least name and actions');
  if (typeof raw !== 'object' || Array.isArray(raw)) return fail(`expected a mapping (name:, actions:, expectations:, ...), got ${describeValue(raw)}`);
  return validate(raw as Raw, new PositionFinder(document, lineCounter), registry, options, problems);
}

/**
 * Validates a scenario's values (read from its YAML) into a {@link Scenario}, or every problem, placed by
 * `positions`, after those already in `problems`.
 */
function validate(raw: Raw, positions: Positions, registry: PluginRegistry, options: LoadOptions & { file: string }, problems: Problem[]): LoadResult {
  const { file } = options;
  const add = (p: PathProblem) => {
    const { line, column } = positions.find(p.path, { key: p.atKey });
    problems.push({ file, line, column: column + (p.columnOffset ?? 0), path: shownPath(p.path), message: capMessage(p.message) });
  };
  const pathProblems: PathProblem[] = [];
  const env = options.env ?? process.env;
  const variables = resolveVariables(raw, options.variables ?? {}, env, pathProblems);
  const { variables: _ignored, ...rest } = raw;
  const whole: PropertyKey[][] = [];
  const substituted = substitute(rest, [], { variables, env, allowVariables: true, whole }, pathProblems) as Raw;
  if ('variables' in raw) substituted.variables = raw.variables;

  const parsed = coreSchema.safeParse(substituted, { reportInput: true });
  if (!parsed.success) for (const p of issuesToProblems(parsed.error.issues, coreSchema, substituted)) pathProblems.push(p);

  checkRegexFields(substituted.actions, ['actions'], pathProblems);
  checkRegexFields(substituted.expectations, ['expectations'], pathProblems);
  const actions = validateActions(substituted.actions, registry, pathProblems, whole);
  const expectations = validateExpectations(substituted.expectations, registry, pathProblems, whole);
  const preconditions = validatePreconditions(substituted.preconditions, positions, pathProblems);
  const declaredSystems = Array.isArray(substituted.systems) ? undefined : inferSystems(actions, registry, pathProblems);
  // An action that did not validate may be the one that injects the fault: say nothing about fault needs then.
  if (actions.length === (Array.isArray(substituted.actions) ? substituted.actions.length : 0)) checkFaultNeeds(actions, expectations, registry, pathProblems);

  for (const p of pathProblems) add(p);
  // Checked last, so that a misspelt `actions:` is reported as the misspelling rather than as this.
  if (problems.length === 0 && parsed.success && actions.length === 0 && expectations.length === 0) {
    const at = ['actions', 'expectations'].find((key) => key in substituted);
    add({
      path: at ? [at] : [],
      message: 'the scenario has no actions and no expectations, so it checks nothing: add actions (the fault to inject) and expectations (what the system must do)',
    });
  }
  if (problems.length || !parsed.success) return { ok: false, problems: capProblems(problems) };

  const data = parsed.data;
  const scenario: Scenario = {
    file,
    name: data.name,
    ...(data.description === undefined ? {} : { description: data.description }),
    timeoutMs: data.timeout ?? DEFAULT_TIMEOUT_MS,
    tags: data.tags ?? [],
    systems: data.systems ?? declaredSystems ?? [],
    variables,
    preconditions,
    actions: actions.map((a) => ({ ...a, ...positions.find(['actions', a.index]) })).map(({ index: _i, ...a }) => a),
    expectations: expectations.map((e) => ({ ...e, ...positions.find(['expectations', e.section, e.index]) })),
    window: { afterMs: data.window?.after ?? 0, ...(data.window?.settle === undefined ? {} : { settleMs: data.window.settle }) },
    ...(data.preconditions_timeout === undefined ? {} : { preconditionsTimeoutMs: data.preconditions_timeout }),
  };
  return { ok: true, scenario };
}

/**
 * Reads and parses a scenario file. An unreadable file is returned as a problem, like any bad input; so is
 * anything but a regular file (a FIFO, a device) and a file over {@link INPUT_LIMITS.maxBytes} bytes, which are
 * refused without blocking on them or reading them whole.
 */
export async function loadScenario(file: string, options: LoadOptions): Promise<LoadResult> {
  const read = await readTextFile(file, INPUT_LIMITS.maxBytes);
  if (!read.ok) {
    const why = read.message === 'is a directory, expected a file' ? 'is a directory, expected a .yaml file' : read.message;
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '', message: capMessage(`cannot read the scenario: ${why}`) }] };
  }
  return parseScenario(read.text, { ...options, file });
}

/** {@link formatPath} with long keys cut: a 10 kB complex key must not make a 10 kB path. */
function shownPath(path: readonly PropertyKey[]): string {
  return escapeLineBreaks(formatPath(path.map((segment) => (typeof segment === 'string' && segment.length > 60 ? `${segment.slice(0, 60)}…` : segment))));
}

/** Cuts a message to {@link INPUT_LIMITS.maxMessage} characters: no message may echo a whole bad value. */
function capMessage(message: string): string {
  const line = escapeLineBreaks(message);
  return line.length <= INPUT_LIMITS.maxMessage ? line : `${line.slice(0, INPUT_LIMITS.maxMessage)}… (message cut)`;
}

/** Drops duplicates, sorts problems by position and keeps the first {@link INPUT_LIMITS.maxProblems}, plus one that counts the rest. */
function capProblems(all: Problem[]): Problem[] {
  // Two checks may find the same thing (a plugin's schema and the loader's own regex check): say it once.
  const seen = new Set<string>();
  const problems = all.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  if (problems.length <= INPUT_LIMITS.maxProblems) return problems;
  const shown = problems.slice(0, INPUT_LIMITS.maxProblems);
  const next = problems[INPUT_LIMITS.maxProblems]!;
  shown.push({
    file: next.file,
    line: next.line,
    column: next.column,
    path: '',
    message: `${problems.length - INPUT_LIMITS.maxProblems} more problem(s) in this file, from here on, are not listed: fix the ones above and validate again`,
  });
  return shown;
}

/**
 * Any field named `regex` in actions and expectations holds a regular expression (`expect.body.regex` of HTTP,
 * `where: { field: { regex } }` of events): refuse invalid ones and ones that risk exponential backtracking, in
 * whichever plugin owns the field.
 */
function checkRegexFields(value: unknown, path: PropertyKey[], problems: PathProblem[], depth = 0): void {
  if (!value || typeof value !== 'object' || depth > INPUT_LIMITS.maxDepth) return;
  // One path array, grown and shrunk on the way, copied only for a problem.
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    path.push(key);
    if (key === 'regex' && typeof item === 'string') {
      const problem = regexProblem(item);
      if (problem) problems.push({ path: [...path], message: problem });
    } else checkRegexFields(item, path, problems, depth + 1);
    path.pop();
  }
}

function resolveVariables(raw: Raw, overrides: Record<string, string>, env: Record<string, string | undefined>, problems: PathProblem[]): Record<string, string> {
  const block = raw.variables;
  const out: Record<string, string> = {};
  if (block && typeof block === 'object' && !Array.isArray(block)) {
    const substituted = substitute(block, ['variables'], { variables: {}, env, allowVariables: false }, problems) as Raw;
    for (const [name, value] of Object.entries(substituted)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
    }
  }
  return { ...out, ...overrides };
}

type IndexedAction = Omit<ScenarioAction, 'line' | 'column'> & { index: number };
type IndexedExpectation = Omit<ScenarioExpectation, 'line' | 'column'> & { index: number };

function validateActions(value: unknown, registry: PluginRegistry, problems: PathProblem[], whole: PropertyKey[][]): IndexedAction[] {
  if (!Array.isArray(value)) return [];
  const out: IndexedAction[] = [];
  const ids = new Map<string, number>();
  const types = [...registry.actions.keys()];
  value.forEach((item: unknown, index) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return; // core's schema reports it
    const { type, id, harmless, after_fault: afterFault, ...params } = item as Raw;
    if (typeof type !== 'string') return;
    const provided = registry.actions.get(type);
    if (!provided) {
      problems.push({
        path: ['actions', index, 'type'],
        message: `unknown action type ${quoteCapped(type)}${suggestion(type, types)} (known types: ${types.length ? types.join(', ') : 'none: no plugin provides actions'})`,
      });
      return;
    }
    const actionId = typeof id === 'string' && id ? id : `actions[${index}]`;
    const previous = ids.get(actionId);
    if (previous !== undefined) problems.push({ path: ['actions', index, 'id'], message: `duplicate action id ${quoteCapped(actionId)} (also used by actions[${previous}]): ids must be unique` });
    ids.set(actionId, index);
    coerceTyped(params, ['actions', index], provided.definition.schema, whole);
    const parsed = safeParseByPlugin(provided.plugin.name, `actions.${type}.schema`, provided.definition.schema, params, ['actions', index], problems);
    if (!parsed) return;
    if (!parsed.success) {
      problems.push(...issuesToProblems(parsed.error.issues, provided.definition.schema, params, ['actions', index]));
      return;
    }
    if (harmless === true && !provided.definition.injectsFaults) {
      problems.push({ path: ['actions', index, 'harmless'], message: `harmless applies to actions that inject a fault, and ${type} injects none: remove it` });
      return;
    }
    if (typeof afterFault === 'string') {
      const earlier = out.filter((a) => registry.actions.get(a.type)?.definition.injectsFaults).map((a) => a.id);
      if (!earlier.includes(afterFault)) {
        problems.push({
          path: ['actions', index, 'after_fault'],
          message: `after_fault names ${quoteCapped(afterFault)}, which is not an earlier action that injects a fault (${earlier.length ? `earlier fault actions: ${earlier.join(', ')}` : 'no earlier action injects one'})${suggestion(afterFault, earlier) || '; give the id of one'}`,
        });
        return;
      }
    }
    out.push({ id: actionId, type, plugin: provided.plugin.name, params: parsed.data, ...(harmless === true ? { harmless: true } : {}), ...(typeof afterFault === 'string' ? { afterFault } : {}), index });
  });
  return out;
}

function validateExpectations(value: unknown, registry: PluginRegistry, problems: PathProblem[], whole: PropertyKey[][]): IndexedExpectation[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: IndexedExpectation[] = [];
  const sections = [...registry.assertions.keys()];
  for (const [section, items] of Object.entries(value as Raw)) {
    const provided = registry.assertions.get(section);
    if (!provided) {
      problems.push({
        path: ['expectations', section],
        atKey: true,
        message: `unknown expectation section ${quoteCapped(section)}${suggestion(section, sections)} (known sections: ${sections.length ? sections.join(', ') : 'none: no plugin provides assertions'})`,
      });
      continue;
    }
    if (items === null || items === undefined) continue;
    const list = Array.isArray(items) ? items : typeof items === 'object' ? [items] : undefined;
    if (!list) {
      problems.push({ path: ['expectations', section], message: `expected a list of ${section} items (or one mapping), got ${describeValue(items)}` });
      continue;
    }
    list.forEach((item: unknown, index) => {
      // A single mapping is a list of one: its paths have no index.
      coerceTyped(item, Array.isArray(items) ? ['expectations', section, index] : ['expectations', section], provided.definition.schema, whole);
      const parsed = safeParseByPlugin(provided.plugin.name, `assertions.${section}.schema`, provided.definition.schema, item, ['expectations', section, index], problems);
      if (!parsed) return;
      if (!parsed.success) {
        problems.push(...issuesToProblems(parsed.error.issues, provided.definition.schema, item, ['expectations', section, index]));
        return;
      }
      out.push({ id: `${section}[${index}]`, section, plugin: provided.plugin.name, item: parsed.data, index });
    });
  }
  return out;
}

function validatePreconditions(value: unknown, positions: Positions, problems: PathProblem[]): Scenario['preconditions'] {
  if (!Array.isArray(value)) return [];
  const out: Scenario['preconditions'] = [];
  value.forEach((expression: unknown, index) => {
    if (typeof expression !== 'string' || !expression) return;
    const pos = positions.find(['preconditions', index]);
    try {
      const { type } = compileCel(expression);
      if (type !== 'bool' && type !== 'dyn') {
        problems.push({ path: ['preconditions', index], message: `a precondition must be true or false, and this one is always of type ${type}: compare it (mysql.state == "CONNECTED")` });
      }
    } catch (error) {
      const column = isTesterError(error) && typeof error.context.column === 'number' ? error.context.column : undefined;
      const offset = column === undefined ? 0 : column - 1 + (positions.isQuoted(['preconditions', index]) ? 1 : 0);
      problems.push({ path: ['preconditions', index], message: isTesterError(error) ? error.message : errorMessage(error), columnOffset: offset });
    }
    out.push({ expression, ...pos });
  });
  return out;
}

/** Refuses expectations that need a fault in a scenario whose actions inject none: they could never be decided. */
function checkFaultNeeds(actions: IndexedAction[], expectations: IndexedExpectation[], registry: PluginRegistry, problems: PathProblem[]): void {
  if (actions.some((a) => registry.actions.get(a.type)?.definition.injectsFaults)) return;
  const injecting = [...registry.actions].filter(([, a]) => a.definition.injectsFaults).map(([type]) => type);
  for (const e of expectations) {
    const provided = registry.assertions.get(e.section);
    const needs = provided?.definition.needsFault;
    if (!provided || !needs) continue;
    let why: string | undefined;
    try {
      why = callSync(provided.plugin.name, `assertions.${e.section}.needsFault`, () => needs(e.item));
    } catch (error) {
      problems.push({ path: ['expectations', e.section, e.index], message: `${errorMessage(error)} (a bug in the plugin: report it to its authors)` });
      continue;
    }
    if (why)
      problems.push({
        path: ['expectations', e.section, e.index],
        message: `${why}, and no action of this scenario injects one${injecting.length ? ` (add a ${injecting.join(' or ')} action, or remove this item)` : ''}`,
      });
  }
}

function inferSystems(actions: IndexedAction[], registry: PluginRegistry, problems: PathProblem[]): string[] {
  const systems = new Set<string>();
  for (const action of actions) {
    const provided = registry.actions.get(action.type);
    const fn = provided?.definition.systems;
    if (!provided || !fn) continue;
    try {
      const listed = callSync(provided.plugin.name, `actions.${action.type}.systems`, () => fn(action.params));
      for (const system of Array.isArray(listed) ? listed : []) if (typeof system === 'string') systems.add(system);
    } catch (error) {
      problems.push({ path: ['actions', action.index], message: `${errorMessage(error)}: declare systems: in the scenario, or fix the plugin` });
    }
  }
  return [...systems].sort();
}

/** Parses with a plugin's schema; a schema whose refinement throws is reported as a problem, attributed. */
function safeParseByPlugin(plugin: string, hook: string, schema: ZodType, value: unknown, path: PropertyKey[], problems: PathProblem[]) {
  try {
    return callSync(plugin, hook, () => schema.safeParse(value, { reportInput: true }));
  } catch (error) {
    problems.push({ path, message: `${errorMessage(error)} (a bug in the plugin: report it to its authors)` });
    return undefined;
  }
}
