import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../clock';
import { type LedgerEntry, PLUGIN_API_VERSION, definePlugin } from '../contract';
import { recoverEntry } from './recover';

const entry = (action: string): LedgerEntry => ({ id: 'l1', runId: 'r1', plugin: 'p', recordedAt: '2026-01-01T00:00:00Z', action, description: `${action} on mysql`, data: { id: 'c1' } });

describe('recoverEntry', () => {
  const recovered: unknown[] = [];
  const plugin = definePlugin({
    name: 'p',
    apiVersion: PLUGIN_API_VERSION,
    actions: {
      CHAOS: { schema: z.object({}), run: async () => {}, recover: async (e) => void recovered.push(e.data) },
      BROKEN: { schema: z.object({}), run: async () => {}, recover: async () => Promise.reject(new Error('404')) },
      HANGS: { schema: z.object({}), run: async () => {}, recover: () => new Promise<void>(() => {}) },
      PLAIN: { schema: z.object({}), run: async () => {} },
      LEAKY: {
        schema: z.object({}),
        run: async () => {},
        recover: async (_e, ctx) => {
          ctx.registerSecret('tok-12345');
          ctx.logger.warn('retrying with tok-12345');
          throw new Error('401 for tok-12345');
        },
      },
    },
  });

  it('calls the plugin recover with the entry', async () => {
    expect(await recoverEntry(entry('CHAOS'), { plugins: [plugin] })).toMatchObject({ status: 'passed' });
    expect(recovered).toEqual([{ id: 'c1' }]);
  });

  it('reports failures, timeouts and unsupported entries without throwing', async () => {
    expect(await recoverEntry(entry('BROKEN'), { plugins: [plugin] })).toMatchObject({
      status: 'failed',
      error: { code: 'PLUGIN_ERROR', message: 'plugin "p" failed in actions.BROKEN.recover: 404', plugin: 'p', hook: 'actions.BROKEN.recover' },
    });
    const clock = new ManualClock();
    const hanging = recoverEntry(entry('HANGS'), { plugins: [plugin], clock, timeoutMs: 1_000 });
    await clock.advance(1_000);
    expect(await hanging).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', message: 'recovering "HANGS on mysql" did not finish within 1000 ms' } });
    expect(await recoverEntry(entry('PLAIN'), { plugins: [plugin] })).toMatchObject({ status: 'unsupported', error: { message: 'plugin "p" cannot recover PLAIN entries: undo "PLAIN on mysql" by hand' } });
    expect(await recoverEntry(entry('NOPE'), { plugins: [plugin] })).toMatchObject({ status: 'unsupported', error: { code: 'PLUGIN_NOT_FOUND' } });
  });

  it('redacts what the plugin registered as secret, in its error and its log lines', async () => {
    const lines: string[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: (m: string) => void lines.push(m), error: () => {}, child: () => logger };
    const result = await recoverEntry(entry('LEAKY'), { plugins: [plugin], logger });
    expect(result).toMatchObject({ status: 'failed', error: { message: 'plugin "p" failed in actions.LEAKY.recover: 401 for ***', plugin: 'p', hook: 'actions.LEAKY.recover' } });
    expect(lines).toEqual(['retrying with ***']);
  });
});
