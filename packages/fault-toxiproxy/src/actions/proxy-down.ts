/**
 * `PROXY_DOWN`: disables a Toxiproxy proxy for `duration` (Toxiproxy closes its connections and stops listening:
 * clients get "connection refused"), then enables it again. It refuses a proxy that is already disabled, so the
 * undo only ever re-enables what this action disabled. Ledger entry first, end on the run's clock.
 */
import { durationSchema, formatMs, z, type ActionContext, type ActionDefinition, type LedgerEntry, type PluginContext, TesterError } from '@tester/core';
import { ToxiproxyClient } from '../client';
import { timedFault } from '@tester/core';
import type { ToxiproxyConfig } from '../options';
import { recoverClient, requireProxy, type ToxiproxyLedgerData } from './common';

export const proxyDownParamsSchema = z.strictObject({
  /** The Toxiproxy proxy to take down (`mariadb`). */
  proxy: z.string().min(1),
  /** How long the proxy stays down; tester enables it again at this deadline. */
  duration: durationSchema,
  /** The system the fault is about (for scheduling, windows, settling and time to recover). */
  system: z.string().min(1),
});
export type ProxyDownParams = z.output<typeof proxyDownParamsSchema>;

/** Enables the proxy, then checks with GET that it is. A proxy that no longer exists has nothing to re-enable. */
async function enableAndVerify(client: ToxiproxyClient, proxy: string, signal: AbortSignal, warn: (m: string) => void): Promise<void> {
  const after = await client.setEnabled(proxy, true, 'ROLLBACK_FAILED', signal);
  if (!after) {
    warn(`proxy ${proxy} no longer exists at ${client.baseUrl}: nothing to re-enable`);
    return;
  }
  const check = await client.proxy(proxy, 'ROLLBACK_FAILED', signal);
  if (check && !check.enabled) {
    throw new TesterError('ROLLBACK_FAILED', `proxy ${proxy} at ${client.baseUrl} is still disabled after enabling it; enable it by hand: curl -X POST ${client.baseUrl}/proxies/${proxy} -d '{"enabled": true}'`);
  }
}

export function proxyDownAction(): ActionDefinition<ProxyDownParams, ToxiproxyConfig> {
  return {
    schema: proxyDownParamsSchema,
    description: 'Disables a Toxiproxy proxy for `duration` (connections refused), then enables it again; the rollback re-enables it.',
    systems: (p) => [p.system],
    injectsFaults: true,
    async run(ctx: ActionContext<ToxiproxyConfig>, p) {
      const config = ctx.config;
      const client = new ToxiproxyClient(config);
      const before = await requireProxy(client, p.proxy, ctx.signal);
      if (!before.enabled) {
        throw new TesterError('ACTION_FAILED', `proxy ${p.proxy} at ${client.baseUrl} is already disabled; tester takes down only a proxy it can bring back. Enable it first (or find who disabled it).`);
      }
      const data: ToxiproxyLedgerData = { url: client.baseUrl, proxy: p.proxy, system: p.system };
      const handle = await ctx.ledger.record({ action: 'PROXY_DOWN', description: `proxy ${p.proxy} disabled (for ${p.system}) at ${client.baseUrl}`, data: { ...data } });
      const warn = (m: string) => ctx.logger.warn(m, { proxy: p.proxy });
      try {
        const after = await client.setEnabled(p.proxy, false, 'ACTION_FAILED', ctx.signal);
        if (!after || after.enabled) {
          throw new TesterError('ACTION_FAILED', `POST ${client.baseUrl}/proxies/${p.proxy} {"enabled": false} did not disable it (${after ? 'still enabled' : 'proxy gone'})`);
        }
      } catch (error) {
        try {
          await enableAndVerify(client, p.proxy, AbortSignal.timeout(config.requestTimeout * 2), warn);
          await handle.strike();
        } catch {
          ctx.logger.warn(`proxy ${p.proxy} may still be disabled; tester cleanup will retry`, { proxy: p.proxy });
        }
        throw error instanceof TesterError ? error : new TesterError('ACTION_FAILED', `PROXY_DOWN ${ctx.actionId}: ${(error as Error).message}`, { cause: error });
      }
      const startedAt = ctx.clock.now();
      const { fault, rollback } = timedFault({
        ctx,
        id: `proxy-down-${p.proxy}-${ctx.actionId}`,
        system: p.system,
        fault: 'PROXY_DOWN',
        startedAt,
        durationMs: p.duration,
        undo: (signal) => enableAndVerify(client, p.proxy, signal, warn),
        handle,
        undoDescription: `enable proxy ${p.proxy}`,
        endAttempts: config.endAttempts,
        attemptTimeoutMs: config.requestTimeout * 2,
        ref: { type: 'http', method: 'POST', url: `${client.baseUrl}/proxies/${p.proxy}`, status: 200, excerpt: '{"enabled": false}' },
      });
      return { summary: `proxy ${p.proxy} disabled at ${client.baseUrl} for ${formatMs(p.duration)}`, faults: [fault], rollback };
    },
    async recover(entry: LedgerEntry, ctx: PluginContext<ToxiproxyConfig>) {
      const data = entry.data as unknown as ToxiproxyLedgerData;
      const client = recoverClient(ctx, data.url);
      await enableAndVerify(client, data.proxy, AbortSignal.timeout(ctx.config.requestTimeout * 3), (m) => ctx.logger.warn(m));
    },
  };
}
