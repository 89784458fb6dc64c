/**
 * What the control plane really publishes during a real CONNECTION_LOSS on `mysql-3`: every event once, in
 * order, nothing missing. A PRIVATE control plane (on the shared broker and MariaDB, its own topic): on the
 * shared one, other suites' faults on the same system would make the incident's events unpredictable.
 */
import type { ObserverSession } from '@tester/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../../../scripts/stack/index.mjs';
import { kafkaPlugin } from '../src/index';
import { eventsOf, expectContiguous, injectConnectionLoss, inOrder, typesOf } from './control-plane-helpers';
import { createHarness } from './harness';
import { sharedBootstrap } from './kafka-helpers';

const SYSTEM = 'mysql-3';

let controlPlane: Awaited<ReturnType<typeof startControlPlane>>;
beforeAll(async () => {
  controlPlane = await startControlPlane({ port: 0, systems: 3 });
});
afterAll(async () => {
  await controlPlane?.stop();
});

const sessions: ObserverSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

describe('kafka observer on the control plane', () => {
  it('sees every event of a real CONNECTION_LOSS on mysql-3 exactly once and in order', { timeout: 120_000 }, async () => {
    const { url, topic } = controlPlane;
    const bootstrap = sharedBootstrap();
    const plugin = kafkaPlugin({ brokers: bootstrap, topics: [topic] });
    const h = createHarness({ config: plugin.options });
    const session = await plugin.observers!.kafka!.start(h.ctx);
    sessions.push(session);
    await session.ready();

    const chaosId = await injectConnectionLoss(url, SYSTEM, h.ctx.runId, 2);
    await h.until(
      () => {
        const types = typesOf(eventsOf(h, chaosId));
        return types.includes('CHAOS_ENDED') && types.includes('CONNECTION_RESTORED') && types.includes('STATE_CHANGED:CONNECTED');
      },
      60_000,
      `the control plane to end chaos ${chaosId} and recover ${SYSTEM}`,
    );
    await session.barrier(h.ctx.clock.now(), h.ctx.signal);

    const events = eventsOf(h, chaosId);
    const types = events.map((e) => e.data.type);
    expect(events.every((e) => e.data.system === SYSTEM)).toBe(true);
    expect(inOrder(types, ['CHAOS_STARTED', 'CONNECTION_LOST', 'CHAOS_ENDED', 'CONNECTION_RESTORED']), types.join(' ')).toBe(true);
    for (const once of ['CHAOS_STARTED', 'CONNECTION_LOST', 'CHAOS_ENDED', 'CONNECTION_RESTORED']) {
      expect(types.filter((t) => t === once), once).toHaveLength(1);
    }
    // Exactly once: no event id twice; in order: offsets rise (one key, one partition).
    const ids = events.map((e) => e.data.id);
    expect(new Set(ids).size).toBe(ids.length);
    const offsets = events.map((e) => Number(e.ref.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.ref.partition)).size).toBe(1);
    await expectContiguous(h, bootstrap, topic);
    expect(h.observations.filter((o) => o.kind === 'event.decode-error')).toEqual([]);
    expect(h.blindness).toEqual([]);
  });
});
