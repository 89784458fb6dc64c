/**
 * The API observer session: polls the control plane with {@link PollLoop} and records only *changes*
 * (plus, at the first successful poll, every system and drift item and every execution, chaos or
 * reconciliation still running; finished ones are history from before the run and are not recorded) as `system.state`, `policy.execution`, `chaos`, `drift` and
 * `reconciliation` observations, each with the poll that saw it as its reference.
 *
 * Blindness is per resource the scenario needs. `systems`, `policies` (with their executions) and `chaos` are what
 * states, policies, preconditions and CHAOS actions read: when one of them cannot be read the source is blind.
 * `drift` and `reconciliations` only feed settling: until they show activity in this run (a drifted resource, a
 * reconciliation under way) a failure of theirs is blindness of that resource alone (`ctx.blind(reason,
 * { resource })`), reported but not held against the scenario; once they did, they are needed like the others.
 * Each resource of `resources` yields states, so it is always needed: a 500 or a decode failure (a query that
 * fails on the body or yields no list of states) blinds the source with that reason.
 */
import { excerpt, ObservationKinds, type ObserverContext, type ObserverSession, type SystemStateData, PollLoop, type DriftData, type ReconciliationData } from '@tester/core';
import type { ApiConfig } from './config';
import { HttpClient } from './http-client';
import { PollFailure, ResourcePoller, type PolledItem, type ResourceName } from './resources';

/** The resources whose failure always blinds the source. */
const REQUIRED: ReadonlySet<ResourceName> = new Set(['systems', 'policies', 'chaos']);

/** Whether an item shows drift or reconciliation activity (which makes its resource needed). */
function active(item: PolledItem): boolean {
  if (item.kind === ObservationKinds.drift) return (item.data as DriftData).drifted === true;
  if (item.kind === ObservationKinds.reconciliation) return (item.data as ReconciliationData).finishedAt === null;
  return false;
}

/** Starts an API observer session for one scenario run. */
export function startApiObserver(ctx: ObserverContext<ApiConfig>): ObserverSession {
  const config = ctx.config;
  const client = new HttpClient(config);
  client.setRunId(ctx.runId);
  for (const secret of client.redactor.list()) ctx.registerSecret(secret);
  const poller = new ResourcePoller(config, client);
  const fingerprints = new Map<string, string>();
  const states = new Map<string, string>();
  /** Resources read at least once: a finished item seen at a resource's first answer is history. */
  const answeredOnce = new Set<ResourceName>();
  /** Required resources, and optional ones that showed activity in this run: from then on they are needed. */
  const needed = new Set<ResourceName>([...REQUIRED, ...config.resources.map((r) => r.name)]);
  /** Optional resources currently blind on their own. */
  const blindResources = new Set<ResourceName>();

  const loop = new PollLoop({
    ctx,
    fastMs: config.poll.fastInterval,
    slowMs: config.poll.slowInterval,
    readyTimeoutMs: config.poll.readyTimeout,
    label: 'the API observer',
    readyHint: config.resources.length
      ? 'Check that the system is up at the configured baseUrl, and that each query of api.resources fits what it answers.'
      : 'Check that the control plane is up at the configured baseUrl.',
    async poll(signal, pollNo) {
      const { items, resourceOf, answered, failures } = await poller.poll(signal);
      let changed = false;
      for (const item of items) {
        const resource = resourceOf.get(item) as ResourceName;
        if (active(item)) needed.add(resource);
        const key = `${item.kind}\u0000${item.key}`;
        if (fingerprints.get(key) === item.fingerprint) continue;
        fingerprints.set(key, item.fingerprint);
        // Finished executions/chaos/reconciliations seen at the first poll are history: remembered, not recorded.
        if (!answeredOnce.has(resource) && item.finished) continue;
        changed = true;
        let data = item.data;
        if (item.kind === ObservationKinds.systemState) {
          const state = data as SystemStateData;
          data = { ...state, previous: states.get(state.system) };
          states.set(state.system, state.state);
        }
        ctx.record({
          kind: item.kind,
          subject: client.redactor.text(item.subject),
          sourceTime: item.sourceTime,
          data: client.redactor.value(data),
          ref: {
            type: 'http',
            method: 'GET',
            url: client.redactor.text(item.response.url),
            status: item.response.status,
            excerpt: `poll #${pollNo}: ${excerpt(JSON.stringify(item.raw) ?? '', 300, client.redactor)}`,
          },
        });
      }
      for (const resource of answered) {
        answeredOnce.add(resource);
        if (blindResources.delete(resource)) ctx.sighted({ resource });
      }
      const blinding = [...failures].filter(([resource]) => needed.has(resource));
      // A span per optional resource only while the source itself sees: otherwise it is blind as a whole anyway.
      for (const [resource, reason] of blinding.length ? [] : failures) {
        if (needed.has(resource) || blindResources.has(resource)) continue;
        blindResources.add(resource);
        ctx.logger.warn(`api observer: ${reason}; ${resource} is not needed by this run so far, so the api source is not blind`);
        ctx.blind(reason, { resource });
      }
      // What the scenario needs could not be read: the source is blind (the loop says so, with this reason).
      if (blinding.length) throw new PollFailure(blinding.map(([, reason]) => reason).join('; '));
      return { changed };
    },
  });
  return loop.session(() => client.close());
}
