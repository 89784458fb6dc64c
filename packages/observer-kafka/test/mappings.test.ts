/**
 * Topic mappings on the shared broker: Kafka Connect-shaped status records over Connect's 5 partitions, and
 * CloudEvents in both content modes, produced with kafkajs while the observer runs. Barriers still include every
 * mapped record (mapping is asynchronous; claiming a record is not).
 */
import type { EventData, ObserverSession } from '@tester/core';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaPlugin, type KafkaPluginOptions } from '../src/index';
import { createHarness, type Harness } from './harness';
import { createTopic, openProducer, randomTopic, sharedBootstrap } from './kafka-helpers';

const sessions: ObserverSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop()));
});

async function observe(options: KafkaPluginOptions): Promise<{ h: Harness; session: ObserverSession }> {
  const plugin = kafkaPlugin({ brokers: sharedBootstrap(), ...options });
  const h = createHarness({ config: plugin.options });
  const session = await plugin.observers!.kafka!.start(h.ctx);
  sessions.push(session);
  await session.ready();
  return { h, session };
}

const status = (state: string, generation = 3) => JSON.stringify({ state, trace: state === 'FAILED' ? 'java.net.ConnectException' : null, worker_id: '127.0.0.1:8083', generation });

describe('mapped topics on the shared broker', () => {
  it('turns a Connect status topic into state changes per connector and task, in order per system', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic('connect-status');
    await createTopic(bootstrap, topic, 5);
    const { h, session } = await observe({ topics: [{ name: topic, preset: 'kafka-connect-status' }], readyTimeout: 20 });
    const producer = await openProducer(bootstrap);
    try {
      const story: [string, string | null][] = [
        ['status-connector-inventory', status('RUNNING')],
        ['status-task-inventory-0', status('RUNNING')],
        ['status-task-inventory-1', status('RUNNING')],
        ['status-topic-dbserver1.inventory.customers:connector-inventory', JSON.stringify({ topic: { name: 'dbserver1.inventory.customers', connector: 'inventory', task: 0, discoverTimestamp: 1 } })],
        ['status-task-inventory-0', status('FAILED')],
        ['status-task-inventory-1', status('RUNNING', 4)],
        ['status-task-inventory-0', status('UNASSIGNED')],
        ['status-task-inventory-0', status('RUNNING')],
        ['status-task-inventory-1', 'not json {'],
        ['status-connector-inventory', null],
      ];
      // One record per send: Connect writes each status as it happens, and order across keys is then real.
      for (const [key, value] of story) await producer.send(topic, [{ key, value }]);
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      const changes = (system: string) =>
        h.observations
          .filter((o) => o.kind === 'event' && (o.data as EventData).system === system)
          .map((o) => (o.data as { payload: { from?: string; to: string } }).payload)
          .map((p) => `${p.from ?? '?'}->${p.to}`);
      expect(changes('inventory/task-0')).toEqual(['?->RUNNING', 'RUNNING->FAILED', 'FAILED->UNASSIGNED', 'UNASSIGNED->RUNNING']);
      expect(changes('inventory/task-1')).toEqual(['?->RUNNING']);
      expect(changes('inventory')).toEqual(['?->RUNNING', 'RUNNING->DESTROYED']);
      const states = h.observations.filter((o) => o.kind === 'system.state');
      expect(states.every((o) => (o.data as { kind: string }).kind === 'kafka-connect')).toBe(true);
      expect(states).toHaveLength(7);
      const [bad, ...more] = h.observations.filter((o) => o.kind === 'event.decode-error');
      expect(more).toEqual([]);
      expect(bad).toMatchObject({
        subject: topic,
        data: { error: expect.stringMatching(/^topics\[0\]\.states\.state: expected a non-empty string, got nothing/), raw: 'not json {' },
        ref: { type: 'kafka', topic, key: 'status-task-inventory-1', offset: expect.any(String), partition: expect.any(Number) },
      });
    } finally {
      await producer.close();
    }
  });

  it('reads CloudEvents in structured and binary mode, with Buffer headers as kafkajs sends them', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic('cloudevents');
    await createTopic(bootstrap, topic, 1);
    const { h, session } = await observe({ topics: [{ name: topic, preset: 'cloudevents', cloudevents: { system: 'source' } }] });
    const producer = await openProducer(bootstrap);
    try {
      await producer.send(topic, [
        {
          value: JSON.stringify({ specversion: '1.0', id: 'a-1', type: 'db.down', source: 'mysql', subject: 'replica-2', time: '2026-03-01T10:00:00Z', data: { code: 2003 } }),
          headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
        },
        {
          value: 'connection reset',
          headers: { ce_specversion: Buffer.from('1.0'), ce_id: Buffer.from('a-2'), ce_type: Buffer.from('db.down'), ce_source: Buffer.from('mysql'), 'content-type': Buffer.from('text/plain') },
        },
        { value: JSON.stringify({ type: 'db.down' }) },
      ]);
      await session.barrier(h.ctx.clock.now(), h.ctx.signal);
      expect(h.observations.map((o) => [o.kind, o.subject])).toEqual([
        ['event', 'db.down'],
        ['event', 'db.down'],
        ['event.decode-error', topic],
      ]);
      expect(h.observations.slice(0, 2).map((o) => o.data)).toEqual([
        { type: 'db.down', system: 'mysql', id: 'a-1', timestamp: '2026-03-01T10:00:00Z', payload: { code: 2003 } },
        { type: 'db.down', system: 'mysql', id: 'a-2', payload: 'connection reset' },
      ]);
      expect(h.observations[0]!.sourceTime).toBe(Date.parse('2026-03-01T10:00:00Z'));
      expect(h.observations[2]!.ref).toMatchObject({ topic, partition: 0, offset: '2' });
    } finally {
      await producer.close();
    }
  });

  it('a barrier right after a burst includes every mapped record, once', async () => {
    const bootstrap = sharedBootstrap();
    const topic = randomTopic('mapped');
    await createTopic(bootstrap, topic, 3);
    const { h, session } = await observe({ topics: [{ name: topic, events: { type: 'value.t', system: 'key', id: 'value.n' } }] });
    const producer = await openProducer(bootstrap);
    try {
      for (let round = 0; round < 3; round++) {
        await producer.send(topic, Array.from({ length: 50 }, (_, i) => ({ key: `s-${i % 7}`, value: JSON.stringify({ t: 'TICK', n: round * 50 + i }) })));
        await session.barrier(h.ctx.clock.now(), h.ctx.signal);
        expect(h.observations).toHaveLength((round + 1) * 50);
      }
      expect(new Set(h.observations.map((o) => (o.data as EventData).id)).size).toBe(150);
    } finally {
      await producer.close();
    }
  });
});
