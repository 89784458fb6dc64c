/**
 * A complete third-party plugin, written as its author would with `@tester/core` alone: every item is typed from its
 * own schema inside `definePlugin({...})` (no defineAction/defineAssertion), and misusing an item's field does not
 * compile (each `@ts-expect-error` line must be an error, or this file fails to typecheck).
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ActionContext,
  type AssertionCreateContext,
  type EvaluationContext,
  type Interest,
  type LedgerEntry,
  type Observation,
  type ObserverSession,
  type PluginContext,
  type TesterPlugin,
  type Verdict,
  InterestKinds,
  ObservationKinds,
  PLUGIN_API_VERSION,
  PollLoop,
  definePlugin,
  z,
} from './index';

const configSchema = z.strictObject({ url: z.string(), pollMs: z.number().default(500) });
type Config = z.output<typeof configSchema>;

const queueLength = (url: string, signal: AbortSignal) => Promise.resolve({ url, length: 3, signal });

describe('a third-party plugin typed per key inside definePlugin', () => {
  it('types the config, each action params, each section item, and their hooks', () => {
    const plugin = definePlugin({
      name: 'tester-plugin-queue',
      apiVersion: PLUGIN_API_VERSION,
      config: configSchema,
      options: { url: 'http://127.0.0.1:15672', pollMs: 500 },
      observers: {
        queue: {
          source: 'queue',
          start(ctx) {
            expectTypeOf(ctx.config).toEqualTypeOf<Config>();
            expectTypeOf(ctx.interests).toEqualTypeOf<readonly Interest[]>();
            const loop = new PollLoop({
              ctx,
              fastMs: 100,
              slowMs: ctx.config.pollMs,
              readyTimeoutMs: 5_000,
              label: 'the queue observer',
              readyHint: 'Check that the broker is up.',
              async poll(signal) {
                const { length } = await queueLength(ctx.config.url, signal);
                ctx.record({ kind: 'queue.length', subject: 'orders', data: { length }, ref: { type: 'custom', summary: `orders has ${length}` } });
                return { changed: true };
              },
            });
            const session = loop.session(async () => {});
            expectTypeOf(session).toEqualTypeOf<ObserverSession>();
            return session;
          },
        },
      },
      actions: {
        PURGE: {
          schema: z.strictObject({ queue: z.string(), keep: z.number().int().default(0) }),
          description: 'purges a queue',
          systems: (params) => {
            expectTypeOf(params).toEqualTypeOf<{ queue: string; keep: number }>();
            return [params.queue];
          },
          async run(ctx, params) {
            expectTypeOf(ctx).toEqualTypeOf<ActionContext<Config>>();
            expectTypeOf(params).toEqualTypeOf<{ queue: string; keep: number }>();
            // @ts-expect-error `keep` is a number, not a string
            params.keep.toUpperCase();
            // @ts-expect-error PURGE has no `system` field (that is PAUSE's)
            void params.system;
            const handle = await ctx.ledger.record({ action: 'PURGE', description: `purge ${params.queue}`, data: { queue: params.queue } });
            return { summary: `purged ${params.queue}`, rollback: { description: 'nothing to undo', run: () => handle.strike() } };
          },
          async recover(entry, ctx) {
            expectTypeOf(entry).toEqualTypeOf<LedgerEntry>();
            expectTypeOf(ctx).toEqualTypeOf<PluginContext<Config>>();
          },
        },
        PAUSE: {
          schema: z.strictObject({ system: z.string(), seconds: z.number() }),
          injectsFaults: true,
          async run(ctx, params) {
            expectTypeOf(params).toEqualTypeOf<{ system: string; seconds: number }>();
            // @ts-expect-error PAUSE has no `queue` field (that is PURGE's)
            void params.queue;
            const startedAt = ctx.clock.now();
            const ended = ctx.clock.until(startedAt + params.seconds * 1000).then(() => ctx.clock.now());
            return { faults: [{ id: 'p1', system: params.system, fault: 'PAUSE', startedAt, ended }] };
          },
        },
      },
      assertions: {
        queue_length: {
          schema: z.strictObject({ queue: z.string(), max: z.number(), within: z.number().optional() }),
          needsFault(item) {
            expectTypeOf(item).toEqualTypeOf<{ queue: string; max: number; within?: number | undefined }>();
            return item.within === undefined ? undefined : 'queue_length within measures from a fault';
          },
          interests(item) {
            expectTypeOf(item).toEqualTypeOf<{ queue: string; max: number; within?: number | undefined }>();
            return [{ source: 'queue', kind: InterestKinds.promql, value: `queue_length{queue="${item.queue}"}` }];
          },
          create(item, ctx) {
            expectTypeOf(item).toEqualTypeOf<{ queue: string; max: number; within?: number | undefined }>();
            expectTypeOf(ctx).toEqualTypeOf<AssertionCreateContext<Config>>();
            // @ts-expect-error `queue` is a string, not a number
            item.queue.toFixed();
            let seen: Observation | undefined;
            return {
              description: `${item.queue} stays under ${item.max}`,
              sources: ['queue'],
              needsClosedWindow: false,
              observe(o) {
                if (o.kind === 'queue.length' && o.subject === item.queue) seen = o;
              },
              verdict(vctx): Verdict {
                expectTypeOf(vctx).toEqualTypeOf<EvaluationContext>();
                const length = (seen?.data as { length: number } | undefined)?.length;
                if (length === undefined) return { status: 'pending', waitingFor: `a length of ${item.queue}` };
                if (length > item.max) return { status: 'failed', message: `${item.queue} has ${length}`, evidence: [seen!.seq] };
                return { status: 'passed', message: `${item.queue} has ${length}`, evidence: [seen!.seq], provisional: !vctx.window.closed };
              },
            };
          },
        },
        drained: {
          schema: z.strictObject({ queue: z.string() }),
          create(item) {
            expectTypeOf(item).toEqualTypeOf<{ queue: string }>();
            // @ts-expect-error `drained` has no `max` (that is queue_length's)
            void item.max;
            return {
              description: `${item.queue} drains`,
              sources: ['queue'],
              needsClosedWindow: true,
              verdict: (vctx) =>
                vctx.timeline.query({ kind: ObservationKinds.event, subject: `${item.queue}.drained` }).length
                  ? { status: 'passed', message: 'drained', evidence: [] }
                  : { status: 'pending' },
            };
          },
        },
      },
    });
    expectTypeOf(plugin).toEqualTypeOf<TesterPlugin<Config>>();
  });

  it('refuses hooks of the wrong shape, per key', () => {
    definePlugin({
      name: 'p',
      apiVersion: PLUGIN_API_VERSION,
      actions: {
        A: {
          schema: z.strictObject({ n: z.number() }),
          // @ts-expect-error systems gets A's params: `n` is a number, and systems must answer strings
          systems: (params) => [params.n],
          run: async () => {},
        },
      },
      assertions: {
        s: {
          schema: z.strictObject({ q: z.string() }),
          // @ts-expect-error needsFault answers a reason (a string) or undefined, not a boolean
          needsFault: (item) => item.q.length > 0,
          // @ts-expect-error interests get s's item: `q.length` is a number, and an interest's value is a string
          interests: (item) => [{ source: 'queue', kind: 'k', value: item.q.length }],
          create: (item) => ({ description: item.q, sources: [], needsClosedWindow: false, verdict: () => ({ status: 'pending' }) }),
        },
      },
    });
  });
});
