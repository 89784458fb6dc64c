/**
 * One poll of the control plane: fetches every observed resource (the built-in ones and those of `resources`) and
 * normalises it into the observation data shapes of `@tester/core` (field names and queries come from config).
 * Any failure rejects with a reason that names the URL, so the observer can go blind with it.
 */
import {
  compileJsonQuery,
  excerpt,
  JsonQueryError,
  ObservationKinds,
  type JsonQuery,
  type CatalogData,
  type ChaosData,
  type DriftData,
  type PolicyExecutionData,
  type ReconciliationData,
  type SystemStateData,
} from '@tester/core';
import type { ApiConfig } from './config';
import { parseJson, type HttpClient, type HttpResponse } from './http-client';
import { fillPath, getPath } from './json-path';
import { DecodeFailure, GenericResource, type ResourceReading, type ResourceStateData } from './generic-resources';
import { BUILTIN_RESOURCES, type BuiltinResource } from './resource-config';

/** One normalised item, keyed for change detection. */
export interface PolledItem {
  kind: string;
  /** Identity within its kind: system id, execution id, chaos id, resource, reconciliation id. */
  key: string;
  subject: string;
  /** What must change for the item to be recorded again. */
  fingerprint: string;
  data: SystemStateData | ResourceStateData | PolicyExecutionData | ChaosData | DriftData | ReconciliationData | CatalogData;
  sourceTime?: number;
  response: HttpResponse;
  /** The raw item, for the reference excerpt. */
  raw: unknown;
  /** A finished execution/chaos/reconciliation: history, not recorded when already there at the first poll. */
  finished?: boolean;
}

/** Raised when a poll cannot see: the reason is what `ctx.blind` gets. */
export class PollFailure extends Error {}

/** A resource the observer polls: a built-in one, or the `name` of one of `resources`. */
export type ResourceName = BuiltinResource | (string & {});

/** One poll: the items of every resource that answered, and why each other one could not be read. */
export interface PollOutcome {
  items: PolledItem[];
  /** Each item's resource, for the first-poll rule. */
  resourceOf: Map<PolledItem, ResourceName>;
  /** The resources that answered. */
  answered: Set<ResourceName>;
  failures: Map<ResourceName, string>;
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const time = (v: unknown): string | number | undefined => (typeof v === 'number' || typeof v === 'string' ? v : undefined);
const epoch = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
};

/** What the system under test lists (its systems, its policies): expectations naming anything else are errors. */
function catalog(of: string, ids: string[], response: HttpResponse): PolledItem {
  const sorted = [...new Set(ids)].sort();
  const data: CatalogData = { of, ids: sorted };
  return { kind: ObservationKinds.catalog, key: of, subject: of, fingerprint: JSON.stringify(sorted), data, response, raw: sorted };
}

/** Where a built-in resource finds its list: a dotted path, or a JSONata query (`fields.<resource>.query`). */
interface ListSpec {
  items: string;
  query?: JsonQuery;
  /** The query's field, for messages: `api.fields.systems.query`. */
  place: string;
}

export class ResourcePoller {
  private readonly resources: GenericResource[];
  private readonly lists: Record<keyof ApiConfig['fields'], ListSpec>;

  constructor(
    private readonly config: ApiConfig,
    private readonly client: HttpClient,
  ) {
    const redact = (text: string) => client.redactor.text(text);
    // Compiled again from the parsed config (which holds the queries as written): cheap, and already known to compile.
    this.resources = config.resources.map((spec, i) => new GenericResource(spec, i, redact));
    this.lists = Object.fromEntries(
      Object.entries(config.fields).map(([resource, f]) => [
        resource,
        { items: f.items, query: f.query === undefined ? undefined : compileJsonQuery(f.query, `api.fields.${resource}.query`), place: `api.fields.${resource}.query` },
      ]),
    ) as Record<keyof ApiConfig['fields'], ListSpec>;
  }

  /** GETs `path` and parses its JSON body; throws {@link PollFailure} for no answer, a status but 200, or no JSON. */
  private async getJson(path: string, signal: AbortSignal): Promise<{ value: unknown; response: HttpResponse }> {
    let response: HttpResponse;
    try {
      response = await this.client.request('GET', path, { conditional: true, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new PollFailure((error as Error).message);
    }
    if (response.status !== 200) {
      throw new PollFailure(`GET ${this.client.redactor.text(response.url)} -> ${response.status} (${JSON.stringify(excerpt(response.text, 80, this.client.redactor))})`);
    }
    const parsed = parseJson(response, this.client.redactor);
    if (!parsed.ok) throw new PollFailure(parsed.reason);
    return { value: parsed.value, response };
  }

  /** GETs a list endpoint and returns its items; throws {@link PollFailure} for any answer but a JSON list. */
  private async list(path: string, spec: ListSpec, signal: AbortSignal): Promise<{ items: unknown[]; response: HttpResponse }> {
    const { value, response } = await this.getJson(path, signal);
    const where = `GET ${this.client.redactor.text(response.url)}`;
    if (spec.query) {
      let result: unknown;
      try {
        result = await spec.query.evaluate(value);
      } catch (error) {
        if (!(error instanceof JsonQueryError)) throw error;
        throw new PollFailure(this.client.redactor.text(`${where}: ${error.message.replace(/\s*\n\s*/g, '; ')}`));
      }
      // JSONata's single result is the value itself; no result is an empty list.
      if (result === undefined) return { items: [], response };
      if (Array.isArray(result)) return { items: result, response };
      if (result !== null && typeof result === 'object') return { items: [result], response };
      throw new PollFailure(this.client.redactor.text(`${where}: ${spec.place} yielded ${JSON.stringify(result)?.slice(0, 80)}, expected a list of items. Fix the query; query: ${spec.query.source.replace(/\s+/g, ' ').slice(0, 200)}`));
    }
    const items = getPath(value, spec.items);
    if (!Array.isArray(items)) {
      throw new PollFailure(`${where}: expected a JSON list${spec.items ? ` at "${spec.items}"` : ''}, got ${JSON.stringify(excerpt(response.text, 80, this.client.redactor))}; check fields.*.items`);
    }
    return { items, response };
  }

  /**
   * Fetches every enabled resource in parallel. A resource that cannot be read does not hide the others: its
   * reason is in `failures` (the observer decides whether that blinds the source). Rejects only when aborted.
   */
  async poll(signal: AbortSignal): Promise<PollOutcome> {
    const builtins: Record<BuiltinResource, (signal: AbortSignal) => Promise<ResourceReading | PolledItem[]>> = {
      systems: (s) => this.systems(s),
      policies: (s) => this.executions(s),
      chaos: (s) => this.chaos(s),
      drift: (s) => this.drift(s),
      reconciliations: (s) => this.reconciliations(s),
    };
    const get = (path: string, s: AbortSignal) => this.getJson(path, s);
    /** `lists`: whether the resource's systems are part of the catalog of systems. */
    const fetchers: { resource: ResourceName; reading: Promise<ResourceReading | PolledItem[]>; lists: boolean }[] = [
      ...BUILTIN_RESOURCES.filter((r) => this.config.observe[r]).map((r) => ({ resource: r, reading: builtins[r](signal), lists: r === 'systems' })),
      ...this.resources.map((r) => ({ resource: r.name, reading: r.poll(get, signal), lists: r.listsSystems })),
    ];
    const settled = await Promise.allSettled(fetchers.map((f) => f.reading));
    if (signal.aborted) throw signal.reason;
    const outcome: PollOutcome = { items: [], resourceOf: new Map(), answered: new Set(), failures: new Map() };
    const listed: { resource: ResourceName; reading: ResourceReading }[] = [];
    let listing = 0;
    settled.forEach((result, i) => {
      const { resource, lists } = fetchers[i]!;
      if (lists) listing += 1;
      if (result.status === 'fulfilled') {
        outcome.answered.add(resource);
        const reading = Array.isArray(result.value) ? undefined : result.value;
        if (reading && lists) listed.push({ resource, reading });
        for (const item of reading?.items ?? (result.value as PolledItem[])) {
          outcome.items.push(item);
          outcome.resourceOf.set(item, resource);
        }
      } else {
        const error = result.reason as Error;
        const known = error instanceof PollFailure || error instanceof DecodeFailure;
        outcome.failures.set(resource, known ? error.message : `${resource}: ${error?.message ?? String(error)}`);
      }
    });
    // One catalog of systems from every resource that lists some, and only from a poll where all of them answered:
    // a resource that failed must not make the systems it lists look unknown (the failure blinds the source instead).
    if (listing > 0 && listed.length === listing) {
      const first = listed[0]!;
      const item = catalog('systems', listed.flatMap((l) => l.reading.systems), first.reading.response);
      outcome.items.unshift(item);
      outcome.resourceOf.set(item, first.resource);
    }
    return outcome;
  }

  private async systems(signal: AbortSignal): Promise<ResourceReading> {
    const f = this.config.fields.systems;
    const { items, response } = await this.list(this.config.endpoints.systems, this.lists.systems, signal);
    const states = items.flatMap((raw): PolledItem[] => {
      const system = str(getPath(raw, f.id));
      const state = str(getPath(raw, f.state));
      if (system === undefined || state === undefined) return [];
      const since = time(getPath(raw, f.since));
      const data: SystemStateData = { system, state, since };
      return [{ kind: ObservationKinds.systemState, key: system, subject: system, fingerprint: state, data, sourceTime: epoch(since), response, raw }];
    });
    return { items: states, systems: states.map((s) => s.key), response };
  }

  private async executions(signal: AbortSignal): Promise<PolledItem[]> {
    const { endpoints, fields } = this.config;
    const { items: policies, response: policiesResponse } = await this.list(endpoints.policies, this.lists.policies, signal);
    const ids = policies.map((p) => str(getPath(p, fields.policies.id))).filter((id): id is string => id !== undefined);
    const listed = catalog('policies', ids, policiesResponse);
    const f = fields.executions;
    const lists = await Promise.all(
      ids.map(async (policyId) => ({ policyId, ...(await this.list(fillPath(endpoints.policyExecutions, { id: policyId }), this.lists.executions, signal)) })),
    );
    return [listed, ...lists.flatMap(({ policyId, items, response }) =>
      items.flatMap((raw): PolledItem[] => {
        const id = str(getPath(raw, f.id));
        if (id === undefined) return [];
        const data: PolicyExecutionData = {
          id,
          policyId: str(getPath(raw, f.policyId)) ?? policyId,
          status: str(getPath(raw, f.status)) ?? 'UNKNOWN',
          triggeredAt: time(getPath(raw, f.triggeredAt)),
          finishedAt: time(getPath(raw, f.finishedAt)) ?? null,
          attempts: typeof getPath(raw, f.attempts) === 'number' ? (getPath(raw, f.attempts) as number) : undefined,
          system: str(getPath(raw, f.system)),
        };
        const fingerprint = JSON.stringify([data.status, data.finishedAt, data.attempts]);
        return [{ kind: ObservationKinds.policyExecution, key: `${data.policyId}/${id}`, subject: data.policyId, fingerprint, data, sourceTime: epoch(data.finishedAt ?? data.triggeredAt), response, raw, finished: data.finishedAt !== null }];
      }),
    )];
  }

  private async chaos(signal: AbortSignal): Promise<PolledItem[]> {
    const f = this.config.fields.chaos;
    const { items, response } = await this.list(this.config.endpoints.chaos, this.lists.chaos, signal);
    return items.flatMap((raw) => {
      const id = str(getPath(raw, f.id));
      if (id === undefined) return [];
      const data: ChaosData = {
        id,
        system: str(getPath(raw, f.system)) ?? '',
        fault: str(getPath(raw, f.fault)) ?? '',
        status: str(getPath(raw, f.status)) ?? 'UNKNOWN',
        startedAt: time(getPath(raw, f.startedAt)),
        endedAt: time(getPath(raw, f.endedAt)) ?? null,
      };
      const fingerprint = JSON.stringify([data.status, data.endedAt]);
      return [{ kind: ObservationKinds.chaos, key: id, subject: data.system, fingerprint, data, sourceTime: epoch(data.endedAt ?? data.startedAt), response, raw, finished: data.endedAt !== null }];
    });
  }

  private async drift(signal: AbortSignal): Promise<PolledItem[]> {
    const f = this.config.fields.drift;
    const { items, response } = await this.list(this.config.endpoints.drift, this.lists.drift, signal);
    return items.flatMap((raw) => {
      const resource = str(getPath(raw, f.resource));
      if (resource === undefined) return [];
      const data: DriftData = { resource, drifted: Boolean(getPath(raw, f.drifted)), desired: getPath(raw, f.desired), actual: getPath(raw, f.actual) };
      const fingerprint = JSON.stringify([data.drifted, data.desired, data.actual]);
      return [{ kind: ObservationKinds.drift, key: resource, subject: resource, fingerprint, data, response, raw }];
    });
  }

  private async reconciliations(signal: AbortSignal): Promise<PolledItem[]> {
    const f = this.config.fields.reconciliations;
    const { items, response } = await this.list(this.config.endpoints.reconciliations, this.lists.reconciliations, signal);
    return items.flatMap((raw) => {
      const id = str(getPath(raw, f.id));
      if (id === undefined) return [];
      const data: ReconciliationData = {
        id,
        resource: str(getPath(raw, f.resource)) ?? '',
        status: str(getPath(raw, f.status)) ?? 'UNKNOWN',
        startedAt: time(getPath(raw, f.startedAt)),
        finishedAt: time(getPath(raw, f.finishedAt)) ?? null,
      };
      const fingerprint = JSON.stringify([data.status, data.finishedAt]);
      return [{ kind: ObservationKinds.reconciliation, key: id, subject: data.resource, fingerprint, data, sourceTime: epoch(data.finishedAt ?? data.startedAt), response, raw, finished: data.finishedAt !== null }];
    });
  }
}
