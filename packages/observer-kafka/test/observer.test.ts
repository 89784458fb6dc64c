/**
 * The observer against the shared stack's real broker, on random topics: positioning, decoding, barrier
 * semantics and the publish action.
 */
import type { EventData, EventDecodeErrorData, ObserverSession } from '@tester/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaPlugin } from '../src/index';
import { RUN_HEADER } from '../src/publish-action';
import { createHarness, type Harness } from './harness';
import { createTopic, eventJson, highWatermarks, openProducer, randomTopic, sharedBootstrap } from './kafka-helpers';

const sessions: ObserverSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

async function observe(topic: string, extra: Record<string, unknown> = {}): Promise<{ h: Harness; session: ObserverSession }> {
  const plugin = kafkaPlugin({ brokers: sharedBootstrap(), topics: [topic], ...extra });
  const h = createHarness({ config: plugin.options });
  const session = await plugin.observers!.kafka!.start(h.ctx);
  sessions.push(session);
  await session.ready();
  return { h, session };
}

const events = (h: Harness) => h.observations.filter((o) => o.kind === 'event') as { data: EventData; ref: { partition: number; offset: string } }[];

describe('kafka observer on the shared broker', () => {
  it('ignores what was there before it started and records what is produced after, once each', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 3);
    const producer = await openProducer(bootstrap);
    try {
      await producer.send(topic, [0, 1, 2].map((n) => ({ key: `k${n}`, value: eventJson('OLD', n) })));
      const { h, session } = await observe(topic);
      await producer.send(topic, [3, 4, 5, 6, 7, 8].map((n) => ({ key: `k${n % 3}`, value: eventJson('NEW', n) })));
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      expect(events(h).map((e) => e.data.type)).toEqual(['NEW', 'NEW', 'NEW', 'NEW', 'NEW', 'NEW']);
      expect(new Set(events(h).map((e) => e.data.id))).toEqual(new Set(['e-3', 'e-4', 'e-5', 'e-6', 'e-7', 'e-8']));
    } finally {
      await producer.close();
    }
  });

  it('barrier(now) always includes events produced just before, on every partition', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 3);
    const { h, session } = await observe(topic);
    const producer = await openProducer(bootstrap);
    try {
      for (let round = 0; round < 5; round++) {
        const batch = Array.from({ length: 30 }, (_, i) => ({ key: `sys-${i}`, value: eventJson('TICK', round * 100 + i) }));
        await producer.send(topic, batch);
        // Immediately: no waiting between the ack and the barrier.
        await session.barrier(h.ctx.clock.now(), h.ctx.signal);
        expect(events(h)).toHaveLength((round + 1) * 30);
      }
      // Exactly once: per partition, the recorded offsets are exactly [0, high watermark).
      const hw = await highWatermarks(bootstrap, topic);
      for (const [partition, high] of hw) {
        const offsets = events(h)
          .filter((e) => e.ref.partition === partition)
          .map((e) => Number(e.ref.offset));
        expect(offsets).toEqual(Array.from({ length: high }, (_, i) => i));
      }
    } finally {
      await producer.close();
    }
  });

  it('has the timeline retain events as their records and read them back exactly as they were recorded', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 2);
    const { h, session } = await observe(topic);
    const producer = await openProducer(bootstrap);
    try {
      await producer.send(topic, [
        ...Array.from({ length: 40 }, (_, i) => ({ key: i % 2 ? `mysql-${i}` : `clé-☃-${i}`, value: eventJson('TICK', i) })),
        { value: JSON.stringify({ type: 'EXTRA', id: 7, system: 'mysql', unknown: [1, 2], payload: { note: 'naïve 𝄞' } }) },
        { key: 'with-headers', value: eventJson('HEADERS', 1), headers: { trace: 't-1' } },
      ]);
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      const recorded = h.observations.filter((o) => o.kind === 'event');
      expect(recorded).toHaveLength(42);
      expect(h.ctx.timeline.query({ kind: 'event' })).toStrictEqual(recorded);
      for (const o of recorded) {
        const read = h.ctx.timeline.get(o.seq);
        expect(read, `#${o.seq}`).toStrictEqual(o);
        // Rebuilt from its bytes on each read (packed), but for the record with headers, which stays the object.
        if ((o.data as EventData).type === 'HEADERS') expect(read).toBe(o);
        else expect(read).not.toBe(o);
      }
    } finally {
      await producer.close();
    }
  });

  it('keeps topic, partition, offset, key, headers and timestamp as the reference', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 1);
    const { h, session } = await observe(topic);
    const producer = await openProducer(bootstrap);
    try {
      const before = Date.now();
      await producer.send(topic, [{ key: 'mysql-3', value: eventJson('STATE_CHANGED', 1, { timestamp: '2026-01-02T03:04:05.000Z' }), headers: { h1: 'v1' } }]);
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      const [obs] = h.observations;
      expect(obs).toMatchObject({
        kind: 'event',
        subject: 'STATE_CHANGED',
        sourceTime: Date.parse('2026-01-02T03:04:05.000Z'),
        data: { id: 'e-1', type: 'STATE_CHANGED', system: 'test', correlationId: 'c', payload: { n: 1 } },
        ref: { type: 'kafka', topic, partition: 0, offset: '0', key: 'mysql-3', headers: { h1: 'v1' } },
      });
      const ref = obs!.ref as { timestamp: number };
      expect(ref.timestamp).toBeGreaterThanOrEqual(before - 1000);
    } finally {
      await producer.close();
    }
  });

  it('records an undecodable value as event.decode-error and keeps going', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 1);
    const { h, session } = await observe(topic);
    const producer = await openProducer(bootstrap);
    try {
      await producer.send(topic, [
        { value: eventJson('BEFORE', 1) },
        { value: 'not json at all {' },
        { value: JSON.stringify({ no: 'type' }) },
        { value: eventJson('AFTER', 2) },
      ]);
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      expect(h.observations.map((o) => o.kind)).toEqual(['event', 'event.decode-error', 'event.decode-error', 'event']);
      const bad = h.observations[1]!.data as EventDecodeErrorData;
      expect(bad).toEqual({ error: expect.stringMatching(/value is not JSON/), raw: 'not json at all {' });
      expect(h.observations[1]!.ref).toMatchObject({ topic, partition: 0, offset: '1' });
    } finally {
      await producer.close();
    }
  });

  it('uses a custom decoder', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 1);
    const { h, session } = await observe(topic, {
      decoder: (m: { value: Buffer | null }) => {
        const text = m.value?.toString() ?? '';
        if (text === 'skip') return null;
        const [type, system] = text.split(':');
        if (!system) throw new Error('expected TYPE:system');
        return { type: type!, system };
      },
    });
    const producer = await openProducer(bootstrap);
    try {
      await producer.send(topic, [{ value: 'CONNECTION_LOST:mysql' }, { value: 'skip' }, { value: 'garbage' }]);
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      expect(h.observations.map((o) => [o.kind, o.subject])).toEqual([
        ['event', 'CONNECTION_LOST'],
        ['event.decode-error', topic],
      ]);
      // Nothing says a custom decoder reads the same bytes the same way twice: its events are kept as they were.
      for (const o of h.observations) expect(h.ctx.timeline.get(o.seq)).toBe(o);
    } finally {
      await producer.close();
    }
  });

  it('starts from a timestamp when startFrom is given', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 1);
    const producer = await openProducer(bootstrap);
    try {
      await producer.send(topic, [{ value: eventJson('ANCIENT', 0) }]);
      await producer.send(topic, [{ value: eventJson('RECENT', 1) }]);
      // Everything from the first record's time on: both records, though they were written before start.
      const { h, session } = await observe(topic, { startFrom: Date.now() - 60_000 });
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      expect(events(h).map((e) => e.data.type)).toEqual(['ANCIENT', 'RECENT']);
    } finally {
      await producer.close();
    }
  });

  it('fails ready() with a clear error when a topic does not exist', async () => {
    const plugin = kafkaPlugin({ brokers: sharedBootstrap(), topics: [randomTopic('missing')], readyTimeout: 4 });
    const h = createHarness({ config: plugin.options });
    const session = await plugin.observers!.kafka!.start(h.ctx);
    sessions.push(session);
    await expect(session.ready()).rejects.toMatchObject({
      code: 'OBSERVER_NOT_READY',
      message: expect.stringMatching(/^kafka observer \(brokers 127\.0\.0\.1:\d+, topics missing-\S+\): not ready within 4s \(readyTimeout\): .*a topic does not exist; create it or fix "topics"/),
    });
  });

  it('KAFKA_PUBLISH sends key, JSON value and headers with x-tester-run, and the observer sees it', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic();
    await createTopic(bootstrap, topic, 3);
    const plugin = kafkaPlugin({ brokers: bootstrap, topics: [topic] });
    const h = createHarness({ config: plugin.options, runId: 'run-publish-1' });
    const session = await plugin.observers!.kafka!.start(h.ctx);
    sessions.push(session);
    await session.ready();
    const action = plugin.actions!.KAFKA_PUBLISH!;
    const params = action.schema.parse({ key: 'mysql', value: { type: 'DRIFT_DETECTED', system: 'mysql' }, headers: { trace: 't-1' } });
    const outcome = await action.run(
      { ...h.ctx, actionId: 'actions[0]', ledger: { record: async () => ({ strike: async () => undefined }) } },
      params,
    );
    expect(outcome?.summary).toMatch(new RegExp(`^published \\d+ bytes to ${topic}\\[\\d\\]@0$`));
    const text = await action.run(
      { ...h.ctx, actionId: 'actions[1]', ledger: { record: async () => ({ strike: async () => undefined }) } },
      action.schema.parse({ topic, value: 'plain text' }),
    );
    expect(text?.summary).toMatch(/^published 10 bytes/);
    await session.barrier(h.ctx.clock.now(), h.ctx.signal);
    expect(h.observations).toHaveLength(2);
    expect(h.observations[0]).toMatchObject({
      kind: 'event',
      subject: 'DRIFT_DETECTED',
      ref: { key: 'mysql', headers: { trace: 't-1', [RUN_HEADER]: 'run-publish-1' } },
    });
    expect(h.observations[1]).toMatchObject({ kind: 'event.decode-error', data: { raw: 'plain text' } });
  });

  it('KAFKA_PUBLISH rejects unknown fields and reports an unreachable topic as ACTION_FAILED', async () => {
    const plugin = kafkaPlugin({ brokers: sharedBootstrap(), retry: { retries: 1 } });
    const action = plugin.actions!.KAFKA_PUBLISH!;
    expect(action.schema.safeParse({ value: 'x', partiton: 1 }).success).toBe(false);
    const h = createHarness({ config: plugin.options });
    await expect(
      action.run({ ...h.ctx, actionId: 'a1', ledger: { record: async () => ({ strike: async () => undefined }) } }, { topic: randomTopic('nope'), value: 'x' }),
    ).rejects.toMatchObject({ code: 'ACTION_FAILED', message: expect.stringMatching(/^a1 KAFKA_PUBLISH to nope-\w+ at /) });
  });
});
