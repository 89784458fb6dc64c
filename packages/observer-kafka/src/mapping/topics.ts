/**
 * The `topics` option: plain names (the control-plane contract, as before), or per-topic mappings written in
 * JSONata, compiled once when the config is parsed so that a query that does not compile is `CONFIG_INVALID` at
 * its place (`topics[1].states.system`), with the column.
 */
import { compileJsonQuery, isStateVocabulary, JsonQueryError, stateVocabulary, STATE_VOCABULARIES, z, type JsonQuery, type StateVocabulary } from '@tester/core';
import { EVENT_FIELDS, KAFKA_CONNECT_STATUS, PRESETS, presetEvents, presetStates, STATE_FIELDS, type CloudEventsSystem, type EventField, type PresetName, type StateField } from './presets';

const query = z.string().min(1, 'expected a JSONata query, e.g. value.type');

const eventsSchema = z.strictObject(Object.fromEntries(EVENT_FIELDS.map((f) => [f, query.optional()])) as Record<EventField, z.ZodOptional<typeof query>>);
const statesSchema = z.strictObject(Object.fromEntries(STATE_FIELDS.map((f) => [f, query.optional()])) as Record<StateField, z.ZodOptional<typeof query>>);

const vocabularySchema = z.custom<StateVocabulary>(isStateVocabulary, {
  message: 'expected { healthy: [states...], degraded?, transitional?, paused?, failed? } with at least one healthy state',
});

/** One entry of `topics` in its mapping form. */
export const topicMappingSchema = z.strictObject({
  /** The topic. */
  name: z.string().min(1),
  /**
   * A known record shape: `control-plane` (the default: `{ id, type, system, timestamp, correlationId, payload }`),
   * `cloudevents` (structured or binary; adds `ce` to the query input) or `kafka-connect-status` (Connect's status
   * topic as state changes). Fields given in `events` or `states` override the preset's.
   */
  preset: z.enum(PRESETS, { error: `expected one of ${PRESETS.map((p) => JSON.stringify(p)).join(', ')}` }).optional(),
  /** A JSONata condition: records for which it is false (or gives nothing) are skipped on purpose. */
  when: query.optional(),
  /** The record is an event: one JSONata query per field. */
  events: eventsSchema.optional(),
  /** The record is a system's new state: one JSONata query per field (`system` and `state` required). */
  states: statesSchema.optional(),
  /** States topics: the systems' kind, naming a built-in state vocabulary (`kafka-connect`, `control-plane`). */
  kind: z.string().min(1).optional(),
  /** States topics: the systems' own state vocabulary (wins over `kind`'s). */
  vocabulary: vocabularySchema.optional(),
  /** `preset: cloudevents`: which attribute names the system. @default "subject" (the source when there is none) */
  cloudevents: z.strictObject({ system: z.enum(['subject', 'source']).default('subject') }).optional(),
});

/**
 * A topic name, or its mapping. A name is read as `{ name }` (a union would hide the mapping's own problems behind
 * "Invalid input").
 */
export const topicEntrySchema = z.preprocess((entry) => (typeof entry === 'string' ? { name: entry } : entry), topicMappingSchema);

export type TopicEntry = z.output<typeof topicEntrySchema>;

/** A compiled field: its name and its query. */
export interface CompiledField<F extends string> {
  field: F;
  query: JsonQuery;
}

/** How the records of one topic become observations. */
export type TopicPlan =
  | { name: string; mode: 'contract' }
  | {
      name: string;
      mode: 'events';
      /** `topics[1]`: where the mapping is written, for messages. */
      where: string;
      cloudevents?: CloudEventsSystem;
      when?: JsonQuery;
      fields: CompiledField<EventField>[];
    }
  | {
      name: string;
      mode: 'states';
      where: string;
      cloudevents?: CloudEventsSystem;
      when?: JsonQuery;
      fields: CompiledField<StateField>[];
      kind?: string;
      vocabulary?: StateVocabulary;
    };

/** A problem found while compiling, at its path inside the `kafka` block. */
export interface TopicProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Compiles the entries into plans, collecting every problem (a query that does not compile, a required field with
 * no query, options that do not go together) instead of stopping at the first.
 */
export function compileTopics(entries: readonly TopicEntry[]): { plans: TopicPlan[]; problems: TopicProblem[] } {
  const plans: TopicPlan[] = [];
  const problems: TopicProblem[] = [];
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const { name } = entry;
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({ path: ['topics', i], message: `topic ${JSON.stringify(name)} is listed twice (also topics[${first}]): keep one entry` });
      return;
    }
    seen.set(name, i);
    // A name alone (or with the default preset and nothing else) is the control-plane contract, decoded by `decoder`.
    const mapped = Object.keys(entry).some((k) => k !== 'name' && !(k === 'preset' && entry.preset === 'control-plane'));
    if (!mapped) {
      plans.push({ name, mode: 'contract' });
      return;
    }
    const plan = compileEntry(entry, i, problems);
    if (plan) plans.push(plan);
  });
  return { plans, problems };
}

function compileEntry(entry: TopicEntry, i: number, problems: TopicProblem[]): TopicPlan | undefined {
  const where = `topics[${i}]`;
  const at = (...path: (string | number)[]) => ['topics', i, ...path];
  const preset: PresetName | undefined = entry.preset;
  const states = entry.states !== undefined || preset === 'kafka-connect-status';
  const before = problems.length;
  if (entry.events && entry.states) problems.push({ path: at('states'), message: 'a topic maps either events or states, not both: use two entries for two topics' });
  if (entry.events && preset === 'kafka-connect-status') problems.push({ path: at('events'), message: 'preset kafka-connect-status maps states: write states, not events' });
  if (entry.cloudevents && preset !== 'cloudevents') problems.push({ path: at('cloudevents'), message: 'cloudevents applies to preset: cloudevents: add it, or remove cloudevents' });
  if (!states && (entry.kind !== undefined || entry.vocabulary !== undefined)) {
    problems.push({ path: at(entry.kind !== undefined ? 'kind' : 'vocabulary'), message: 'kind and vocabulary apply to a states topic: add states, or remove them' });
  }
  if (entry.kind !== undefined && entry.vocabulary === undefined && stateVocabulary(entry.kind) === undefined) {
    problems.push({
      path: at('kind'),
      message: `unknown kind ${JSON.stringify(entry.kind)}: built-in kinds are ${Object.keys(STATE_VOCABULARIES).join(', ')}; for another, give its vocabulary too`,
    });
  }
  const compile = (source: string, path: (string | number)[]): JsonQuery | undefined => {
    try {
      return compileJsonQuery(source, `${where}.${path.join('.')}`);
    } catch (error) {
      problems.push({ path: at(...path), message: error instanceof JsonQueryError ? error.message : String(error) });
      return undefined;
    }
  };
  const ce: CloudEventsSystem | undefined = preset === 'cloudevents' ? (entry.cloudevents?.system ?? 'subject') : undefined;
  const when = entry.when ?? (preset === 'kafka-connect-status' ? KAFKA_CONNECT_STATUS.when : undefined);
  const whenQuery = when === undefined ? undefined : compile(when, ['when']);

  if (!states) {
    // `events` alone, or a preset: unmapped fields keep the preset's (the control plane's by default).
    const sources = { ...presetEvents(preset ?? 'control-plane', ce ?? 'subject'), ...entry.events };
    const fields = compileFields(EVENT_FIELDS, sources, 'events', compile);
    if (problems.length > before) return undefined;
    return { name: entry.name, mode: 'events', where, ...(ce ? { cloudevents: ce } : {}), ...(whenQuery ? { when: whenQuery } : {}), fields };
  }
  const sources = { ...presetStates(preset, ce ?? 'subject'), ...entry.states };
  for (const required of ['system', 'state'] as const) {
    if (sources[required] === undefined) {
      problems.push({ path: at('states', required), message: `a states topic needs ${required}: a JSONata query giving the system's ${required === 'state' ? 'new state, e.g. value.state' : 'id, e.g. key'}` });
    }
  }
  const fields = compileFields(STATE_FIELDS, sources, 'states', compile);
  if (problems.length > before) return undefined;
  const kind = entry.kind ?? (preset === 'kafka-connect-status' ? KAFKA_CONNECT_STATUS.kind : undefined);
  return {
    name: entry.name,
    mode: 'states',
    where,
    ...(ce ? { cloudevents: ce } : {}),
    ...(whenQuery ? { when: whenQuery } : {}),
    fields,
    ...(kind !== undefined ? { kind } : {}),
    ...(entry.vocabulary !== undefined ? { vocabulary: entry.vocabulary } : {}),
  };
}

function compileFields<F extends string>(
  names: readonly F[],
  sources: Partial<Record<F, string>>,
  block: string,
  compile: (source: string, path: (string | number)[]) => JsonQuery | undefined,
): CompiledField<F>[] {
  const fields: CompiledField<F>[] = [];
  for (const field of names) {
    const source = sources[field];
    if (source === undefined) continue;
    const query = compile(source, [block, field]);
    if (query) fields.push({ field, query });
  }
  return fields;
}
