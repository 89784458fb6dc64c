/**
 * The API observer session: polls the control plane with {@link PollLoop} and records only *changes*
 * (plus, at the first successful poll, every system and drift item and every execution, chaos or
 * reconciliation still running; finished ones are history from before the run and are not recorded) as `system.state`, `policy.execution`, `chaos`, `drift` and
 * `reconciliation` observations, each with the poll that saw it as its reference.
 */
import { ObservationKinds, type ObserverContext, type ObserverSession, type SystemStateData, PollLoop } from '@tester/core';
import type { ApiConfig } from './config';
import { excerpt, HttpClient } from './http-client';
import { ResourcePoller } from './resources';

/** Starts an API observer session for one scenario run. */
export function startApiObserver(ctx: ObserverContext<unknown>, config: ApiConfig): ObserverSession {
  const client = new HttpClient(config);
  client.setRunId(ctx.runId);
  for (const secret of client.secrets.list()) ctx.registerSecret(secret);
  const poller = new ResourcePoller(config, client);
  const fingerprints = new Map<string, string>();
  const states = new Map<string, string>();
  let firstPoll = true;

  const loop = new PollLoop({
    ctx,
    fastMs: config.poll.fastInterval,
    slowMs: config.poll.slowInterval,
    readyTimeoutMs: config.poll.readyTimeout,
    label: 'the API observer',
    readyHint: 'Check that the control plane is up at the configured baseUrl.',
    async poll(signal, pollNo) {
      const items = await poller.poll(signal);
      let changed = false;
      for (const item of items) {
        const key = `${item.kind}\u0000${item.key}`;
        if (fingerprints.get(key) === item.fingerprint) continue;
        fingerprints.set(key, item.fingerprint);
        // Finished executions/chaos/reconciliations seen at the first poll are history: remembered, not recorded.
        if (firstPoll && item.finished) continue;
        changed = true;
        let data = item.data;
        if (item.kind === ObservationKinds.systemState) {
          const state = data as SystemStateData;
          data = { ...state, previous: states.get(state.system) };
          states.set(state.system, state.state);
        }
        ctx.record({
          kind: item.kind,
          subject: client.secrets.redact(item.subject),
          sourceTime: item.sourceTime,
          data: client.secrets.redactValue(data),
          ref: {
            type: 'http',
            method: 'GET',
            url: client.secrets.redact(item.response.url),
            status: item.response.status,
            excerpt: `poll #${pollNo}: ${excerpt(JSON.stringify(item.raw) ?? '', client.secrets)}`,
          },
        });
      }
      firstPoll = false;
      return { changed };
    },
  });
  return loop.session(() => client.close());
}
