/**
 * The hardest case end to end: a PRIVATE broker and a PRIVATE control plane publishing to it; a real
 * CONNECTION_LOSS, and the broker restarted while the incident unfolds. The control plane's publisher holds its
 * events until the broker is back; the observer must still record each of them once, in order.
 */
import type { ObserverSession } from '@tester/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, startKafka } from '../../../scripts/stack/index.mjs';
import { kafkaPlugin } from '../src/index';
import { eventsOf, expectContiguous, injectConnectionLoss, inOrder, typesOf } from './control-plane-helpers';
import { createHarness } from './harness';

let broker: Awaited<ReturnType<typeof startKafka>>;
let controlPlane: Awaited<ReturnType<typeof startControlPlane>>;
let session: ObserverSession | undefined;

beforeAll(async () => {
  broker = await startKafka({ port: 0 });
  controlPlane = await startControlPlane({ port: 0, kafkaBootstrap: broker.bootstrap, systems: 1 });
});
afterAll(async () => {
  await session?.stop();
  await controlPlane?.stop();
  await broker?.stop();
});

describe('kafka observer, private control plane and broker', () => {
  it('records every event of an incident once and in order across a broker restart', { timeout: 240_000 }, async () => {
    const plugin = kafkaPlugin({ brokers: broker.bootstrap, topics: [controlPlane.topic], maxBlindMs: '120s', readyTimeoutMs: '60s' });
    const h = createHarness({ config: plugin.options });
    session = await plugin.observers!.kafka!.start(h.ctx);
    await session.ready();

    const chaosId = await injectConnectionLoss(controlPlane.url, 'mysql', h.ctx.runId, 3);
    await h.until(() => typesOf(eventsOf(h, chaosId)).includes('CONNECTION_LOST'), 30_000, 'CONNECTION_LOST');
    // The fault ends and the system recovers while the broker is away.
    await broker.restart();
    await h.until(
      () => {
        const types = typesOf(eventsOf(h, chaosId));
        return types.includes('CHAOS_ENDED') && types.includes('CONNECTION_RESTORED') && types.includes('STATE_CHANGED:CONNECTED');
      },
      120_000,
      `chaos ${chaosId} to end and mysql to recover, as seen through the restarted broker`,
    );
    await session.barrier(h.ctx.clock.now(), h.ctx.signal);

    const events = eventsOf(h, chaosId);
    const types = events.map((e) => e.data.type);
    expect(inOrder(types, ['CHAOS_STARTED', 'CONNECTION_LOST', 'CHAOS_ENDED', 'CONNECTION_RESTORED']), types.join(' ')).toBe(true);
    for (const once of ['CHAOS_STARTED', 'CONNECTION_LOST', 'CHAOS_ENDED', 'CONNECTION_RESTORED']) {
      expect(types.filter((t) => t === once), once).toHaveLength(1);
    }
    const ids = events.map((e) => e.data.id);
    expect(new Set(ids).size).toBe(ids.length);
    await expectContiguous(h, broker.bootstrap, controlPlane.topic);
  });
});
