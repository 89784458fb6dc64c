import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { ObserverContext } from './contract';
import { silentLogger } from './logger';
import { PollLoop } from './poll-loop';
import { createTimeline } from './timeline';

/** A minimal observer context on a manual clock that records what the loop says about blindness. */
function context(clock: ManualClock) {
  const said: string[] = [];
  const controller = new AbortController();
  let urgent = false;
  const ctx = {
    runId: 'r', timeline: createTimeline(), signal: controller.signal, logger: silentLogger(), clock, config: undefined,
    registerSecret: () => {}, source: 'test', interests: [],
    record: () => { throw new Error('not used'); },
    blind: (reason: string) => void said.push(`blind: ${reason}`),
    sighted: () => void said.push('sighted'),
    urgent: () => urgent,
    urgencyChanged: () => new Promise<void>(() => {}),
  } as unknown as ObserverContext;
  return { ctx, said, controller, setUrgent: (v: boolean) => (urgent = v) };
}

describe('PollLoop', () => {
  it('is ready after the first successful poll, and polls slower while nothing changes', async () => {
    const clock = new ManualClock();
    const { ctx } = context(clock);
    const polls: number[] = [];
    const loop = new PollLoop({ ctx, fastMs: 100, slowMs: 800, readyTimeoutMs: 5_000, label: 'the test observer', readyHint: 'Check it.',
      poll: async () => (polls.push(clock.now()), { changed: false }) });
    loop.start();
    await loop.ready();
    await clock.advance(3_000);
    await loop.stop();
    // 0, then doubling intervals from the fast bound up to the slow one: 200, 400, 800, 800...
    expect(polls.slice(0, 6)).toEqual([0, 200, 600, 1400, 2200, 3000]);
  });

  it('resolves a barrier with the first poll that started after t, without waiting for the idle interval', async () => {
    const clock = new ManualClock();
    const { ctx, controller } = context(clock);
    const polls: number[] = [];
    const loop = new PollLoop({ ctx, fastMs: 100, slowMs: 10_000, readyTimeoutMs: 5_000, label: 'x', readyHint: '',
      poll: async () => (polls.push(clock.now()), { changed: false }) });
    loop.start();
    await clock.advance(1_000); // idle: next poll would be far away
    let resolvedAt: number | undefined;
    void loop.barrier(2_500, controller.signal).then(() => (resolvedAt = clock.now()));
    await clock.advance(3_000);
    expect(resolvedAt).toBe(2_501);
    expect(polls).toContain(2_501);
    await loop.stop();
  });

  it('for a lagging source, keeps polling at the fast pace until its data covers t', async () => {
    const clock = new ManualClock();
    const { ctx, controller } = context(clock);
    // The source's data is 700 ms behind the poll.
    const loop = new PollLoop({ ctx, fastMs: 100, slowMs: 10_000, readyTimeoutMs: 5_000, label: 'x', readyHint: '',
      poll: async () => ({ changed: false, covers: clock.now() - 700 }) });
    loop.start();
    await clock.advance(50);
    let resolvedAt: number | undefined;
    void loop.barrier(1_000, controller.signal).then(() => (resolvedAt = clock.now()));
    await clock.advance(3_000);
    expect(resolvedAt).toBeGreaterThan(1_700);
    expect(resolvedAt).toBeLessThanOrEqual(1_900);
    await loop.stop();
  });

  it('says blind once when polls fail and sighted when one succeeds; not ready says why and what to check', async () => {
    const clock = new ManualClock();
    const { ctx, said } = context(clock);
    let failing = true;
    const loop = new PollLoop({ ctx, fastMs: 100, slowMs: 100, readyTimeoutMs: 1_000, label: 'the test observer', readyHint: 'Check that it is up.',
      poll: async () => {
        if (failing) throw new Error('connection refused');
        return { changed: false };
      } });
    loop.start();
    // Settled into a value at once, so the rejection is handled when it happens, not when the test looks.
    const ready = loop.ready().then(() => 'ready', (error: unknown) => error);
    await clock.advance(1_500);
    await expect(ready).resolves.toMatchObject({
      code: 'OBSERVER_NOT_READY',
      message: 'the test observer: no successful poll within 1000 ms: connection refused. Check that it is up.',
    });
    failing = false;
    await clock.advance(200);
    expect(said).toEqual(['blind: connection refused', 'sighted']);
    await loop.stop();
  });

  it('stop ends the loop and rejects pending barriers', async () => {
    const clock = new ManualClock();
    const { ctx, controller } = context(clock);
    const loop = new PollLoop({ ctx, fastMs: 100, slowMs: 100, readyTimeoutMs: 1_000, label: 'the test observer', readyHint: '',
      poll: async () => ({ changed: false, covers: -Infinity }) });
    loop.start();
    const barrier = loop.barrier(10, controller.signal).then(() => 'resolved', (error: unknown) => error);
    await clock.advance(300);
    await loop.stop();
    await expect(barrier).resolves.toMatchObject({ code: 'ABORTED', message: 'the test observer was stopped' });
  });
});

describe('PollLoop.session', () => {
  it('is ready with the loop, and stops the loop then releases resources exactly once', async () => {
    const clock = new ManualClock();
    const { ctx } = context(clock);
    const polls: number[] = [];
    const loop = new PollLoop({ ctx, fastMs: 100, slowMs: 100, readyTimeoutMs: 1_000, label: 'x', readyHint: '',
      poll: async () => (polls.push(clock.now()), { changed: false }) });
    let released = 0;
    const session = loop.session(async () => void released++);
    await session.ready();
    await Promise.all([session.stop(), session.stop()]);
    await session.stop();
    expect(released).toBe(1);
    const count = polls.length;
    await clock.advance(1_000);
    expect(polls).toHaveLength(count);
  });
});
