/**
 * `TOXIC`: adds one toxic to a Toxiproxy proxy for `duration`. The toxic's name is unique and chosen here, so the
 * ledger entry is written BEFORE the POST (a run killed mid-request still leaves something `tester cleanup` can
 * undo), and the undo removes exactly that toxic and nothing else. Its end is a deadline on the run's clock.
 */
import { randomUUID } from 'node:crypto';
import { durationSchema, formatMs, z, type ActionContext, type ActionDefinition, type LedgerEntry, type PluginContext, TesterError } from '@tester/core';
import { ToxiproxyClient, describeAnswer } from '../client';
import { timedFault } from '@tester/core';
import { type ATTRIBUTE_NAMES, TOXICS, TOXIC_TYPES, attributeProblems } from '../toxics';
import type { ToxiproxyConfig } from '../options';
import { recoverClient, requireProxy, type ToxiproxyLedgerData } from './common';

const attribute = (what: string) => z.int().min(0).optional().describe(what);

/** The toxic's attributes, as Toxiproxy names them; which ones a toxic takes is checked against `toxic`. */
const attributesSchema = z.strictObject({
  latency: attribute('latency: added delay, ms'),
  jitter: attribute('latency: ± random variation of the delay, ms'),
  rate: attribute('bandwidth: KB/s'),
  delay: attribute('slow_close: ms before closing; slicer: MICROseconds between slices'),
  timeout: attribute('timeout: ms before closing (0: never); reset_peer: ms before the reset (0: at once)'),
  average_size: attribute('slicer: average slice size, bytes'),
  size_variation: attribute('slicer: ± variation of the slice size, bytes'),
  bytes: attribute('limit_data: bytes let through before closing'),
} satisfies Record<(typeof ATTRIBUTE_NAMES)[number], unknown>);

export const toxicParamsSchema = z
  .strictObject({
    /** The Toxiproxy proxy to degrade (`mariadb`). */
    proxy: z.string().min(1),
    /** The toxic type. */
    toxic: z.enum(TOXIC_TYPES),
    /** The toxic's attributes (`{ latency: 300, jitter: 50 }`). @default {} */
    attributes: attributesSchema.prefault({}),
    /** Share of connections the toxic applies to, 0 to 1. @default 1 */
    toxicity: z.number().min(0).max(1).default(1),
    /** `downstream` (server to client) or `upstream` (client to server). @default 'downstream' */
    stream: z.enum(['upstream', 'downstream']).default('downstream'),
    /** How long the toxic stays; tester removes it at this deadline. */
    duration: durationSchema,
    /** The system the fault is about (for scheduling, windows, settling and time to recover). */
    system: z.string().min(1),
  })
  .superRefine((params, ctx) => {
    for (const problem of attributeProblems(params.toxic, params.attributes)) {
      ctx.addIssue({ code: 'custom', path: ['attributes', problem.key], message: problem.message, input: params.attributes });
    }
  });
export type ToxicParams = z.output<typeof toxicParamsSchema>;

/** Removes the toxic, then checks with GET that it is gone. A proxy or toxic that is already gone is success. */
async function removeAndVerify(client: ToxiproxyClient, proxy: string, toxic: string, signal: AbortSignal): Promise<void> {
  await client.removeToxic(proxy, toxic, signal);
  const left = await client.toxics(proxy, 'ROLLBACK_FAILED', signal);
  if (left?.some((t) => t.name === toxic)) {
    throw new TesterError('ROLLBACK_FAILED', `toxic ${toxic} is still on proxy ${proxy} at ${client.baseUrl} after DELETE; remove it by hand: curl -X DELETE ${client.baseUrl}/proxies/${proxy}/toxics/${toxic}`);
  }
}

export function toxicAction(): ActionDefinition<ToxicParams, ToxiproxyConfig> {
  return {
    schema: toxicParamsSchema,
    description: 'Adds a Toxiproxy toxic (latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data) to a proxy for `duration`; removes exactly that toxic at the deadline and on rollback.',
    systems: (p) => [p.system],
    injectsFaults: true,
    async run(ctx: ActionContext<ToxiproxyConfig>, p) {
      const config = ctx.config;
      const client = new ToxiproxyClient(config);
      await requireProxy(client, p.proxy, ctx.signal);
      const name = `tester-${randomUUID()}`;
      const attributes = Object.fromEntries(Object.entries(p.attributes).filter(([, v]) => v !== undefined)) as Record<string, number>;
      const data: ToxiproxyLedgerData = { url: client.baseUrl, proxy: p.proxy, system: p.system, toxic: name, type: p.toxic };
      const handle = await ctx.ledger.record({
        action: 'TOXIC',
        description: `toxic ${name} (${p.toxic} ${p.stream} on proxy ${p.proxy}, for ${p.system}) at ${client.baseUrl}`,
        data: { ...data },
      });
      let added;
      try {
        added = await client.addToxic(p.proxy, { name, type: p.toxic, stream: p.stream, toxicity: p.toxicity, attributes }, ctx.signal);
      } catch (error) {
        // The POST may have reached Toxiproxy: undo it now, and keep the ledger entry if that fails.
        try {
          await removeAndVerify(client, p.proxy, name, AbortSignal.timeout(config.requestTimeout * 2));
          await handle.strike();
        } catch {
          ctx.logger.warn(`toxic ${name} may still be on proxy ${p.proxy}; tester cleanup will retry`, { toxic: name });
        }
        throw error instanceof TesterError ? error : new TesterError('ACTION_FAILED', `TOXIC ${ctx.actionId}: ${(error as Error).message}`, { cause: error });
      }
      const startedAt = ctx.clock.now();
      const { fault, rollback } = timedFault({
        ctx,
        id: name,
        system: p.system,
        fault: TOXICS[p.toxic].fault,
        startedAt,
        durationMs: p.duration,
        undo: (signal) => removeAndVerify(client, p.proxy, name, signal),
        handle,
        undoDescription: `remove toxic ${name} from proxy ${p.proxy}`,
        endAttempts: config.endAttempts,
        attemptTimeoutMs: config.requestTimeout * 2,
        ref: { type: 'http', method: 'POST', url: added.answer.url, status: added.answer.status, excerpt: added.answer.excerpt },
      });
      return {
        summary: `${describeAnswer(added.answer).split(' (')[0]}: toxic ${name} (${p.toxic} ${p.stream} ${JSON.stringify(added.toxic.attributes)}, toxicity ${p.toxicity}) for ${formatMs(p.duration)}`,
        faults: [fault],
        rollback,
      };
    },
    async recover(entry: LedgerEntry, ctx: PluginContext<ToxiproxyConfig>) {
      const data = entry.data as unknown as ToxiproxyLedgerData;
      if (!data.toxic) throw new TesterError('ROLLBACK_FAILED', `ledger entry ${entry.id} names no toxic; inspect it and clean up by hand`);
      const client = recoverClient(ctx, data.url);
      await removeAndVerify(client, data.proxy, data.toxic, AbortSignal.timeout(ctx.config.requestTimeout * 3));
    },
  };
}
