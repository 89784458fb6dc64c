/**
 * `CHAOS`: injects a fault through the control plane. The chaos id is chosen here so the ledger entry can be
 * written BEFORE the POST (a run killed mid-request still leaves something `tester cleanup` can undo).
 * Rollback = DELETE of that id, verified by a GET.
 */
import { randomUUID } from 'node:crypto';
import { ObservationKinds, z, type ActionDefinition, type ChaosData, type ActionContext, type InjectedFault, type LedgerEntry, type PluginContext, TesterError } from '@tester/core';
import type { ApiConfig } from '../config';
import { positiveDurationSchema } from '@tester/core';
import type { HttpClient } from '../http-client';
import { fillPath, getPath } from '../json-path';
import { actionClient, clockFromWall, describeResponse, expectStatus, jsonBody } from './common';

export const chaosParamsSchema = z.strictObject({
  /** The system to break (`mysql-2`). */
  system: z.string().min(1),
  /** `CONNECTION_LOSS`, `LATENCY`, `ERROR_RATE`, or whatever the control plane supports. */
  fault: z.string().min(1),
  /** How long the control plane keeps the fault (sent in seconds): more than 0, at most 24h. */
  duration: positiveDurationSchema,
  /** Fault parameters (`{ latencyMs: 500 }`), passed through. */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type ChaosParams = z.output<typeof chaosParamsSchema>;

interface ChaosLedgerData {
  baseUrl: string;
  chaosId: string;
  system: string;
  fault: string;
}

/** DELETEs the chaos and verifies with GET that it is over. Idempotent: 404 and an ended chaos are fine. */
export async function endChaos(client: HttpClient, config: ApiConfig, chaosId: string, ctx: PluginContext<unknown>, signal: AbortSignal): Promise<void> {
  const path = fillPath(config.endpoints.chaosItem, { id: chaosId });
  const fix = `End chaos ${chaosId} by hand (DELETE ${path}) if it is still active.`;
  const deleted = await client.request('DELETE', path, { signal });
  expectStatus(client, deleted, [200, 202, 204, 404], 'ROLLBACK_FAILED', fix);
  // The control plane may end the fault asynchronously: check a few times before calling it a failure.
  for (let attempt = 0; ; attempt++) {
    const check = await client.request('GET', path, { signal });
    if (check.status === 404) return;
    expectStatus(client, check, [200], 'ROLLBACK_FAILED', fix);
    const status = String(getPath(jsonBody(client, check, 'ROLLBACK_FAILED'), config.fields.chaos.status));
    if (config.chaosEndedStatuses.includes(status)) return;
    if (attempt >= 20) {
      throw new TesterError('ROLLBACK_FAILED', `${describeResponse(client, check)}: chaos ${chaosId} is still ${status} after DELETE. ${fix}`);
    }
    await ctx.clock.until(ctx.clock.now() + config.chaosPollInterval, signal);
  }
}

/** How long after its planned end a fault may still be reported as running before `ended` gives up. */
const END_GRACE_MS = 60_000;

/**
 * Resolves with the clock time at which the control plane reports the chaos ENDED/CANCELLED. Rejects with
 * `TIMEOUT` if that is not reported by the planned end plus {@link END_GRACE_MS}, or when the run aborts.
 */
function watchEnd(ctx: PluginContext<unknown>, client: HttpClient, config: ApiConfig, chaosId: string, durationMs: number): Promise<number> {
  const done = new AbortController();
  const signal = AbortSignal.any([ctx.signal, done.signal]);
  const endOf = (data: unknown, fallback: number): number => {
    const raw = getPath(data, config.fields.chaos.endedAt);
    const wall = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
    return Number.isNaN(wall) ? fallback : Math.min(ctx.clock.now(), clockFromWall(ctx, wall));
  };
  // Either the observer records the end (when it runs), or our own GET sees it first.
  const seen = ctx.timeline
    .waitFor((o) => (o.data as ChaosData).id === chaosId && config.chaosEndedStatuses.includes((o.data as ChaosData).status), {
      query: { kind: ObservationKinds.chaos },
      signal,
    })
    .then((o) => {
      const d = o.data as ChaosData;
      const wall = typeof d.endedAt === 'number' ? d.endedAt : typeof d.endedAt === 'string' ? Date.parse(d.endedAt) : NaN;
      return Number.isNaN(wall) ? o.receivedAt : Math.min(o.receivedAt, clockFromWall(ctx, wall));
    });
  const polled = (async () => {
    const path = fillPath(config.endpoints.chaosItem, { id: chaosId });
    for (;;) {
      try {
        const response = await client.request('GET', path, { signal });
        if (response.status === 404) return ctx.clock.now();
        if (response.status === 200) {
          const body = JSON.parse(response.text) as unknown;
          if (config.chaosEndedStatuses.includes(String(getPath(body, config.fields.chaos.status)))) return endOf(body, ctx.clock.now());
        }
      } catch (error) {
        if (signal.aborted) throw error;
        // Transient: the observer reports blindness; keep checking until the run ends.
      }
      await ctx.clock.until(ctx.clock.now() + config.chaosPollInterval, signal);
    }
  })();
  const deadline = ctx.clock.now() + durationMs + END_GRACE_MS;
  const timedOut = ctx.clock.until(deadline, signal).then(() => {
    throw new TesterError('TIMEOUT', `chaos ${chaosId} was not reported ENDED/CANCELLED by ${client.redactor.text(client.baseUrl.href)} within ${(durationMs + END_GRACE_MS) / 1000}s of its start; check the control plane and end it by hand if it is still active.`);
  });
  timedOut.catch(() => undefined);
  const ended = Promise.race([seen, polled, timedOut]).finally(() => done.abort());
  seen.catch(() => undefined);
  polled.catch(() => undefined);
  return ended;
}

/** `CHAOS`: reads the plugin's parsed options as `ctx.config`. */
export const chaosAction: ActionDefinition<ChaosParams, ApiConfig> = {
  schema: chaosParamsSchema,
  description: 'Injects a fault through the control plane (POST chaos); rollback DELETEs it and verifies.',
  systems: (p) => [p.system],
  injectsFaults: true,
  async run(ctx: ActionContext<ApiConfig>, p) {
    const config = ctx.config;
    const client = actionClient(ctx, config);
    const chaosId = `tester-${randomUUID()}`;
    const data: ChaosLedgerData = { baseUrl: client.redactor.text(client.baseUrl.href), chaosId, system: p.system, fault: p.fault };
    const handle = await ctx.ledger.record({
      action: 'CHAOS',
      description: `chaos ${chaosId} (${p.fault} on ${p.system}) at ${data.baseUrl}`,
      data: { ...data },
    });
    const body = { id: chaosId, system: p.system, fault: p.fault, duration: p.duration / 1000, ...(p.params ? { params: p.params } : {}) };
    // The fault can start no earlier than the request, and may start before its answer arrives: reactions seen
    // between the two (a fast control plane fires its policy in milliseconds) belong to the fault.
    const startedAt = ctx.clock.now();
    try {
      const response = await client.request('POST', config.endpoints.chaos, { body, signal: ctx.signal });
      expectStatus(client, response, [200, 201, 202], 'ACTION_FAILED', 'Check the fault name, system and params against the control plane.');
      const returned = getPath(jsonBody(client, response, 'ACTION_FAILED'), config.fields.chaos.id);
      if (returned !== undefined && String(returned) !== chaosId) {
        throw new TesterError('ACTION_FAILED', `${describeResponse(client, response)}: the control plane ignored the client-chosen chaos id ${chaosId}; it must honour "id" so the ledger can undo the fault.`);
      }
    } catch (error) {
      // The POST may have reached the control plane: try to undo it now, and keep the ledger entry if that fails.
      try {
        await endChaos(client, config, chaosId, ctx, AbortSignal.timeout(config.requestTimeout * 3));
        await handle.strike();
      } catch {
        ctx.logger.warn(`chaos ${chaosId} may still be active; tester cleanup will retry`, { chaosId });
      } finally {
        await client.close().catch(() => undefined);
      }
      throw error instanceof TesterError
        ? error
        : new TesterError('ACTION_FAILED', `CHAOS ${ctx.actionId}: ${(error as Error).message}`, { cause: error });
    }
    const fault: InjectedFault = { id: chaosId, system: p.system, fault: p.fault, startedAt, ended: watchEnd(ctx, client, config, chaosId, p.duration) };
    // The client serves both the end watch and the rollback: close it once both are over.
    let users = 2;
    const release = () => void (--users === 0 && client.close().catch(() => undefined));
    fault.ended.then(release, release);
    return {
      summary: `POST ${config.endpoints.chaos} -> chaos ${chaosId} (${p.fault} on ${p.system} for ${p.duration / 1000}s)`,
      faults: [fault],
      rollback: {
        description: `DELETE chaos ${chaosId}`,
        async run(signal) {
          try {
            await endChaos(client, config, chaosId, ctx, signal);
            await handle.strike();
          } finally {
            release();
          }
        },
      },
    };
  },
  async recover(entry: LedgerEntry, ctx: PluginContext<ApiConfig>) {
    const data = entry.data as unknown as ChaosLedgerData;
    const config = { ...ctx.config, baseUrl: data.baseUrl };
    const client = actionClient(ctx, config);
    try {
      await endChaos(client, config, data.chaosId, ctx, AbortSignal.timeout(config.requestTimeout * 5));
    } finally {
      await client.close();
    }
  },
};
