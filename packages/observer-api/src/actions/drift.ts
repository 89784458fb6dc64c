/**
 * `DRIFT`: creates drift by changing a resource's desired state (PUT). The previous desired value is read
 * first and written to the ledger before the PUT; rollback PUTs it back and verifies with a GET.
 */
import { z, type ActionContext, type ActionDefinition, type JsonValue, type LedgerEntry, type PluginContext, TesterError } from '@tester/core';
import type { ApiConfig } from '../config';
import type { HttpClient } from '../http-client';
import { fillPath, jsonEqual } from '../json-path';
import { actionClient, describeResponse, expectStatus, jsonBody } from './common';

export const driftParamsSchema = z.strictObject({
  /** The resource whose desired state changes (`mysql.max_connections`). */
  resource: z.string().min(1),
  /** The new desired value (any JSON). */
  desired: z.unknown().refine((v) => v !== undefined, { message: 'desired is required' }),
});
export type DriftParams = z.output<typeof driftParamsSchema>;

interface DriftLedgerData {
  baseUrl: string;
  resource: string;
  previous: JsonValue;
}

/** PUTs `previous` back and checks that the control plane now holds it. */
async function restore(client: HttpClient, config: ApiConfig, data: DriftLedgerData, signal: AbortSignal): Promise<void> {
  const path = fillPath(config.endpoints.desired, { resource: data.resource });
  const fix = `Set the desired state of ${data.resource} back to ${JSON.stringify(data.previous)} by hand.`;
  const put = await client.request('PUT', path, { body: JSON.stringify(data.previous), signal });
  expectStatus(client, put, [200, 201, 204], 'ROLLBACK_FAILED', fix);
  const check = await client.request('GET', path, { signal });
  expectStatus(client, check, [200], 'ROLLBACK_FAILED', fix);
  const now = jsonBody(client, check, 'ROLLBACK_FAILED');
  if (!jsonEqual(now, data.previous)) {
    throw new TesterError('ROLLBACK_FAILED', `${describeResponse(client, check)}: desired state of ${data.resource} is not the restored value. ${fix}`);
  }
}

/** `DRIFT`: reads the plugin's parsed options as `ctx.config`. */
export const driftAction: ActionDefinition<DriftParams, ApiConfig> = {
  schema: driftParamsSchema,
  description: 'Changes a resource desired state (PUT); rollback restores the previous value.',
  async run(ctx: ActionContext<ApiConfig>, p) {
    const config = ctx.config;
    const client = actionClient(ctx, config);
    const path = fillPath(config.endpoints.desired, { resource: p.resource });
    const before = await client.request('GET', path, { signal: ctx.signal });
    expectStatus(client, before, [200], 'ACTION_FAILED', `Check that resource "${p.resource}" exists; its previous desired state is needed to roll back.`);
    const previous = jsonBody(client, before, 'ACTION_FAILED') as JsonValue;
    const data: DriftLedgerData = { baseUrl: client.redactor.text(client.baseUrl.href), resource: p.resource, previous };
    const handle = await ctx.ledger.record({
      action: 'DRIFT',
      description: `desired state of ${p.resource} changed at ${data.baseUrl} (was ${JSON.stringify(previous)})`,
      data: { ...data },
    });
    const put = await client.request('PUT', path, { body: JSON.stringify(p.desired), signal: ctx.signal });
    expectStatus(client, put, [200, 201, 204], 'ACTION_FAILED', 'Check the desired value against the control plane.');
    return {
      summary: `PUT ${path} ${JSON.stringify(p.desired)} (was ${JSON.stringify(previous)})`,
      rollback: {
        description: `restore desired state of ${p.resource}`,
        async run(signal) {
          try {
            await restore(client, config, data, signal);
            await handle.strike();
          } finally {
            await client.close();
          }
        },
      },
    };
  },
  async recover(entry: LedgerEntry, ctx: PluginContext<ApiConfig>) {
    const data = entry.data as unknown as DriftLedgerData;
    const config = { ...ctx.config, baseUrl: data.baseUrl };
    const client = actionClient(ctx, config);
    try {
      await restore(client, config, data, AbortSignal.timeout(config.requestTimeout * 3));
    } finally {
      await client.close();
    }
  },
};
