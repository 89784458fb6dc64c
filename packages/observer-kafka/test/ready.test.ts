/**
 * When `ready()` resolves, on the shared broker: as soon as the observer is positioned (not at the answer of its
 * first fetch, which on a quiet topic waits out a whole `maxWaitTime`), and never before: a record produced after
 * `ready()` resolved is always recorded, even one produced the moment it resolved.
 */
import type { EventData, ObserverSession } from '@tester/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaPlugin } from '../src/index';
import { createHarness } from './harness';
import { createTopic, eventJson, openProducer, randomTopic, sharedBootstrap } from './kafka-helpers';

const sessions: ObserverSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

const PARTITIONS = 3;

describe('kafka observer ready()', () => {
  it('resolves once positioned, without waiting for a fetch to answer on a quiet topic', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic('ready-fast');
    await createTopic(bootstrap, topic, PARTITIONS);
    // A long fetch wait (the liveness cap is maxBlind / 4, so maxBlind is raised with it): waiting for the first
    // fetch's answer would take all of it, since nothing is produced.
    const maxWaitMs = 5000;
    const plugin = kafkaPlugin({ brokers: bootstrap, topics: [topic], maxWaitTime: maxWaitMs / 1000, maxBlind: (4 * maxWaitMs) / 1000, readyTimeout: 30 });
    const h = createHarness({ config: plugin.options });
    const started = performance.now();
    const session = await plugin.observers!.kafka!.start(h.ctx);
    sessions.push(session);
    await session.ready();
    expect(performance.now() - started).toBeLessThan(maxWaitMs / 2);
  });

  it('records every event produced after ready() resolved, the first one included', { timeout: 60_000 }, async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic('ready-exact');
    await createTopic(bootstrap, topic, PARTITIONS);
    const producers = await Promise.all(Array.from({ length: PARTITIONS }, () => openProducer(bootstrap)));
    try {
      // One producer per partition sends without pause while each session starts, so a ready() that resolved before
      // the observer was positioned (start offsets resolved, every partition sought) would miss the records sent in
      // between.
      for (let round = 0; round < 5; round++) {
        let ready = false;
        let producing = true;
        const afterReady: string[] = [];
        let enough!: () => void;
        const enoughSent = new Promise<void>((resolve) => (enough = resolve));
        const production = producers.map(async (producer, partition) => {
          for (let n = 0; producing; n++) {
            const sentAfterReady = ready;
            const id = `r${round}-p${partition}-${n}`;
            await producer.send(topic, [{ partition, value: eventJson('TICK', n, { id }) }]);
            if (sentAfterReady && afterReady.push(id) >= 4 * PARTITIONS) enough();
          }
        });
        const plugin = kafkaPlugin({ brokers: bootstrap, topics: [topic] });
        const h = createHarness({ config: plugin.options });
        const session = await plugin.observers!.kafka!.start(h.ctx);
        sessions.push(session);
        await session.ready();
        ready = true;
        await enoughSent;
        producing = false;
        await Promise.all(production);
        await session.barrier(h.ctx.clock.now(), h.ctx.signal);
        const recorded = new Set(h.observations.map((o) => (o.data as EventData).id));
        expect(afterReady.filter((id) => !recorded.has(id)), `round ${round}: sent after ready(), not recorded`).toEqual([]);
      }
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
  });
});
