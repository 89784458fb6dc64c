/**
 * The plugin under core's real runtime (runScenario), on the shared broker: ready before actions,
 * KAFKA_PUBLISH as a scenario action, and a count expectation decided only after the observer's barrier.
 */
import { PLUGIN_API_VERSION, definePlugin, z, type Observation } from '@tester/core';
import { runScenario, type Scenario } from '@tester/core/runner';
import { describe, expect, it } from 'vitest';
import { kafkaPlugin } from '../src/index';
import { createTopic, randomTopic, sharedBootstrap } from './kafka-helpers';

/** A minimal `seen` expectation: an event type seen (at least once, or exactly `count` times once the window closed). */
const seenPlugin = definePlugin({
  name: 'test-seen',
  apiVersion: PLUGIN_API_VERSION,
  assertions: {
    seen: {
      schema: z.strictObject({ type: z.string(), count: z.number().int().optional() }),
      create(item: { type: string; count?: number }) {
        const seqs: number[] = [];
        return {
          description: `${item.type} seen${item.count === undefined ? '' : ` exactly ${item.count} times`}`,
          sources: ['kafka'],
          needsClosedWindow: item.count !== undefined,
          observe(o: Observation) {
            if (o.kind === 'event' && o.subject === item.type) seqs.push(o.seq);
          },
          verdict(ctx) {
            if (item.count === undefined) {
              return seqs.length > 0 ? { status: 'passed', message: 'seen', evidence: seqs } : { status: 'pending' };
            }
            if (!ctx.window.closed) return { status: 'pending', waitingFor: 'the window to close' };
            return seqs.length === item.count
              ? { status: 'passed', message: `seen ${seqs.length} times`, evidence: seqs }
              : { status: 'failed', message: `seen ${seqs.length} times, expected ${item.count}`, evidence: seqs };
          },
        };
      },
    },
  },
});

function scenario(topic: string, count: number): Scenario {
  const publish = (id: string) => ({
    id,
    type: 'KAFKA_PUBLISH',
    plugin: '@tester/observer-kafka',
    params: { topic, key: 'mysql', value: { type: 'HELLO', system: 'mysql' } },
    line: 1,
    column: 1,
  });
  return {
    name: 'publish and observe',
    timeoutMs: 60_000,
    tags: [],
    systems: [],
    variables: {},
    preconditions: [],
    actions: [publish('first'), publish('second')],
    expectations: [
      { id: 'seen[0]', section: 'seen', index: 0, plugin: 'test-seen', item: { type: 'HELLO' }, line: 1, column: 1 },
      { id: 'seen[1]', section: 'seen', index: 1, plugin: 'test-seen', item: { type: 'HELLO', count }, line: 2, column: 1 },
    ],
    window: { afterMs: 0 },
  };
}

describe('kafka plugin under runScenario', () => {
  it('publishes, observes and decides an exact count after the barrier', { timeout: 90_000 }, async () => {
    const topic = randomTopic('scenario');
    await createTopic(sharedBootstrap(), topic, 3);
    const plugins = [kafkaPlugin({ brokers: sharedBootstrap(), topics: [topic] }), seenPlugin];
    const result = await runScenario(scenario(topic, 2), { plugins, runId: `run-${topic}` });
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('passed');
    expect(result.expectations.map((e) => [e.id, e.status, e.message])).toEqual([
      ['seen[0]', 'passed', 'seen'],
      ['seen[1]', 'passed', 'seen 2 times'],
    ]);
    expect(result.window.closed).toBe(true);
    expect(result.observers).toEqual([expect.objectContaining({ source: 'kafka', blindSpans: [] })]);
    expect(result.observers[0]!.readyAt).toBeTypeOf('number');
    const events = result.timeline.filter((o) => o.kind === 'event');
    expect(events).toHaveLength(2);
    expect(events.every((o) => o.ref.type === 'kafka' && o.ref.headers?.['x-tester-run'] === `run-${topic}`)).toBe(true);
  });

  it('a wrong count fails once the window closed, with the events as evidence', { timeout: 90_000 }, async () => {
    const topic = randomTopic('scenario');
    await createTopic(sharedBootstrap(), topic, 1);
    const plugins = [kafkaPlugin({ brokers: sharedBootstrap(), topics: [topic] }), seenPlugin];
    const result = await runScenario(scenario(topic, 1), { plugins });
    expect(result.status).toBe('failed');
    const counted = result.expectations.find((e) => e.id === 'seen[1]')!;
    expect(counted).toMatchObject({ status: 'failed', message: 'seen 2 times, expected 1' });
    expect(counted.evidence.map((o) => o.ref.type === 'kafka' && o.ref.offset)).toEqual(['0', '1']);
  });
});
