/**
 * stop() leaves nothing behind: no socket to a broker and no kafkajs timer keeps the process alive once it has
 * resolved, whether it comes while the observer is still connecting (the SIGINT-during-start-up hang), or when
 * the broker is gone (killed) or hangs (SIGSTOP), and it is bounded by stopTimeout.
 *
 * "Nothing behind" is measured on this test process (Vitest runs each file in a process of its own, one at a
 * time): its TCP sockets and timers return to what they were before the session started.
 */
import { execFileSync } from 'node:child_process';
import type { ObserverSession } from '@tester/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka } from '../../../scripts/stack/index.mjs';
import { kafkaPlugin } from '../src/index';
import { createHarness, type Harness } from './harness';
import { createTopic, randomTopic, sharedBootstrap } from './kafka-helpers';

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
const resources = () => ({ sockets: count('TCPSocketWrap'), timers: count('Timeout') });

/** Waits until the process holds no more sockets and timers than `baseline` (polling: there is no event for it). */
async function settlesTo(baseline: { sockets: number; timers: number }, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const now = resources();
    if (now.sockets <= baseline.sockets && now.timers <= baseline.timers) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`still ${JSON.stringify(now)} (baseline ${JSON.stringify(baseline)}) ${withinMs} ms after stop()`);
    await new Promise((resolve) => setTimeout(resolve, 20)).then(() => undefined);
  }
}

async function start(brokers: string, topic: string, options: Record<string, unknown> = {}): Promise<{ h: Harness; session: ObserverSession }> {
  const plugin = kafkaPlugin({ brokers, topics: [topic], maxBlind: '1500ms', readyTimeout: 60, ...options });
  const h = createHarness({ config: plugin.options });
  const session = await plugin.observers!.kafka!.start(h.ctx);
  return { h, session };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kafka observer stop() on the shared broker', () => {
  it('leaves no socket and no timer when it comes at any moment of start-up (0-300 ms)', { timeout: 180_000 }, async () => {
    const topic = randomTopic('stop-race');
    await createTopic(sharedBootstrap(), topic, 2);
    // Three sessions at once, as a run starts its observers side by side: the connects then take long enough for
    // stop() to land inside them.
    for (const ms of [-1, 0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 300]) {
      await delay(50); // let the previous iteration's closed sockets go before taking the baseline
      const baseline = resources();
      const started = await Promise.all([0, 1, 2].map(() => start(sharedBootstrap(), topic)));
      if (ms >= 0) await delay(ms);
      const t = Date.now();
      await Promise.all(started.map(({ session }) => session.stop()));
      expect(Date.now() - t, `stop() ${ms} ms after start`).toBeLessThan(2500);
      for (const { h } of started) h.abort();
      await settlesTo(baseline, 1500).catch((error: Error) => {
        throw new Error(`stop() ${ms} ms after start: ${error.message}`);
      });
    }
  });
});

describe('kafka observer stop() when the broker is gone or hangs', () => {
  let broker: Awaited<ReturnType<typeof startKafka>>;
  const pidOf = () =>
    Number(execFileSync('pgrep', ['-f', `tester.stack.dir=\\S*/private/kafka-${process.pid}-`], { encoding: 'utf8' }).trim().split('\n')[0]);

  beforeAll(async () => {
    broker = await startKafka();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it.each(['killed', 'paused'] as const)('is bounded and leaves nothing behind when the broker is %s', { timeout: 180_000 }, async (how) => {
    await broker.start();
    const topic = randomTopic(`stop-${how}`);
    await createTopic(broker.bootstrap, topic, 1);
    await delay(50);
    const baseline = resources();
    const { h, session } = await start(broker.bootstrap, topic);
    await session.ready();
    const pid = pidOf();
    if (how === 'killed') await broker.stop();
    else process.kill(pid, 'SIGSTOP');
    try {
      await h.until(() => h.isBlind(), 30_000, 'the observer to go blind');
      expect(h.blindness[0]!.reason).toMatch(how === 'killed' ? /^broker 127\.0\.0\.1:\d+ unreachable: ECONNREFUSED; / : /^brokers 127\.0\.0\.1:\d+ not answering; /);
      const t = Date.now();
      await session.stop();
      // Blind: no graceful leave is attempted, so stop() does not wait out stopTimeout.
      expect(Date.now() - t).toBeLessThan(500);
      h.abort();
      await settlesTo(baseline, 1500);
    } finally {
      if (how === 'paused') {
        process.kill(pid, 'SIGCONT');
        await broker.stop();
      }
    }
  });

  it('is bounded by stopTimeout when the broker hangs before the observer noticed', { timeout: 180_000 }, async () => {
    await broker.start();
    const topic = randomTopic('stop-hang');
    await createTopic(broker.bootstrap, topic, 1);
    await delay(50);
    const baseline = resources();
    const { h, session } = await start(broker.bootstrap, topic, { maxBlind: 60, stopTimeout: '700ms' });
    await session.ready();
    const pid = pidOf();
    process.kill(pid, 'SIGSTOP');
    try {
      await delay(300);
      const t = Date.now();
      await session.stop();
      const took = Date.now() - t;
      expect(took).toBeGreaterThanOrEqual(650);
      expect(took).toBeLessThan(1500);
      h.abort();
      await settlesTo(baseline, 1500);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
