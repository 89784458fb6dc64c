/**
 * Retargeting: the same scenario aimed at another system of the control plane, so that many copies (a scenario
 * and its mutants) can run at once, each on a system of its own, without seeing each other's faults.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from '@tester/core/yaml';
import { setNode, SourceEdits } from './source-edits';

/** What {@link retarget} renames. */
export interface RetargetOptions {
  /** System id -> new system id, e.g. `{ mysql: 'mysql-7' }`. */
  systems: Readonly<Record<string, string>>;
  /** A new scenario `name` (names must be unique within a run's report). */
  name?: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A plain value naming a system or one of its resources: `mysql` -> `mysql-7`, `mysql.max_connections` ->
 * `mysql-7.max_connections` (the reference control plane keys a resource's events by its prefix system).
 */
function renameValue(value: string, systems: Readonly<Record<string, string>>): string {
  for (const [from, to] of Object.entries(systems)) {
    if (value === from) return to;
    if (value.startsWith(`${from}.`) && !/\s/.test(value)) return `${to}${value.slice(from.length)}`;
  }
  return value;
}

/** Quoted names inside an expression (CEL `where`, PromQL `query`): `"mysql"`, `"mysql.max_connections"`. */
function renameQuoted(text: string, systems: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [from, to] of Object.entries(systems)) out = out.replace(new RegExp(`(["'])${escape(from)}(?=\\1|\\.)`, 'g'), `$1${to}`);
  return out;
}

/**
 * A precondition: `mysql.state == CONNECTED` -> `systems["mysql-7"].state == "CONNECTED"` (`mysql-7` is not an
 * identifier, so it is read from `systems[...]`; bare upper-case state names are quoted), and
 * `systems["mysql"]` -> `systems["mysql-7"]`.
 */
export function retargetExpression(expression: string, systems: Readonly<Record<string, string>>): string {
  // Split into string literals (odd indexes) and code (even indexes).
  const parts = expression.split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) {
        const quote = part[0] as string;
        const inner = part.slice(1, -1);
        return `${quote}${renameValue(inner, systems)}${quote}`;
      }
      let code = part;
      for (const [from, to] of Object.entries(systems)) {
        if (!IDENTIFIER.test(from)) continue;
        code = code.replace(new RegExp(`(?<![\\w.\\]"'-])${escape(from)}\\.(?=[A-Za-z_])`, 'g'), `systems[${JSON.stringify(to)}].`);
      }
      // Bare upper-case identifiers are string constants (core's CEL extension): quote them, as one writes them
      // beside a systems["..."] lookup.
      return code.replace(/(?<![\w."'])\b([A-Z][A-Z0-9_]*)\b(?![\w"'(])/g, '"$1"');
    })
    .join('');
}

function walk(node: unknown, systems: Readonly<Record<string, string>>, edits: SourceEdits): void {
  if (isMap(node)) {
    for (const pair of node.items) if (isPair(pair)) walk(pair.value, systems, edits);
  } else if (isSeq(node)) {
    for (const item of node.items) walk(item, systems, edits);
  } else if (isScalar(node) && typeof node.value === 'string') {
    const renamed = renameValue(node.value, systems);
    const next = renamed !== node.value ? renamed : renameQuoted(node.value, systems);
    if (next !== node.value) setNode(edits, node, next);
  }
}

/**
 * The scenario with every reference to the given systems renamed, its comments and layout kept (only the
 * renamed values are rewritten, in place): `systems:`, each action's `system:` and `resource:`, and in
 * `expectations` every value naming a system or one of its resources (`system:`, metric labels, `where` values,
 * quoted names in CEL `where` and PromQL `query`); preconditions become `systems["<new id>"]` lookups.
 */
export function retarget(scenarioYamlText: string, options: RetargetOptions): string {
  const doc = parseDocument(scenarioYamlText);
  if (doc.errors.length) throw new Error(`retarget: the scenario is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  const { systems } = options;
  const edits = new SourceEdits(scenarioYamlText);
  const name = doc.get('name', true) as Node | undefined;
  if (options.name !== undefined && isScalar(name)) setNode(edits, name, options.name);
  for (const key of ['systems', 'actions', 'expectations']) walk(doc.get(key, true), systems, edits);
  const preconditions = doc.get('preconditions', true) as Node | undefined;
  if (isSeq(preconditions))
    for (const item of preconditions.items) {
      if (!isScalar(item) || typeof item.value !== 'string') continue;
      const next = retargetExpression(item.value, systems);
      if (next !== item.value) setNode(edits, item, next);
    }
  return edits.apply();
}
