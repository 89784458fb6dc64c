/**
 * Mutation operators over a scenario's `expectations` (the "Verdict truth" issue: prove the verdicts with mutants).
 *
 * A *mutant* is the scenario with exactly one expectation key changed so that a healthy system contradicts it:
 * run against the healthy reference control plane, the mutant must end `failed`, with the mutated expectation
 * `failed` and every other expectation `passed`. A mutant that passes is a *survivor*: the verdict of that key
 * does not depend on what the system did.
 *
 * The operators work on the YAML document (the `yaml` package's Document API): they find the node to change
 * and rewrite only its source text at the node's position, so comments, key order, flow or block style,
 * quoting and line numbers survive, and a mutant reads like the scenario it came from. Every operator is pure.
 * Multi-key items give one mutant per key, each with the item's other keys unchanged, so the mutated item fails
 * on the mutated key alone.
 */
import { isMap, isPair, isScalar, isSeq, type Node, parseDocument, type Pair, type YAMLMap, type YAMLSeq } from '@tester/core/yaml';
import { append, deletePair, renameKey as renameKeyAt, reorder, setNode, SourceEdits } from './source-edits';

/** One mutant of a scenario. */
export interface Mutant {
  /** Unique within the scenario's mutants: `<scenario name>/<expectation>/<operator>`. */
  id: string;
  /** The mutated expectation, as results name it: `events[2]` (section and index in that section). */
  expectation: string;
  /** The operator applied, e.g. `count+1`, `final_state->DEGRADED`. */
  operator: string;
  /** What changed, for people: `events[0]: count 1 -> 2`. */
  description: string;
  /** The whole scenario with the mutation applied. */
  yaml: string;
}

/** The states of the reference control plane's systems, transitional ones included. */
export const STATES = ['CONNECTED', 'DEGRADED', 'DISCONNECTED', 'RECOVERING'] as const;

/** The shortest duration the schema accepts as a bound: no reaction of a real system is that fast. */
export const INSTANT = '1ms';

/**
 * The keys of an item that a policy with `should_fire: false` may not have (the schema rejects the combination):
 * `should_fire: true -> false` drops them so the mutant is still a valid scenario.
 */
const CONTRADICT_NOT_FIRING = ['outcome', 'min_times', 'within', 'max_attempts', 'after'];

/** Metrics comparators and their negation (`between` has none in a single comparator). */
const INVERSE: Record<string, string> = { '>=': '<', '<': '>=', '<=': '>', '>': '<=', '==': '!=', '!=': '==' };
const OPS = ['<=', '>=', '==', '!=', '<', '>'];

/** An event that a healthy control plane publishes after its policies fire (the recovery they bring about). */
const LATER_EVENT = 'CONNECTION_RESTORED';
/** A state a healthy system enters only after `auto-recover` fired (the policy puts it there). */
const LATER_STATE = 'RECOVERING';

/** A candidate mutation of one item: `edit` records the text changes to the item's node. */
interface Edit {
  operator: string;
  description: string;
  edit(item: YAMLMap, edits: SourceEdits): void;
}

/** An operator: given the item's key and its plain value (and the whole item), the edits it proposes. */
type Operator = (value: unknown, item: Record<string, unknown>, at: string) => Edit[];

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The pair of `key` in `item`. */
function pairOf(item: YAMLMap, key: string): Pair {
  const pair = item.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  if (!pair) throw new Error(`mutation: no key ${key} in the item`);
  return pair as Pair;
}

/** Sets the value of `key` in `parent`, in place (a scalar keeps its quoting). */
function setScalar(edits: SourceEdits, parent: YAMLMap, key: string, value: unknown): void {
  setNode(edits, pairOf(parent, key).value as Node, value);
}

/** Renames a key in place, and sets its value too when given. */
function renameKey(edits: SourceEdits, parent: YAMLMap, from: string, to: string, value?: unknown): void {
  const pair = pairOf(parent, from);
  renameKeyAt(edits, pair)(to);
  if (value !== undefined) setNode(edits, pair.value as Node, value);
}

function mapAt(item: YAMLMap, key: string): YAMLMap {
  const node = pairOf(item, key).value;
  if (!isMap(node)) throw new Error(`mutation: ${key} is not a mapping`);
  return node;
}

function seqAt(item: YAMLMap, key: string): YAMLSeq {
  const node = pairOf(item, key).value;
  if (!isSeq(node)) throw new Error(`mutation: ${key} is not a list`);
  return node;
}

// ---- shared operators ------------------------------------------------------------------------------------

/**
 * `within` -> 1 ms: the deadline (`within: 3s`, or `max` of `{ after, max }`) becomes 1 ms after the anchor. Nothing
 * a real system does (detect, publish, fire, change state) follows a fault's start or end within 1 ms.
 */
const withinInstant: Operator = (value, _item, at) => {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const max = (value as Record<string, unknown>).max;
    if (max === undefined || max === INSTANT) return [];
    return [{ operator: `within.max->${INSTANT}`, description: `${at}: within.max ${show(max)} -> ${INSTANT}`, edit: (item, edits) => setScalar(edits, mapAt(item, 'within'), 'max', INSTANT) }];
  }
  if (value === INSTANT) return [];
  return [{ operator: `within->${INSTANT}`, description: `${at}: within ${show(value)} -> ${INSTANT}`, edit: (item, edits) => setScalar(edits, item, 'within', INSTANT) }];
};

/** `n -> n+1` and `n -> n-1` (only when n-1 >= 0) for an exact count (`count`, `times`). */
const plusMinusOne =
  (key: string): Operator =>
  (value, _item, at) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return [];
    const out: Edit[] = [{ operator: `${key}+1`, description: `${at}: ${key} ${value} -> ${value + 1}`, edit: (item, edits) => setScalar(edits, item, key, value + 1) }];
    if (value - 1 >= 0) out.push({ operator: `${key}-1`, description: `${at}: ${key} ${value} -> ${value - 1}`, edit: (item, edits) => setScalar(edits, item, key, value - 1) });
    return out;
  };

// ---- states ----------------------------------------------------------------------------------------------

/**
 * `states` operators:
 * - `final_state: S` -> every other state of CONNECTED/DEGRADED/DISCONNECTED/RECOVERING, transitional ones
 *   included (`final_state->DEGRADED`): a healthy system ends in exactly one state.
 * - `sequence` reversed (`sequence-reversed`); a palindrome such as `[CONNECTED, DISCONNECTED, CONNECTED]` is its
 *   own reversal, so it is rotated instead, its first state moved to the end (`sequence-rotated`:
 *   `[DISCONNECTED, CONNECTED, CONNECTED]`, which needs a second return to CONNECTED that a single fault does not cause).
 * - `illegal_states` + a state the item says the system visits (`illegal_states+DISCONNECTED`): the first state
 *   of its `sequence` after the initial one that is not illegal already, else its `final_state` (a system that
 *   stays CONNECTED throughout "enters" it when the window opens), else the state of its `within`.
 * - `max_duration` of each state -> 1 ms (`max_duration.DISCONNECTED->1ms`): a visited state lasts longer.
 * - `within.max` -> 1 ms (`within.max->1ms`; see {@link withinInstant}).
 */
const statesOperators: Record<string, Operator> = {
  final_state: (value, _item, at) =>
    STATES.filter((s) => s !== value).map((s) => ({
      operator: `final_state->${s}`,
      description: `${at}: final_state ${show(value)} -> ${s}`,
      edit: (item, edits) => setScalar(edits, item, 'final_state', s),
    })),
  sequence: (value, _item, at) => {
    if (!Array.isArray(value) || value.length < 2) return [];
    const reversed = [...value].reverse();
    if (reversed.some((s, i) => s !== value[i]))
      return [{ operator: 'sequence-reversed', description: `${at}: sequence [${value.join(', ')}] -> [${reversed.join(', ')}]`, edit: (item, edits) => reorder(edits, seqAt(item, 'sequence'), value.map((_, i) => value.length - 1 - i)) }];
    const rotated = [...value.slice(1), value[0]];
    if (!rotated.some((s, i) => s !== value[i])) return [];
    return [
      {
        operator: 'sequence-rotated',
        description: `${at}: sequence [${value.join(', ')}] (its own reversal) -> [${rotated.join(', ')}]`,
        edit: (item, edits) => reorder(edits, seqAt(item, 'sequence'), value.map((_, i) => (i + 1) % value.length)),
      },
    ];
  },
  illegal_states: (value, item, at) => {
    if (!Array.isArray(value)) return [];
    const illegal = new Set(value.map(String));
    const sequence = Array.isArray(item.sequence) ? item.sequence.map(String) : [];
    const within = item.within && typeof item.within === 'object' ? (item.within as Record<string, unknown>).state : undefined;
    const visited = [...sequence.slice(1), ...sequence.slice(0, 1), item.final_state, within].find((s): s is string => typeof s === 'string' && !illegal.has(s));
    if (!visited) return [];
    return [
      {
        operator: `illegal_states+${visited}`,
        description: `${at}: illegal_states [${value.join(', ')}] + ${visited} (a state the system visits)`,
        edit: (node, edits) => append(edits, seqAt(node, 'illegal_states'), visited),
      },
    ];
  },
  max_duration: (value, _item, at) => {
    if (!value || typeof value !== 'object') return [];
    return Object.entries(value as Record<string, unknown>)
      .filter(([, d]) => d !== INSTANT)
      .map(([state, d]) => ({
        operator: `max_duration.${state}->${INSTANT}`,
        description: `${at}: max_duration ${state} ${show(d)} -> ${INSTANT}`,
        edit: (item: YAMLMap, edits: SourceEdits) => setScalar(edits, mapAt(item, 'max_duration'), state, INSTANT),
      }));
  },
  within: withinInstant,
};

// ---- events ----------------------------------------------------------------------------------------------

/**
 * `events` operators:
 * - `count: n` -> n+1 and n-1 (only when n-1 >= 0) (`count+1`, `count-1`).
 * - `absent: true` -> `min_count: 1` and -> `exists: true` (`absent->min_count:1`, `absent->exists:true`): the
 *   event never comes.
 * - `exists: true` <-> `exists: false` (`exists->false`, `exists->true`).
 * - `min_count: n` (n >= 1) -> `absent: true` (`min_count->absent`): the events do come.
 * - `order` reversed (`order-reversed`).
 * - `within` -> 1 ms (`within->1ms`, or `within.max->1ms` for `{ after, max }`; see {@link withinInstant}).
 * - `no_duplicates` (`true`, or `{ by }`) -> `{ by: [system] }`, or `{ by: [type] }` when it already was by system
 *   (`no_duplicates->by:[system]`): two events of the item share their system (or type), so they are duplicates by it.
 */
const eventsOperators: Record<string, Operator> = {
  count: plusMinusOne('count'),
  absent: (value, _item, at) =>
    value !== true
      ? []
      : [
          { operator: 'absent->min_count:1', description: `${at}: absent: true -> min_count: 1`, edit: (item, edits) => renameKey(edits, item, 'absent', 'min_count', 1) },
          { operator: 'absent->exists:true', description: `${at}: absent: true -> exists: true`, edit: (item, edits) => renameKey(edits, item, 'absent', 'exists', true) },
        ],
  exists: (value, _item, at) =>
    typeof value !== 'boolean' ? [] : [{ operator: `exists->${!value}`, description: `${at}: exists ${value} -> ${!value}`, edit: (item, edits) => setScalar(edits, item, 'exists', !value) }],
  min_count: (value, item, at) =>
    typeof value !== 'number' || value < 1 || item.exists !== undefined
      ? []
      : [{ operator: 'min_count->absent', description: `${at}: min_count: ${value} -> absent: true`, edit: (node, edits) => renameKey(edits, node, 'min_count', 'absent', true) }],
  order: (value, _item, at) => {
    if (!Array.isArray(value)) return [];
    const reversed = [...value].reverse();
    if (!reversed.some((s, i) => s !== value[i])) return [];
    return [{ operator: 'order-reversed', description: `${at}: order [${value.join(', ')}] -> [${reversed.join(', ')}]`, edit: (item, edits) => reorder(edits, seqAt(item, 'order'), value.map((_, i) => value.length - 1 - i)) }];
  },
  no_duplicates: (value, _item, at) => {
    const by = value && typeof value === 'object' ? ((value as { by?: unknown }).by as unknown[] | undefined) : undefined;
    const field = by?.length === 1 && by[0] === 'system' ? 'type' : 'system';
    return [
      {
        operator: `no_duplicates->by:[${field}]`,
        description: `${at}: no_duplicates ${show(value)} -> { by: [${field}] } (its events share their ${field})`,
        edit: (item, edits) => setNode(edits, pairOf(item, 'no_duplicates').value as Node, { by: [field] }),
      },
    ];
  },
  within: withinInstant,
};

// ---- policies --------------------------------------------------------------------------------------------

/**
 * `policies` operators:
 * - `should_fire` flipped (`should_fire->false`, `should_fire->true`). `true -> false` also drops the keys the
 *   schema forbids beside `should_fire: false` (outcome, min_times, within, max_attempts, after), so the
 *   mutant is a valid scenario whose item fails on `should_fire` alone.
 * - `times: n` -> n+1 and n-1 (only when n-1 >= 0) (`times+1`, `times-1`).
 * - `outcome` SUCCEEDED <-> FAILED (`outcome->FAILED`).
 * - `max_attempts: n` -> 1 (`max_attempts->1`; only when n > 1): the schema's floor (0 is rejected as invalid,
 *   which would make the mutant an `error`, not a verdict); a policy that retries during a fault takes more.
 * - `within.max` -> 1 ms (`within.max->1ms`; see {@link withinInstant}).
 * - `after: { event: X }` -> `{ event: CONNECTION_RESTORED }`, an event the control plane publishes after the
 *   policy fired (the recovery it brings about); `after: { state: X }` -> `{ state: RECOVERING }`, likewise
 *   (`after.event->CONNECTION_RESTORED`, `after.state->RECOVERING`).
 */
const policiesOperators: Record<string, Operator> = {
  should_fire: (value, _item, at) => {
    if (typeof value !== 'boolean') return [];
    return [
      {
        operator: `should_fire->${!value}`,
        description: `${at}: should_fire ${value} -> ${!value}`,
        edit: (item, edits) => {
          setScalar(edits, item, 'should_fire', !value);
          if (value) for (const key of CONTRADICT_NOT_FIRING) if (item.has(key)) deletePair(edits, item, pairOf(item, key));
        },
      },
    ];
  },
  times: plusMinusOne('times'),
  outcome: (value, _item, at) => {
    const other = value === 'SUCCEEDED' ? 'FAILED' : value === 'FAILED' ? 'SUCCEEDED' : undefined;
    return other ? [{ operator: `outcome->${other}`, description: `${at}: outcome ${show(value)} -> ${other}`, edit: (item, edits) => setScalar(edits, item, 'outcome', other) }] : [];
  },
  max_attempts: (value, _item, at) =>
    typeof value !== 'number' || value <= 1
      ? []
      : [{ operator: 'max_attempts->1', description: `${at}: max_attempts ${value} -> 1`, edit: (item, edits) => setScalar(edits, item, 'max_attempts', 1) }],
  within: withinInstant,
  after: (value, _item, at) => {
    if (!value || typeof value !== 'object') return [];
    const [kind, later] = 'event' in value ? ['event', LATER_EVENT] : 'state' in value ? ['state', LATER_STATE] : [];
    const current = (value as Record<string, unknown>)[kind as string];
    if (!kind || !later || current === later) return [];
    return [
      {
        operator: `after.${kind}->${later}`,
        description: `${at}: after { ${kind}: ${show(current)} } -> { ${kind}: ${later} } (it comes after the firing)`,
        edit: (item, edits) => setScalar(edits, mapAt(item, 'after'), kind, later),
      },
    ];
  },
};

// ---- metrics ---------------------------------------------------------------------------------------------

/** The negation of a comparator written as a string (`">= 1"` -> `"< 1"`), or undefined (`between`, invalid). */
export function invertComparator(text: string): string | undefined {
  const trimmed = text.trim();
  const op = OPS.find((o) => trimmed.startsWith(o));
  if (!op) return undefined;
  const rest = trimmed.slice(op.length).trim();
  return `${INVERSE[op]} ${rest}`;
}

/**
 * `metrics` operator: the comparison in `value` inverted (`value-inverted`): `>=` <-> `<`, `<=` <-> `>`,
 * `==` <-> `!=`, in either form (`">= 1"` -> `"< 1"`, `{ "<": 0.25 }` -> `{ ">=": 0.25 }`). The same value cannot
 * satisfy a comparison and its negation. `between` has no single-comparator negation and is left alone.
 */
/**
 * A one-sided bound written as a string, made 1000 times stricter (`value-tightened`): `"<= 10"` -> `"<= 0.01"`,
 * `">= 1"` -> `">= 1000"`, `"< 250ms"` -> `"< 0.25ms"`. A healthy system that still satisfies it is at least three
 * orders of magnitude inside the written bound: the bound cannot catch a system that gets worse. Undefined for
 * `==`, `!=`, `between`, a baseline, or a zero bound (nothing to scale).
 */
export function tightenComparator(text: string): string | undefined {
  const m = /^\s*(<=|>=|<|>)\s*([+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?)\s*(ms|s|m|h|%)?\s*$/i.exec(text);
  if (!m) return undefined;
  const [, op, number, unit] = m as unknown as [string, string, string, string | undefined];
  const n = Number(number);
  if (!Number.isFinite(n) || n === 0) return undefined;
  const scaled = op.startsWith('<') ? n / 1000 : n * 1000;
  return `${op} ${Number(scaled.toPrecision(6))}${unit ?? ''}`;
}

const metricsOperators: Record<string, Operator> = {
  value: (value, _item, at) => {
    if (typeof value === 'string') {
      const inverted = invertComparator(value);
      const tightened = tightenComparator(value);
      const out: Edit[] = [];
      if (inverted) out.push({ operator: 'value-inverted', description: `${at}: value "${value}" -> "${inverted}"`, edit: (item, edits) => setScalar(edits, item, 'value', inverted) });
      if (tightened) out.push({ operator: 'value-tightened', description: `${at}: value "${value}" -> "${tightened}"`, edit: (item, edits) => setScalar(edits, item, 'value', tightened) });
      return out;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const [op, operand] = Object.entries(value)[0] ?? [];
      const inverse = op ? INVERSE[op] : undefined;
      if (!op || !inverse || Object.keys(value).length !== 1) return [];
      return [
        {
          operator: 'value-inverted',
          description: `${at}: value { "${op}": ${show(operand)} } -> { "${inverse}": ${show(operand)} }`,
          edit: (item, edits) => renameKey(edits, mapAt(item, 'value'), op, inverse),
        },
      ];
    }
    return [];
  },
};

// ---- timing ----------------------------------------------------------------------------------------------

/**
 * `timing` operators, for `time_to_detect` and `time_to_recover` each:
 * - `max` -> `min` of the same bound (`time_to_detect.max->min`: `{ max: 2s }` -> `{ min: 2s }`, and a plain
 *   duration likewise): a healthy system detects and recovers faster than its bound, so it breaks the `min`.
 * - `max` -> 1 ms (`time_to_detect.max->1ms`): nothing is detected or recovered within 1 ms of the fault.
 */
const timingBound =
  (key: string): Operator =>
  (value, _item, at) => {
    const bounds = value && typeof value === 'object' ? (value as { min?: unknown; max?: unknown }) : { max: value };
    const max = bounds.max;
    if (max === undefined) return [];
    const replace = (item: YAMLMap, edits: SourceEdits, next: Record<string, unknown>) => setNode(edits, pairOf(item, key).value as Node, next);
    const out: Edit[] = [
      {
        operator: `${key}.max->min`,
        description: `${at}: ${key} ${show(value)} -> { min: ${show(max)} }`,
        edit: (item, edits) => {
          const node = pairOf(item, key).value;
          if (isMap(node) && bounds.min === undefined) renameKey(edits, node, 'max', 'min');
          else replace(item, edits, { min: max });
        },
      },
    ];
    if (max !== INSTANT)
      out.push({
        operator: `${key}.max->${INSTANT}`,
        description: `${at}: ${key} max ${show(max)} -> ${INSTANT}`,
        edit: (item, edits) => {
          const node = pairOf(item, key).value;
          if (isMap(node)) setScalar(edits, node, 'max', INSTANT);
          else replace(item, edits, { max: INSTANT });
        },
      });
    return out;
  };

const timingOperators: Record<string, Operator> = {
  time_to_detect: timingBound('time_to_detect'),
  time_to_recover: timingBound('time_to_recover'),
};

/** The operators of each `expectations` section, by item key. Keys without operators are never mutated. */
export const OPERATORS: Readonly<Record<string, Readonly<Record<string, Operator>>>> = {
  states: statesOperators,
  events: eventsOperators,
  policies: policiesOperators,
  metrics: metricsOperators,
  timing: timingOperators,
};

function parse(text: string) {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`mutation: the scenario is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  return doc;
}

/**
 * Every mutant of a scenario: for each item of each `expectations` section, in file order, and each of the
 * item's keys that has an operator, the mutants that operator proposes. Pure: the text in, the mutants out;
 * each mutant's YAML is the original document with one change (comments, order and style kept).
 */
export function mutants(scenarioYamlText: string): Mutant[] {
  const doc = parse(scenarioYamlText);
  const name = String(doc.get('name') ?? 'scenario');
  const expectations = doc.get('expectations');
  if (!isMap(expectations)) return [];
  const out: Mutant[] = [];
  for (const sectionPair of expectations.items) {
    const section = isScalar(sectionPair.key) ? String(sectionPair.key.value) : '';
    const operators = OPERATORS[section];
    if (!operators || !isSeq(sectionPair.value)) continue;
    sectionPair.value.items.forEach((node, index) => {
      if (!isMap(node)) return;
      const expectation = `${section}[${index}]`;
      const item = node.toJSON() as Record<string, unknown>;
      for (const key of Object.keys(item)) {
        const operator = operators[key];
        if (!operator) continue;
        for (const e of operator(item[key], item, expectation)) {
          const edits = new SourceEdits(scenarioYamlText);
          e.edit(node, edits);
          out.push({ id: `${name}/${expectation}/${e.operator}`, expectation, operator: e.operator, description: e.description, yaml: edits.apply() });
        }
      }
    });
  }
  return out;
}
