import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineConfig, type TesterConfig } from './config';
import { PLUGIN_API_VERSION, type TesterPlugin, defineAction, defineAssertion, definePlugin } from './contract';
import type { Observation } from './observation';

describe('definePlugin', () => {
  it('infers the config type from the config schema and passes it to every hook', () => {
    const plugin = definePlugin({
      name: 'p',
      apiVersion: PLUGIN_API_VERSION,
      config: z.object({ url: z.string(), pollMs: z.number().default(500) }),
      observers: {
        api: {
          start(ctx) {
            expectTypeOf(ctx.config).toEqualTypeOf<{ url: string; pollMs: number }>();
            expectTypeOf(ctx.record).parameter(0).toHaveProperty('kind');
            const o = ctx.record({ kind: 'event', data: { n: 1 }, ref: { type: 'runtime', detail: 'x' } });
            expectTypeOf(o).toEqualTypeOf<Observation<{ n: number }>>();
            return { ready: async () => {}, barrier: async () => {}, stop: async () => {} };
          },
        },
      },
    });
    expectTypeOf(plugin).toEqualTypeOf<TesterPlugin<{ url: string; pollMs: number }>>();
  });

  it('requires name and apiVersion, and an observer session with ready/barrier/stop', () => {
    // @ts-expect-error name is required
    definePlugin({ apiVersion: PLUGIN_API_VERSION });
    // @ts-expect-error apiVersion is required
    definePlugin({ name: 'p' });
    definePlugin({
      name: 'p',
      apiVersion: 1,
      // @ts-expect-error barrier and stop are missing
      observers: { o: { start: () => ({ ready: async () => {} }) } },
    });
  });

  it('types action params and assertion items from their schemas with defineAction/defineAssertion', () => {
    const chaos = defineAction({
      schema: z.object({ system: z.string(), duration: z.number() }),
      systems: (p) => [p.system],
      async run(ctx, params) {
        expectTypeOf(params).toEqualTypeOf<{ system: string; duration: number }>();
        expectTypeOf(ctx.actionId).toBeString();
        return { summary: 'ok', rollback: { description: 'undo', run: async (signal: AbortSignal) => void signal } };
      },
    });
    const events = defineAssertion({
      schema: z.object({ type: z.string(), count: z.number().optional() }),
      create(item, ctx) {
        expectTypeOf(item).toEqualTypeOf<{ type: string; count?: number | undefined }>();
        expectTypeOf(ctx.section).toBeString();
        return { description: item.type, sources: ['kafka'], needsClosedWindow: true, verdict: () => ({ status: 'pending' as const }) };
      },
    });
    definePlugin({ name: 'p', apiVersion: 1, actions: { CHAOS: chaos }, assertions: { events } });
    defineAssertion({
      schema: z.object({}),
      // @ts-expect-error a verdict must be pending or carry message and evidence
      create: () => ({ description: 'x', sources: [], needsClosedWindow: false, verdict: () => ({ status: 'passed' }) }),
    });
  });
});

describe('defineConfig', () => {
  it('accepts plugins as objects, names and [name, options] tuples, defaults and per-plugin blocks', () => {
    const config = defineConfig({
      plugins: ['api', ['kafka', { brokers: ['127.0.0.1:9092'] }], definePlugin({ name: 'x', apiVersion: 1 })],
      defaults: { timeout: '2m', concurrency: 2, failFast: true },
      reporters: ['console', ['json', { outputFile: 'out/report.json' }]],
      api: { url: 'http://127.0.0.1:8080' },
    });
    expectTypeOf(config).toExtend<TesterConfig>();
    expectTypeOf(config.api).toEqualTypeOf<{ readonly url: 'http://127.0.0.1:8080' }>();
  });

  it('rejects wrong defaults', () => {
    // @ts-expect-error timeout is a number or a duration string
    defineConfig({ defaults: { timeout: true } });
    // @ts-expect-error unknown default
    defineConfig({ defaults: { timeot: 5 } });
  });

  it('rejects what the config schema rejects (config.test.ts checks the same configs at run time)', () => {
    // @ts-expect-error a reporter's options are { outputFile } only
    defineConfig({ reporters: [['json', { file: 'out/report.json' }]] });
    // @ts-expect-error a tuple's options are an object
    defineConfig({ plugins: [['kafka', 3]] });
    // @ts-expect-error a plugin key holds a block (a mapping) or a bound value, not a list
    defineConfig({ kafak: ['127.0.0.1:9092'] });
  });
});
