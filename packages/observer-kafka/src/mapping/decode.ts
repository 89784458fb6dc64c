/**
 * Runs a topic's mapping on one record. Every way a record can fail to map (not a CloudEvent, a query that throws,
 * a field of the wrong shape, a required field with no value) is a decode error with the field's place and what
 * was expected: the observer records it as an `event.decode-error`, never drops it.
 */
import { type EventData } from '@tester/core';
import type { KafkaMessageInfo } from '../decode';
import { readCloudEvent } from './cloudevents';
import type { CompiledField, TopicPlan } from './topics';

/** What one record maps to. */
export type Mapped =
  | { kind: 'event'; event: EventData; sourceTime?: number }
  | { kind: 'state'; state: MappedState; sourceTime?: number }
  | { kind: 'skip' }
  | { kind: 'error'; error: string };

/** A system's new state as a states topic's mapping read it. */
export interface MappedState {
  system: string;
  state: string;
  id?: string;
  correlationId?: string;
  /** The record's own time for the change, as mapped (ISO string or epoch ms). */
  timestamp?: string | number;
  /** Anything the mapping adds (Connect's `trace` of a FAILED task). */
  detail?: unknown;
}

/** The JSONata input of a record: what each field's query reads. */
export interface MappingInput {
  /** The value parsed as JSON when it is JSON, else the UTF-8 string; `null` for a tombstone. */
  value: unknown;
  key: string | null;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
  /** The record's timestamp, epoch ms. */
  timestamp: number | null;
  /** With `preset: cloudevents`: the event's attributes and `data`, from either content mode. */
  ce?: Record<string, unknown>;
}

/** The value as queries see it: JSON when it parses, else the text. */
export function parseValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class MappingError extends Error {}

/** Runs `plan` on `message`. Never throws: a failure is `{ kind: 'error' }` saying where and why. */
export async function mapRecord(plan: Exclude<TopicPlan, { mode: 'contract' }>, message: KafkaMessageInfo): Promise<Mapped> {
  try {
    const input: MappingInput = {
      value: parseValue(message.value),
      key: message.key ?? null,
      headers: message.headers,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestamp: message.timestamp ?? null,
    };
    if (plan.cloudevents) {
      try {
        input.ce = readCloudEvent(message.headers, input.value);
      } catch (error) {
        throw new MappingError(`${plan.where} (preset cloudevents): ${(error as Error).message}`);
      }
    }
    if (plan.when && !truthy(await plan.when.evaluate(input))) return { kind: 'skip' };
    const values = await evaluateAll(plan.fields, input);
    const at = (field: string) => `${plan.where}.${plan.mode}.${field}`;
    if (plan.mode === 'events') {
      const event: EventData = { type: requiredText(values.type, at('type')) };
      const system = optionalText(values.system, at('system'));
      const id = optionalText(values.id, at('id'));
      const timestamp = timeOf(values.timestamp, at('timestamp'));
      const correlationId = optionalText(values.correlationId, at('correlationId'));
      if (id !== undefined) event.id = id;
      if (system !== undefined) event.system = system;
      if (timestamp !== undefined) event.timestamp = timestamp.raw;
      if (correlationId !== undefined) event.correlationId = correlationId;
      if (values.payload !== undefined) event.payload = values.payload;
      return withTime({ kind: 'event', event }, timestamp?.ms ?? message.timestamp);
    }
    const state: MappedState = { system: requiredText(values.system, at('system')), state: requiredText(values.state, at('state')) };
    const id = optionalText(values.id, at('id'));
    const timestamp = timeOf(values.timestamp, at('timestamp'));
    const correlationId = optionalText(values.correlationId, at('correlationId'));
    if (id !== undefined) state.id = id;
    if (timestamp !== undefined) state.timestamp = timestamp.raw;
    if (correlationId !== undefined) state.correlationId = correlationId;
    if (values.detail !== undefined && values.detail !== null) state.detail = values.detail;
    return withTime({ kind: 'state', state }, timestamp?.ms ?? message.timestamp);
  } catch (error) {
    return { kind: 'error', error: oneLine(error instanceof Error ? error.message : String(error)) };
  }
}

function withTime<M extends Extract<Mapped, { sourceTime?: number }>>(mapped: M, sourceTime: number | undefined): M {
  if (sourceTime !== undefined) mapped.sourceTime = sourceTime;
  return mapped;
}

async function evaluateAll<F extends string>(fields: readonly CompiledField<F>[], input: MappingInput): Promise<Partial<Record<F, unknown>>> {
  const values: Partial<Record<F, unknown>> = {};
  for (const { field, query } of fields) values[field] = normalise(await query.evaluate(input));
  return values;
}

/** JSONata's sequences are arrays with extra flags; a singleton sequence is its one value. */
function normalise(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 && (value as { sequence?: boolean }).sequence ? value[0] : value;
}

/** A condition's answer, as JSONata's `$boolean` reads it: nothing, null, false, 0, "" and empty lists are false. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.some(truthy);
  return true;
}

function requiredText(value: unknown, where: string): string {
  const text = optionalText(value, where);
  if (text === undefined) throw new MappingError(`${where}: expected a non-empty string, got nothing (the query matched nothing in this record)`);
  return text;
}

/** A string, or a finite number taken as its text; `undefined` for no result; anything else is the wrong shape. */
function optionalText(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    if (value === '') throw new MappingError(`${where}: expected a non-empty string, got ""`);
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new MappingError(`${where}: expected a string, got ${describeValue(value)}`);
}

/** A time as epoch ms (a number) or an ISO 8601 string; the value as given and in milliseconds. */
function timeOf(value: unknown, where: string): { raw: string | number; ms: number } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return { raw: value, ms: value };
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return { raw: value, ms };
  }
  throw new MappingError(`${where}: expected epoch milliseconds or an ISO 8601 time, got ${describeValue(value)}`);
}

/** A JsonQueryError names the field and the column on its first line and shows the query on the next: one line. */
function oneLine(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  const query = rest.find((line) => line.trim().startsWith('query: '));
  return query ? `${first} (${query.trim()})` : first;
}

/** `a list`, `a mapping`, `number 3`, `string "x"` (cut at 60 characters): what a query gave, for messages. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
