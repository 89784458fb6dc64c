/**
 * The observer declares `share: 'stream'`: through core's observer pool, the scenarios of one process share one
 * session (one consumer group), and each scenario's view holds exactly the records produced from its own ready() on.
 * On the shared broker, with producers sending without pause while the second view starts.
 */
import type { EventData, ObserverSession } from '@tester/core';
import { createObserverPool, type ObserverPool } from '@tester/core/runner';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaPlugin } from '../src/index';
import { createHarness, type Harness } from './harness';
import { createTopic, eventJson, openProducer, randomTopic, sharedBootstrap } from './kafka-helpers';

const PARTITIONS = 3;
const open: { pool: ObserverPool; views: ObserverSession[] }[] = [];
afterEach(async () => {
  for (const { pool, views } of open.splice(0)) {
    await Promise.all(views.map((v) => v.stop()));
    await pool.close();
  }
});

const ids = (h: Harness) => h.observations.map((o) => (o.data as EventData).id!);

describe('kafka observer shared by the scenarios of a process', () => {
  it('one session for two views; the later view holds every record produced after its ready() and none from before its start', { timeout: 60_000 }, async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic('shared');
    await createTopic(bootstrap, topic, PARTITIONS);
    const plugin = kafkaPlugin({ brokers: bootstrap, topics: [topic] });
    const definition = plugin.observers!.kafka!;
    const pool = createObserverPool();
    const entry = { pool, views: [] as ObserverSession[] };
    open.push(entry);
    const join = (h: Harness) => {
      const view = pool.join(plugin, 'kafka', definition, h.ctx);
      if (!view) throw new Error('the kafka observer was not shared');
      entry.views.push(view);
      return view;
    };

    const a = createHarness({ config: plugin.options });
    const viewA = join(a);
    await viewA.ready();

    const producers = await Promise.all(Array.from({ length: PARTITIONS }, () => openProducer(bootstrap)));
    try {
      let phase: 'before' | 'starting' | 'ready' = 'before';
      let producing = true;
      const sent = { before: [] as string[], ready: [] as string[] };
      let enough!: () => void;
      const enoughSent = new Promise<void>((resolve) => (enough = resolve));
      const production = producers.map(async (producer, partition) => {
        for (let n = 0; producing; n++) {
          const at = phase;
          const id = `p${partition}-${n}`;
          await producer.send(topic, [{ partition, value: eventJson('TICK', n, { id }) }]);
          // Acknowledged before the second view started: below the high watermark its join reads.
          if (at === 'before' && phase === 'before' && sent.before.push(id) >= 3 * PARTITIONS) phase = 'starting';
          if (at === 'ready' && sent.ready.push(id) >= 4 * PARTITIONS) enough();
        }
      });
      while (phase === 'before') await new Promise((resolve) => setImmediate(resolve));
      const b = createHarness({ config: plugin.options });
      const viewB = join(b);
      await viewB.ready();
      phase = 'ready';
      await enoughSent;
      producing = false;
      await Promise.all(production);
      await Promise.all([viewA.barrier(a.ctx.clock.now(), a.ctx.signal), viewB.barrier(b.ctx.clock.now(), b.ctx.signal)]);

      expect(pool.sessionsStarted()).toEqual({ [`${plugin.name}/kafka`]: 1 });
      const seenByB = new Set(ids(b));
      expect(sent.ready.filter((id) => !seenByB.has(id)), 'sent after the view was ready, not in its timeline').toEqual([]);
      expect(sent.before.filter((id) => seenByB.has(id)), 'sent before the view started, in its timeline').toEqual([]);
      // Exactly once each, and the earlier view saw everything from its own start on.
      expect(ids(b)).toHaveLength(seenByB.size);
      const seenByA = new Set(ids(a));
      expect([...sent.before, ...sent.ready].filter((id) => !seenByA.has(id))).toEqual([]);
      expect(ids(a)).toHaveLength(seenByA.size);
    } finally {
      await Promise.all(producers.map((p) => p.close()));
    }
  });
});
