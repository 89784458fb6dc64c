/**
 * One poll of the control plane: fetches every observed resource and normalises it into the observation
 * data shapes of `@tester/core` (field names come from config). Any failure rejects with a reason that names
 * the URL, so the observer can go blind with it.
 */
import {
  ObservationKinds,
  type CatalogData,
  type ChaosData,
  type DriftData,
  type PolicyExecutionData,
  type ReconciliationData,
  type SystemStateData,
} from '@tester/core';
import type { ApiConfig } from './config';
import { excerpt, parseJson, type HttpClient, type HttpResponse } from './http-client';
import { fillPath, getPath } from './json-path';

/** One normalised item, keyed for change detection. */
export interface PolledItem {
  kind: string;
  /** Identity within its kind: system id, execution id, chaos id, resource, reconciliation id. */
  key: string;
  subject: string;
  /** What must change for the item to be recorded again. */
  fingerprint: string;
  data: SystemStateData | PolicyExecutionData | ChaosData | DriftData | ReconciliationData | CatalogData;
  sourceTime?: number;
  response: HttpResponse;
  /** The raw item, for the reference excerpt. */
  raw: unknown;
  /** A finished execution/chaos/reconciliation: history, not recorded when already there at the first poll. */
  finished?: boolean;
}

/** Raised when a poll cannot see: the reason is what `ctx.blind` gets. */
export class PollFailure extends Error {}

/** The resources the observer polls, each from its own endpoint(s). */
export const RESOURCES = ['systems', 'policies', 'chaos', 'drift', 'reconciliations'] as const;
export type ResourceName = (typeof RESOURCES)[number];

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

/** What the control plane lists (its systems, its policies): expectations naming anything else are errors. */
function catalog(of: string, ids: string[], response: HttpResponse): PolledItem {
  const sorted = [...new Set(ids)].sort();
  const data: CatalogData = { of, ids: sorted };
  return { kind: ObservationKinds.catalog, key: of, subject: of, fingerprint: JSON.stringify(sorted), data, response, raw: sorted };
}

export class ResourcePoller {
  constructor(
    private readonly config: ApiConfig,
    private readonly client: HttpClient,
  ) {}

  /** GETs a list endpoint and returns its items; throws {@link PollFailure} for any answer but a JSON list. */
  private async list(path: string, itemsPath: string, signal: AbortSignal): Promise<{ items: unknown[]; response: HttpResponse }> {
    let response: HttpResponse;
    try {
      response = await this.client.request('GET', path, { conditional: true, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new PollFailure((error as Error).message);
    }
    const where = `GET ${this.client.secrets.redact(response.url)}`;
    if (response.status !== 200) {
      throw new PollFailure(`${where} -> ${response.status} (${JSON.stringify(excerpt(response.text, this.client.secrets, 80))})`);
    }
    const parsed = parseJson(response, this.client.secrets);
    if (!parsed.ok) throw new PollFailure(parsed.reason);
    const items = getPath(parsed.value, itemsPath);
    if (!Array.isArray(items)) {
      throw new PollFailure(`${where}: expected a JSON list${itemsPath ? ` at "${itemsPath}"` : ''}, got ${JSON.stringify(excerpt(response.text, this.client.secrets, 80))}; check fields.*.items`);
    }
    return { items, response };
  }

  /**
   * Fetches every enabled resource in parallel. A resource that cannot be read does not hide the others: its
   * reason is in `failures` (the observer decides whether that blinds the source). Rejects only when aborted.
   */
  async poll(signal: AbortSignal): Promise<PollOutcome> {
    const fetchers: Record<ResourceName, (signal: AbortSignal) => Promise<PolledItem[]>> = {
      systems: (s) => this.systems(s),
      policies: (s) => this.executions(s),
      chaos: (s) => this.chaos(s),
      drift: (s) => this.drift(s),
      reconciliations: (s) => this.reconciliations(s),
    };
    const enabled = RESOURCES.filter((r) => this.config.observe[r]);
    const settled = await Promise.allSettled(enabled.map((r) => fetchers[r](signal)));
    if (signal.aborted) throw signal.reason;
    const outcome: PollOutcome = { items: [], resourceOf: new Map(), answered: new Set(), failures: new Map() };
    settled.forEach((result, i) => {
      const resource = enabled[i] as ResourceName;
      if (result.status === 'fulfilled') {
        outcome.answered.add(resource);
        for (const item of result.value) {
          outcome.items.push(item);
          outcome.resourceOf.set(item, resource);
        }
      } else {
        const error = result.reason as Error;
        outcome.failures.set(resource, error instanceof PollFailure ? error.message : `${resource}: ${error?.message ?? String(error)}`);
      }
    });
    return outcome;
  }

  private async systems(signal: AbortSignal): Promise<PolledItem[]> {
    const f = this.config.fields.systems;
    const { items, response } = await this.list(this.config.endpoints.systems, f.items, signal);
    const states = items.flatMap((raw): PolledItem[] => {
      const system = str(getPath(raw, f.id));
      const state = str(getPath(raw, f.state));
      if (system === undefined || state === undefined) return [];
      const since = time(getPath(raw, f.since));
      const data: SystemStateData = { system, state, since };
      return [{ kind: ObservationKinds.systemState, key: system, subject: system, fingerprint: state, data, sourceTime: epoch(since), response, raw }];
    });
    return [catalog('systems', states.map((s) => s.key), response), ...states];
  }

  private async executions(signal: AbortSignal): Promise<PolledItem[]> {
    const { endpoints, fields } = this.config;
    const { items: policies, response: policiesResponse } = await this.list(endpoints.policies, fields.policies.items, signal);
    const ids = policies.map((p) => str(getPath(p, fields.policies.id))).filter((id): id is string => id !== undefined);
    const listed = catalog('policies', ids, policiesResponse);
    const f = fields.executions;
    const lists = await Promise.all(
      ids.map(async (policyId) => ({ policyId, ...(await this.list(fillPath(endpoints.policyExecutions, { id: policyId }), f.items, signal)) })),
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
    const { items, response } = await this.list(this.config.endpoints.chaos, f.items, signal);
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
    const { items, response } = await this.list(this.config.endpoints.drift, f.items, signal);
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
    const { items, response } = await this.list(this.config.endpoints.reconciliations, f.items, signal);
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
