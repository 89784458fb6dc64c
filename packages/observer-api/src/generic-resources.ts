/**
 * Polling of the `resources` block: GET a list, a map or one object per URL, run the resource's JSONata `states`
 * query, and check that what it yields is a list of states. A query that fails on a body, or yields anything
 * else, is a decode failure: the resource cannot be read, so it fails the poll like a 500 does (the observer goes
 * blind with the URL, the query and what was wrong), never a silent empty list and never a crash.
 */
import { compileJsonQuery, JsonQueryError, ObservationKinds, type JsonQuery, type StateVocabulary, type SystemStateData } from '@tester/core';
import type { HttpResponse } from './http-client';
import { fillPath } from './json-path';
import { resourcePlace, type ResourceSpec } from './resource-config';
import type { PolledItem } from './resources';

/** GETs `path` and parses its JSON body; throws the poll failure that names the URL otherwise. */
export type GetJson = (path: string, signal: AbortSignal) => Promise<{ value: unknown; response: HttpResponse }>;

/** One state a `states` query yields. */
export interface MappedState {
  system: string;
  state: string;
  since?: string | number;
  detail?: unknown;
}

/** `system.state` data as a resource records it: the vocabulary fields of its config, and the query's `detail`. */
export type ResourceStateData = SystemStateData & { detail?: unknown };

/** A resource's decode failure: the reason is the poll failure's. */
export class DecodeFailure extends Error {}

/** How much of a `detail` (a Java stack trace, say) a state carries. */
const DETAIL_LIMIT = 1000;

const SHAPE = 'expected a list of { system, state, since?, detail? } with non-empty string system and state';

/** A query as messages quote it: on one line, cut. */
const quoted = (source: string): string => {
  const line = source.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

/** A value as messages show it, cut. */
const shown = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
};

/** JSONata's "one result is the value, several are a list": always a list, nested lists flattened. */
function asList(result: unknown): unknown[] {
  if (result === undefined) return [];
  return Array.isArray(result) ? (result.flat(Infinity) as unknown[]) : [result];
}

function bounded(detail: unknown): unknown {
  if (detail === undefined || detail === null) return undefined;
  if (typeof detail === 'string') return detail.length > DETAIL_LIMIT ? `${detail.slice(0, DETAIL_LIMIT)}…` : detail;
  const text = JSON.stringify(detail) ?? '';
  return text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT)}…` : detail;
}

/** Checks what a `states` query yielded; the problem, or the states. */
export function decodeStates(result: unknown): { ok: true; states: MappedState[] } | { ok: false; problem: string } {
  if (result !== undefined && (result === null || typeof result !== 'object')) return { ok: false, problem: `yielded ${shown(result)}` };
  const states: MappedState[] = [];
  for (const [i, item] of asList(result).entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return { ok: false, problem: `yielded ${shown(item)} as item ${i}` };
    const { system, state, since, detail } = item as Record<string, unknown>;
    for (const [field, value] of [['system', system], ['state', state]] as const) {
      if (typeof value !== 'string' || value === '') {
        const got = value === undefined ? `no ${field}` : `${field} ${shown(value)}`;
        return { ok: false, problem: `yielded ${got} in item ${i} ${shown(item)}` };
      }
    }
    if (since !== undefined && since !== null && typeof since !== 'string' && typeof since !== 'number') {
      return { ok: false, problem: `yielded since ${shown(since)} in item ${i} (expected an ISO time or epoch ms)` };
    }
    states.push({
      system: system as string,
      state: state as string,
      ...(since === undefined || since === null ? {} : { since: since as string | number }),
      ...(bounded(detail) === undefined ? {} : { detail: bounded(detail) }),
    });
  }
  return { ok: true, states };
}

const epoch = (v: string | number | undefined): number | undefined => {
  if (typeof v === 'number') return v;
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
};

/** What one poll of a resource saw: its states, and the systems it lists for the catalog. */
export interface ResourceReading {
  items: PolledItem[];
  systems: string[];
  response: HttpResponse;
}

/** One configured resource, its queries compiled. */
export class GenericResource {
  readonly name: string;
  private readonly states: JsonQuery;
  private readonly items: JsonQuery | undefined;
  private readonly vocabulary: Pick<SystemStateData, 'kind' | 'vocabulary'>;

  constructor(
    private readonly spec: ResourceSpec,
    private readonly index: number,
    private readonly redact: (text: string) => string,
  ) {
    this.name = spec.name;
    this.states = compileJsonQuery(spec.states, resourcePlace(index, 'states'));
    this.items = spec.each && !Array.isArray(spec.each) ? compileJsonQuery(spec.each.items, resourcePlace(index, 'each.items')) : undefined;
    this.vocabulary = {
      ...(spec.kind === undefined ? {} : { kind: spec.kind }),
      ...(spec.vocabulary === undefined ? {} : { vocabulary: spec.vocabulary as StateVocabulary }),
    };
  }

  /** Whether the systems it yields belong to the catalog of systems. */
  get listsSystems(): boolean {
    return this.spec.catalog;
  }

  /** Reads the resource once. Rejects with the poll failure (transport, status, JSON, query or shape). */
  async poll(get: GetJson, signal: AbortSignal): Promise<ResourceReading> {
    const each = this.spec.each;
    if (!each) {
      const { value, response } = await get(this.spec.get, signal);
      return this.reading([await this.mapped(value, response, undefined)], response);
    }
    const listed = Array.isArray(each) ? { items: each, response: undefined } : await this.listed(get, each.get, signal);
    const bodies = await Promise.all(
      listed.items.map(async (item) => {
        const { value, response } = await get(fillPath(this.spec.get, { item }), signal);
        return this.mapped(value, response, item);
      }),
    );
    // An explicit list has at least one item; a list resource that lists none answered with its own response.
    return this.reading(bodies, (bodies[0]?.response ?? listed.response) as HttpResponse);
  }

  /** The items a list resource yields now. */
  private async listed(get: GetJson, path: string, signal: AbortSignal): Promise<{ items: string[]; response: HttpResponse }> {
    const { value, response } = await get(path, signal);
    const result = await this.evaluate(this.items as JsonQuery, value, response, undefined);
    if (result !== undefined && (result === null || typeof result !== 'object') && typeof result !== 'string' && typeof result !== 'number') {
      throw this.failure(response, this.items as JsonQuery, `yielded ${shown(result)}`, 'expected a list of item names (strings)');
    }
    const items: string[] = [];
    for (const item of asList(result)) {
      if (typeof item !== 'string' && typeof item !== 'number') throw this.failure(response, this.items as JsonQuery, `yielded ${shown(item)} as an item`, 'expected a list of item names (strings)');
      if (!items.includes(String(item))) items.push(String(item));
    }
    return { items, response };
  }

  private async mapped(value: unknown, response: HttpResponse, item: string | undefined): Promise<{ states: MappedState[]; response: HttpResponse }> {
    const result = await this.evaluate(this.states, value, response, item);
    const decoded = decodeStates(result);
    if (!decoded.ok) throw this.failure(response, this.states, decoded.problem, SHAPE);
    return { states: decoded.states, response };
  }

  private async evaluate(query: JsonQuery, value: unknown, response: HttpResponse, item: string | undefined): Promise<unknown> {
    try {
      return await query.evaluate(value, item === undefined ? undefined : { item });
    } catch (error) {
      if (!(error instanceof JsonQueryError)) throw error;
      // Core's message names the field, the column and the query; on one line, it is a blindness reason.
      throw new DecodeFailure(this.redact(`GET ${response.url}: ${error.message.replace(/\s*\n\s*/g, '; ')}`));
    }
  }

  private failure(response: HttpResponse, query: JsonQuery, problem: string, expected: string): DecodeFailure {
    const where = resourcePlace(this.index, query === this.states ? 'states' : 'each.items');
    return new DecodeFailure(this.redact(`GET ${response.url}: ${where} (resource ${this.name}) ${problem}; ${expected}. Fix the query; query: ${quoted(query.source)}`));
  }

  private reading(bodies: { states: MappedState[]; response: HttpResponse }[], response: HttpResponse): ResourceReading {
    const seen = new Set<string>();
    const items: PolledItem[] = [];
    for (const body of bodies) {
      for (const s of body.states) {
        if (seen.has(s.system)) {
          throw this.failure(body.response, this.states, `yielded system "${s.system}" twice`, 'each system must come once from a resource');
        }
        seen.add(s.system);
        const data: ResourceStateData = { system: s.system, state: s.state, since: s.since, ...this.vocabulary, ...(s.detail === undefined ? {} : { detail: s.detail }) };
        items.push({
          kind: ObservationKinds.systemState,
          key: `${this.name}\u0000${s.system}`,
          subject: s.system,
          fingerprint: s.state,
          data,
          sourceTime: epoch(s.since),
          response: body.response,
          raw: s,
        });
      }
    }
    return { items, systems: [...seen], response };
  }
}
