import { ObservationKinds, type ObserverSession } from '@tester/core';
import { ManualClock } from '@tester/core/runner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPluginHarness, eventually, type PluginHarness } from '@tester/core/testing';
import { FakeControlPlane } from '../test/fake-control-plane';
import { apiPlugin } from './index';

let cp: FakeControlPlane;
let h: PluginHarness;
let session: ObserverSession | undefined;

beforeEach(async () => {
  cp = await new FakeControlPlane().start();
  h = createPluginHarness();
});
afterEach(async () => {
  await session?.stop();
  session = undefined;
  h.controller.abort();
  await cp.stop();
});

const start = async (options: Parameters<typeof apiPlugin>[0] = {}) => {
  const plugin = apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '20ms', slowInterval: '200ms', readyTimeout: '2s' }, requestTimeout: '3s', ...options });
  session = await plugin.observers!.api!.start(h.observerContext(plugin.options));
  return session;
};
const states = () => h.timeline.query({ kind: ObservationKinds.systemState }).map((o) => `${o.subject}:${(o.data as { state: string }).state}`);

describe('api observer', () => {
  it('records each initial state once, then only changes, with the poll that saw it', async () => {
    const s = await start();
    await s.ready();
    await s.barrier(h.clock.now(), h.controller.signal);
    expect(states()).toEqual(['mysql:CONNECTED', 'mysql-2:CONNECTED']);
    cp.setState('mysql-2', 'DISCONNECTED');
    await s.barrier(h.clock.now(), h.controller.signal);
    cp.setState('mysql-2', 'CONNECTED');
    await s.barrier(h.clock.now(), h.controller.signal);
    await s.barrier(h.clock.now(), h.controller.signal);
    expect(states()).toEqual(['mysql:CONNECTED', 'mysql-2:CONNECTED', 'mysql-2:DISCONNECTED', 'mysql-2:CONNECTED']);
    const last = h.timeline.latest({ kind: ObservationKinds.systemState, subject: 'mysql-2' })!;
    expect(last.data).toMatchObject({ system: 'mysql-2', state: 'CONNECTED', previous: 'DISCONNECTED' });
    expect(last.ref).toMatchObject({ type: 'http', method: 'GET', url: `${cp.url}/api/v1/systems`, status: 200 });
    expect((last.ref as { excerpt: string }).excerpt).toMatch(/^poll #\d+: \{"id":"mysql-2","state":"CONNECTED"/);
    expect(typeof last.sourceTime).toBe('number');
  });

  it('records policy executions, chaos, drift and reconciliations when new or changed', async () => {
    const s = await start();
    await s.ready();
    cp.executions['auto-recover']!.push({ id: 'e1', policyId: 'auto-recover', system: 'mysql-2', triggeredAt: new Date().toISOString(), finishedAt: null, status: 'RUNNING', attempts: 1 });
    cp.reconciliations.push({ id: 'r1', resource: 'mysql.max_connections', status: 'RUNNING', startedAt: new Date().toISOString(), finishedAt: null });
    cp.desired.set('mysql.max_connections', 200);
    await s.barrier(h.clock.now(), h.controller.signal);
    Object.assign(cp.executions['auto-recover']![0] as object, { status: 'SUCCEEDED', finishedAt: new Date().toISOString(), attempts: 2 });
    await s.barrier(h.clock.now(), h.controller.signal);
    await s.barrier(h.clock.now(), h.controller.signal);
    const executions = h.timeline.query({ kind: ObservationKinds.policyExecution });
    expect(executions.map((o) => [o.subject, (o.data as { status: string }).status])).toEqual([
      ['auto-recover', 'RUNNING'],
      ['auto-recover', 'SUCCEEDED'],
    ]);
    expect(executions[1]!.data).toMatchObject({ id: 'e1', system: 'mysql-2', attempts: 2 });
    expect(h.timeline.query({ kind: ObservationKinds.drift }).map((o) => o.data)).toEqual([
      { resource: 'mysql.max_connections', drifted: false, desired: 100, actual: 100 },
      { resource: 'mysql.max_connections', drifted: true, desired: 200, actual: 100 },
    ]);
    expect(h.timeline.query({ kind: ObservationKinds.reconciliation })).toHaveLength(1);
  });

  it('does not record history: finished executions, chaos and reconciliations already there at the first poll', async () => {
    const old = new Date(Date.now() - 60_000).toISOString();
    cp.executions['auto-recover']!.push(
      { id: 'old', policyId: 'auto-recover', system: 'mysql', triggeredAt: old, finishedAt: old, status: 'SUCCEEDED', attempts: 1 },
      { id: 'live', policyId: 'auto-recover', system: 'mysql', triggeredAt: old, finishedAt: null, status: 'RUNNING', attempts: 1 },
    );
    cp.chaos.set('c-old', { id: 'c-old', system: 'mysql', fault: 'LATENCY', status: 'ENDED', startedAt: old, endedAt: old, duration: 1 });
    cp.reconciliations.push({ id: 'r-old', resource: 'x', status: 'SUCCEEDED', startedAt: old, finishedAt: old });
    const s = await start();
    await s.ready();
    expect(h.timeline.query({ kind: ObservationKinds.policyExecution }).map((o) => (o.data as { id: string }).id)).toEqual(['live']);
    expect(h.timeline.query({ kind: [ObservationKinds.chaos, ObservationKinds.reconciliation] })).toEqual([]);
    // A finished one that changes again is news.
    Object.assign(cp.executions['auto-recover']![0] as object, { attempts: 2 });
    await s.barrier(h.clock.now(), h.controller.signal);
    expect(h.timeline.query({ kind: ObservationKinds.policyExecution }).map((o) => (o.data as { id: string }).id)).toEqual(['live', 'old']);
  });

  it('uses conditional requests and sends the run id on every request', async () => {
    const s = await start();
    await s.ready();
    await eventually(() => cp.notModified >= 5, 5000, '304 answers');
    expect(cp.requests.every((r) => r.headers['x-tester-run'] === (h.observerContext(undefined) as { runId: string }).runId)).toBe(true);
    expect(cp.requests.filter((r) => r.headers['if-none-match']).length).toBeGreaterThan(0);
    await s.stop();
  });

  it('polls fast while urgent and backs off when idle (the chosen intervals, read off a manual clock)', async () => {
    const clock = new ManualClock();
    h = createPluginHarness({ clock });
    const s = await start({ poll: { fastInterval: '10ms', slowInterval: '160ms' } });
    await s.ready();
    const polls = () => cp.requests.filter((r) => r.url === '/api/v1/systems').length;
    /** Waits until the loop sleeps again after `n` polls, and returns the interval it chose. */
    const nextInterval = async (n: number) => {
      await eventually(() => polls() >= n && clock.pendingTimers === 1, 5000, `poll ${n} and the next sleep`);
      return clock.nextTimerAt()! - clock.now();
    };
    const idle: number[] = [];
    for (let n = polls(); idle.length < 6; n++) {
      idle.push(await nextInterval(n));
      await clock.advance(idle.at(-1)!);
    }
    // The first poll recorded the initial states (a change): fast; then it doubles up to the slow bound.
    expect(idle).toEqual([10, 20, 40, 80, 160, 160]);
    h.setUrgent(true); // wakes the loop at once
    const n = polls();
    expect(await nextInterval(n + 1)).toBe(10);
    h.setUrgent(false);
    cp.setState('mysql', 'DEGRADED');
    await clock.advance(10);
    expect(await nextInterval(n + 2)).toBe(10); // a change keeps it fast
    await clock.advance(10);
    expect(await nextInterval(n + 3)).toBe(20);
  });

  it('barrier(T) waits for a poll that started after T', async () => {
    const s = await start({ poll: { fastInterval: '20ms', slowInterval: '2s' } });
    await s.ready();
    // Idle: the next scheduled poll is far away, so only the barrier makes this change visible in time.
    cp.setState('mysql', 'DEGRADED');
    const t = h.clock.now();
    await s.barrier(t, h.controller.signal);
    const seen = h.timeline.latest({ kind: ObservationKinds.systemState, subject: 'mysql' })!;
    expect((seen.data as { state: string }).state).toBe('DEGRADED');
    const poll = cp.requests.filter((r) => r.url === '/api/v1/systems').length;
    expect(poll).toBeGreaterThanOrEqual(2);
  });

  it('a barrier rejects when its signal aborts', async () => {
    cp.mode = '500';
    const s = await start();
    const ac = new AbortController();
    const pending = s.barrier(h.clock.now(), ac.signal);
    ac.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('deadline');
  });
});
