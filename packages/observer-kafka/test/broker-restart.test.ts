/**
 * A PRIVATE broker that the tests stop and restart under a running observer: no loss and no duplicate
 * across a restart; blind (then sighted again) when the broker stays away longer than maxBlind, and under
 * core's runtime such a blind spot turns a pass into `error`.
 */
import { PLUGIN_API_VERSION, definePlugin, z, type EventData, type Observation, type ObserverSession } from '@tester/core';
import { runScenario, type Scenario } from '@tester/core/runner';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKafka } from '../../../scripts/stack/index.mjs';
import { kafkaPlugin } from '../src/index';
import { createHarness, type Harness } from './harness';
import { createTopic, eventJson, highWatermarks, openProducer, randomTopic } from './kafka-helpers';

let broker: Awaited<ReturnType<typeof startKafka>>;
beforeAll(async () => {
  broker = await startKafka({ port: 0 });
});
afterAll(async () => {
  await broker?.stop();
});

const sessions: ObserverSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
  // A test that stopped the broker must hand a running one to the next.
  await broker.start();
});

async function observe(topic: string, maxBlind: string): Promise<{ h: Harness; session: ObserverSession }> {
  const plugin = kafkaPlugin({ brokers: broker.bootstrap, topics: [topic], maxBlind, readyTimeout: 60 });
  const h = createHarness({ config: plugin.options });
  const session = await plugin.observers!.kafka!.start(h.ctx);
  sessions.push(session);
  await session.ready();
  return { h, session };
}

const ids = (h: Harness) => h.observations.filter((o) => o.kind === 'event').map((o) => (o.data as EventData).id);
const batch = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `sys-${i % 5}`, value: eventJson('TICK', i, { id: `${prefix}-${i}` }) }));

describe('kafka observer across broker restarts', () => {
  it('continues after a broker restart mid-run without loss and without duplicates', { timeout: 180_000 }, async () => {
    const topic = randomTopic('restart');
    await createTopic(broker.bootstrap, topic, 3);
    const { h, session } = await observe(topic, '120s');

    const before = await openProducer(broker.bootstrap);
    await before.send(topic, batch('a', 40));
    await session.barrier(h.ctx.clock.now(), h.ctx.signal);
    expect(ids(h)).toHaveLength(40);
    // Produced right before the restart, possibly not consumed yet when the broker goes down.
    await before.send(topic, batch('b', 40));
    await before.close();

    await broker.restart();

    const after = await openProducer(broker.bootstrap);
    try {
      await after.send(topic, batch('c', 40));
    } finally {
      await after.close();
    }
    await session.barrier(h.ctx.clock.now(), h.ctx.signal);

    const seen = ids(h);
    const expected = ['a', 'b', 'c'].flatMap((p) => Array.from({ length: 40 }, (_, i) => `${p}-${i}`));
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(new Set(seen).size).toBe(seen.length);
    // In order within each partition, and every offset in [0, high watermark) exactly once.
    for (const [partition, high] of await highWatermarks(broker.bootstrap, topic)) {
      const offsets = h.observations
        .filter((o) => o.ref.type === 'kafka' && o.ref.partition === partition)
        .map((o) => (o.ref.type === 'kafka' ? Number(o.ref.offset) : -1));
      expect(offsets).toEqual(Array.from({ length: high }, (_, i) => i));
    }
    // The restart was shorter than maxBlind: it did not count as blind.
    expect(h.blindness).toEqual([]);
  });

  it('goes blind when the broker is away longer than maxBlind, and sighted when it is back', { timeout: 180_000 }, async () => {
    const topic = randomTopic('blind');
    await createTopic(broker.bootstrap, topic, 1);
    const { h, session } = await observe(topic, '3s');

    await broker.stop();
    await h.until(() => h.isBlind(), 30_000, 'the observer to report itself blind');
    // The address and the cause, then for how long: the span itself starts at the last successful fetch.
    expect(h.blindness[0]!.reason).toMatch(/^broker 127\.0\.0\.1:\d+ unreachable: ECONNREFUSED; no successful fetch for \d+ ms \(maxBlind=3s\)$/);

    await broker.start();
    await h.until(() => !h.isBlind(), 90_000, 'the observer to see again');

    const producer = await openProducer(broker.bootstrap);
    try {
      await producer.send(topic, batch('x', 3));
    } finally {
      await producer.close();
    }
    await session.barrier(h.ctx.clock.now(), h.ctx.signal);
    expect(ids(h)).toEqual(['x-0', 'x-1', 'x-2']);
    expect(h.blindness.map((b) => b.blind)).toEqual([true, false]);
  });
});

describe('a blind spot under core\'s runtime', () => {
  it('makes a scenario that would pass end in error, naming the blindness', { timeout: 180_000 }, async () => {
    const topic = randomTopic('blind-scenario');
    await createTopic(broker.bootstrap, topic, 1);
    // The system under test here is the broker itself: an action takes it away past maxBlindMs, then back.
    const outage = definePlugin({
      name: 'test-outage',
      apiVersion: PLUGIN_API_VERSION,
      actions: {
        BROKER_OUTAGE: {
          schema: z.strictObject({}),
          async run(ctx) {
            const startedAt = ctx.clock.now();
            await broker.stop();
            await ctx.timeline.waitFor((o) => o.kind === 'observer.blind', { signal: ctx.signal });
            await broker.start();
            await ctx.timeline.waitFor((o) => o.kind === 'observer.sighted', { signal: ctx.signal });
            const endedAt = ctx.clock.now();
            return { faults: [{ id: 'outage', system: 'kafka', fault: 'BROKER_DOWN', startedAt, ended: Promise.resolve(endedAt) }] };
          },
        },
      },
      assertions: {
        seen: {
          schema: z.strictObject({ type: z.string() }),
          create: (item: { type: string }) => {
            const seqs: number[] = [];
            return {
              description: `${item.type} seen`,
              sources: ['kafka'],
              needsClosedWindow: false,
              observe: (o: Observation) => void (o.kind === 'event' && o.subject === item.type && seqs.push(o.seq)),
              verdict: () => (seqs.length ? { status: 'passed' as const, message: 'seen', evidence: seqs } : { status: 'pending' as const }),
            };
          },
        },
      },
    });
    const scenario: Scenario = {
      name: 'blind spot',
      timeoutMs: 150_000,
      tags: [],
      systems: [],
      variables: {},
      preconditions: [],
      actions: [
        { id: 'publish', type: 'KAFKA_PUBLISH', plugin: '@tester/observer-kafka', params: { value: { type: 'HELLO' } }, line: 1, column: 1 },
        { id: 'outage', type: 'BROKER_OUTAGE', plugin: 'test-outage', params: {}, line: 2, column: 1 },
      ],
      expectations: [{ id: 'seen[0]', section: 'seen', index: 0, plugin: 'test-outage', item: { type: 'HELLO' }, line: 3, column: 1 }],
      window: { afterMs: 0 },
    };
    const kafka = kafkaPlugin({ brokers: broker.bootstrap, topics: [topic], maxBlindMs: 2000, readyTimeoutMs: 60_000 });
    const result = await runScenario(scenario, { plugins: [kafka, outage] });

    expect(result.status).toBe('error');
    expect(result.expectations[0]).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/^cannot confirm: observer kafka was blind from \+[\d.]+m?s to \+[\d.]+m?s \(broker 127\.0\.0\.1:\d+ unreachable: ECONNREFUSED; no successful fetch .*\(maxBlindMs=2000\)\); it would otherwise have passed: seen$/),
    });
    const spans = result.observers.find((o) => o.source === 'kafka')!.blindSpans;
    expect(spans).toHaveLength(1);
    expect(spans[0]!.to).toBeTypeOf('number');
  });
});
