import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { abortAt, abortable } from './deadline';
import { ErrorCodes, PluginError, TesterError } from './errors';
import { type HookOutcome, HookDriver } from './hooks';
import { Redactor } from './redact';

const value = <T>(v: T): HookOutcome<T> => ({ kind: 'value', value: v });

describe('HookDriver.call', () => {
  it('bounds a call on the clock: its own signal aborts with TIMEOUT, and the late value is still delivered', async () => {
    const clock = new ManualClock();
    const hooks = new HookDriver({ clock });
    let seen: AbortSignal | undefined;
    let finish!: (v: string) => void;
    const call = hooks.call(
      { plugin: 'p', hook: 'actions.X.rollback', invoke: (signal) => ((seen = signal), new Promise<string>((resolve) => (finish = resolve))) },
      { signal: null, timeoutMs: 1_000, timeoutMessage: 'rollback "x" did not finish within 1000 ms' },
    );
    await clock.advance(999);
    expect(seen?.aborted).toBe(false);
    await clock.advance(1);
    const outcome = await call;
    expect(outcome).toMatchObject({ kind: 'timeout', reason: { code: ErrorCodes.TIMEOUT, message: 'rollback "x" did not finish within 1000 ms' } });
    expect(seen?.aborted).toBe(true);
    finish('done late');
    expect(outcome.kind !== 'value' && outcome.kind !== 'error' ? await outcome.late : undefined).toBe('done late');
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops waiting when the parent signal aborts: aborted, or timeout when the parent says TIMEOUT', async () => {
    const clock = new ManualClock();
    const run = new AbortController();
    const hooks = new HookDriver({ clock, signal: run.signal });
    const pending = hooks.call({ plugin: 'p', hook: 'observers.o.ready', invoke: () => new Promise<void>(() => {}) });
    run.abort(new TesterError(ErrorCodes.ABORTED, 'interrupted by SIGINT'));
    expect(await pending).toMatchObject({ kind: 'aborted', reason: { message: 'interrupted by SIGINT' } });
    const timedOut = new AbortController();
    timedOut.abort(new TesterError(ErrorCodes.TIMEOUT, 'the scenario timed out'));
    expect(await hooks.call({ plugin: 'p', hook: 'h', invoke: () => 1 }, { signal: timedOut.signal })).toMatchObject({ kind: 'timeout' });
  });

  it('gives the plugin the parent signal when the call has no bound of its own, and releases its own once over', async () => {
    const clock = new ManualClock();
    const run = new AbortController();
    const hooks = new HookDriver({ clock, signal: run.signal });
    let given: AbortSignal | undefined;
    await hooks.call({ plugin: 'p', hook: 'observers.o.barrier', invoke: (signal) => void (given = signal) });
    expect(given).toBe(run.signal);
    await hooks.call({ plugin: 'p', hook: 'h', invoke: (signal) => void (given = signal) }, { timeoutMs: 5_000 });
    expect(given?.aborted).toBe(true); // what the plugin left running on it ends with the call
    expect(clock.pendingTimers).toBe(0);
  });

  it('attributes a throw to its plugin and hook, keeps its code, redacts it, and passes an abort through', async () => {
    const redactor = new Redactor();
    redactor.add('s3cret-token');
    const hooks = new HookDriver({ clock: new ManualClock(), redactor });
    const thrown = await hooks.call({ plugin: 'p', hook: 'actions.CHAOS.run', invoke: () => { throw new TesterError('CP_500', 'answered 500 for s3cret-token'); } });
    expect(thrown.kind).toBe('error');
    const error = (thrown as { error: PluginError }).error;
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({ plugin: 'p', hook: 'actions.CHAOS.run', pluginCode: 'CP_500', message: 'plugin "p" failed in actions.CHAOS.run: answered 500 for ***' });
    const abort = new TesterError(ErrorCodes.ABORTED, 'stopped');
    expect(await hooks.call({ plugin: 'p', hook: 'h', invoke: () => Promise.reject(abort) })).toEqual({ kind: 'error', error: abort });
  });
});

describe('hook kinds', () => {
  const hooks = new HookDriver({ clock: new ManualClock() });

  it('parallel starts every item before any finishes', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const all = hooks.parallel(['a', 'b', 'c'], async (item) => {
      log.push(`start ${item}`);
      await gate;
      log.push(`end ${item}`);
      return item;
    });
    expect(log).toEqual(['start a', 'start b', 'start c']);
    release();
    expect(await all).toEqual(['a', 'b', 'c']);
  });

  it('sequential runs in order, one at a time, and stops after the first outcome that is not a value', async () => {
    const log: string[] = [];
    const outcomes = await hooks.sequential(['a', 'b', 'c', 'd'], async (item): Promise<HookOutcome<string>> => {
      log.push(`start ${item}`);
      await Promise.resolve();
      log.push(`end ${item}`);
      return item === 'c' ? { kind: 'error', error: new Error('c failed') } : value(item);
    });
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(outcomes.map((o) => o.kind)).toEqual(['value', 'value', 'error']);
  });

  it('reverseSequential runs last first, one at a time, every one whatever the others did', async () => {
    const log: string[] = [];
    const results = await hooks.reverseSequential(['a', 'b', 'c'], async (item, index) => {
      log.push(`start ${item}`);
      await Promise.resolve();
      log.push(`end ${item}`);
      return `${item}${index}${item === 'c' ? ' failed' : ''}`;
    });
    expect(log).toEqual(['start c', 'end c', 'start b', 'end b', 'start a', 'end a']);
    expect(results).toEqual(['c2 failed', 'b1', 'a0']);
  });
});

describe('abortAt and abortable', () => {
  it('abortAt aborts at the clock time with its reason, and cancelling leaves no timer', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    abortAt(clock, 500, controller, () => new TesterError(ErrorCodes.TIMEOUT, 'late'));
    await clock.advance(499);
    expect(controller.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(controller.signal.reason).toMatchObject({ code: ErrorCodes.TIMEOUT, message: 'late' });
    const other = new AbortController();
    const cancel = abortAt(clock, 10_000, other, () => 'never');
    expect(clock.pendingTimers).toBe(1);
    cancel();
    await clock.advance(20_000);
    expect(other.signal.aborted).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('abortable rejects with the reason when the signal aborts first, and removes its listener either way', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
    expect(await abortable(Promise.resolve(7), signal)).toBe(7);
    await expect(abortable(Promise.reject(new Error('no')), signal)).rejects.toThrow('no');
    expect(listeners).toBe(0);
    const waiting = abortable(new Promise(() => {}), signal);
    controller.abort('stop');
    await expect(waiting).rejects.toBe('stop');
  });
});
