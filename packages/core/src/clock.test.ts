import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock';

describe('ManualClock', () => {
  it('fires deadlines in time order as time advances, moving now() to each', async () => {
    const clock = new ManualClock();
    const fired: Array<[string, number]> = [];
    void clock.until(300).then(() => fired.push(['b', clock.now()]));
    void clock.until(100).then(() => fired.push(['a', clock.now()]));
    await clock.advance(200);
    expect(fired).toEqual([['a', 100]]);
    await clock.advance(200);
    expect(fired).toEqual([['a', 100], ['b', 300]]);
    expect(clock.now()).toBe(400);
    expect(clock.wallNow() - clock.now()).toBe(Date.UTC(2026, 0, 1));
  });

  it('rejects a deadline when its signal aborts, and every() repeats until stopped', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const waiting = clock.until(1_000, controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(clock.pendingTimers).toBe(0);
    let ticks = 0;
    const stop = clock.every(100, () => ticks++);
    await clock.advance(350);
    stop();
    await clock.advance(500);
    expect(ticks).toBe(3);
  });
});

describe('systemClock', () => {
  it('resolves a deadline (never early) and rejects on abort', async () => {
    const clock = systemClock();
    const start = clock.now();
    await clock.until(start + 20);
    expect(clock.now()).toBeGreaterThanOrEqual(start + 19);
    const controller = new AbortController();
    const waiting = clock.until(clock.now() + 60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
