import { describe, expect, it } from 'vitest';
import { systemClock } from '../clock';
import { definePlugin, PLUGIN_API_VERSION, type ObserverContext, type ObserverDefinition, type ObserverSession } from '../contract';
import { ObservationKinds } from '../observation';
import { createPluginHarness } from '../testing';
import { createObserverPool } from './observer-pool';

/** A source whose input the test drives: what a real poller or consumer would record, when the test says so. */
function fakeSource(share?: 'state' | 'stream') {
  const sessions: { ctx: ObserverContext; barriers: number[] }[] = [];
  const definition: ObserverDefinition = {
    source: 'fake',
    ...(share ? { share } : {}),
    start(ctx) {
      const s = { ctx, barriers: [] as number[] };
      sessions.push(s);
      const session: ObserverSession = {
        ready: async () => undefined,
        barrier: async (t) => void s.barriers.push(t),
        stop: async () => undefined,
      };
      return session;
    },
  };
  const plugin = definePlugin({ name: 'fake', apiVersion: PLUGIN_API_VERSION, observers: { fake: definition } });
  return { plugin, definition, sessions };
}

const clock = systemClock();
const REF = { type: 'custom', summary: 'the test' } as const;
const harness = () => createPluginHarness({ clock });
const states = (h: ReturnType<typeof harness>) => h.timeline.query({}).map((o) => `${o.kind} ${o.subject} ${JSON.stringify(o.data)}`);

describe('observer pool', () => {
  it('shares one session of a state source; a later view starts with the current state, not the history', async () => {
    const pool = createObserverPool({ clock });
    const { plugin, definition, sessions } = fakeSource('state');
    const a = harness();
    const va = pool.join(plugin, 'fake', definition, a.observerContext(undefined, 'fake'))!;
    await va.ready();
    const hub = sessions[0]!.ctx;
    hub.record({ kind: ObservationKinds.systemState, subject: 'db', data: { system: 'db', state: 'CONNECTED' }, ref: REF });
    hub.record({ kind: ObservationKinds.chaos, subject: 'db', data: { id: 'c1', system: 'db', fault: 'LOSS', status: 'ACTIVE', endedAt: null }, ref: REF });
    hub.record({ kind: ObservationKinds.systemState, subject: 'db', data: { system: 'db', state: 'DISCONNECTED' }, ref: REF });
    hub.record({ kind: ObservationKinds.chaos, subject: 'db', data: { id: 'c1', system: 'db', fault: 'LOSS', status: 'ENDED', endedAt: 5 }, ref: REF });
    hub.record({ kind: ObservationKinds.chaos, subject: 'db', data: { id: 'c2', system: 'db', fault: 'LOSS', status: 'ACTIVE', endedAt: null }, ref: REF });

    const b = harness();
    const vb = pool.join(plugin, 'fake', definition, b.observerContext(undefined, 'fake'))!;
    await vb.ready();
    expect(sessions).toHaveLength(1);
    expect(pool.sessionsStarted()).toEqual({ 'fake/fake': 1 });
    // What a fresh session's first poll would record: each item's latest state, the ended chaos left out.
    expect(states(b)).toEqual([
      'system.state db {"system":"db","state":"DISCONNECTED"}',
      'chaos db {"id":"c2","system":"db","fault":"LOSS","status":"ACTIVE","endedAt":null}',
    ]);
    expect(a.timeline.query({})).toHaveLength(5);

    hub.record({ kind: ObservationKinds.systemState, subject: 'db', data: { system: 'db', state: 'CONNECTED' }, ref: REF });
    expect(states(a).at(-1)).toBe('system.state db {"system":"db","state":"CONNECTED"}');
    expect(states(b).at(-1)).toBe('system.state db {"system":"db","state":"CONNECTED"}');
    // Each run numbers its own timeline.
    expect(b.timeline.query({}).map((o) => o.seq)).toEqual([1, 2, 3]);

    // A view that stopped is fed no more; the others are.
    await vb.stop();
    hub.record({ kind: ObservationKinds.systemState, subject: 'db', data: { system: 'db', state: 'DEGRADED' }, ref: REF });
    expect(b.timeline.query({})).toHaveLength(3);
    expect(a.timeline.query({})).toHaveLength(7);
    await pool.close();
  });

  it('an unchanged item recorded again (to follow a barrier) goes only to the views waiting on a barrier', async () => {
    const pool = createObserverPool({ clock });
    const { plugin, definition, sessions } = fakeSource('state');
    const a = harness();
    const b = harness();
    const va = pool.join(plugin, 'fake', definition, a.observerContext(undefined, 'fake'))!;
    const vb = pool.join(plugin, 'fake', definition, b.observerContext(undefined, 'fake'))!;
    await va.ready();
    await vb.ready();
    const hub = sessions[0]!.ctx;
    const up = { kind: ObservationKinds.systemState, subject: 'db', data: { system: 'db', state: 'CONNECTED' }, ref: REF };
    hub.record(up);
    expect([a.timeline.size, b.timeline.size]).toEqual([1, 1]);
    // b asks for a barrier (counted at once, before its first await); the poll it forces records the same state again.
    const barrier = vb.barrier(clock.now(), new AbortController().signal);
    hub.record(up);
    await barrier;
    expect(b.timeline.size, 'the view waiting on its barrier gets the record that follows it').toBe(2);
    expect(a.timeline.size, 'a view not waiting sees no activity that is none').toBe(1);
    hub.record({ ...up, data: { system: 'db', state: 'DISCONNECTED' } });
    expect([a.timeline.size, b.timeline.size]).toEqual([2, 3]);
    await pool.close();
  });

  it('a stream view starts after the shared session saw everything up to its join', async () => {
    const pool = createObserverPool({ clock });
    const { plugin, definition, sessions } = fakeSource('stream');
    const a = harness();
    await pool.join(plugin, 'fake', definition, a.observerContext(undefined, 'fake'))!.ready();
    const hub = sessions[0]!.ctx;
    hub.record({ kind: ObservationKinds.event, subject: 'X', data: { type: 'X' }, ref: REF });
    const b = harness();
    const before = clock.now();
    await pool.join(plugin, 'fake', definition, b.observerContext(undefined, 'fake'))!.ready();
    expect(sessions[0]!.barriers.at(-1)).toBeGreaterThanOrEqual(before);
    expect(b.timeline.query({})).toEqual([]);
    hub.record({ kind: ObservationKinds.event, subject: 'Y', data: { type: 'Y' }, ref: REF });
    expect(b.timeline.query({}).map((o) => o.subject)).toEqual(['Y']);
    expect(a.timeline.query({}).map((o) => o.subject)).toEqual(['X', 'Y']);
    await pool.close();
  });

  it('blindness, secrets and urgency are per-run views of the shared session', async () => {
    const pool = createObserverPool({ clock });
    const { plugin, definition, sessions } = fakeSource('state');
    const a = harness();
    await pool.join(plugin, 'fake', definition, a.observerContext(undefined, 'fake'))!.ready();
    const hub = sessions[0]!.ctx;
    hub.registerSecret('s3cret');
    hub.blind('source down: ECONNREFUSED');
    const b = harness();
    await pool.join(plugin, 'fake', definition, b.observerContext(undefined, 'fake'))!.ready();
    // A run that joins while the source is blind is blind from its start, and knows the secrets.
    expect(a.blindness.events).toEqual(['blind: source down: ECONNREFUSED']);
    expect(b.blindness.events).toEqual(['blind: source down: ECONNREFUSED']);
    expect(b.secrets).toEqual(['s3cret']);
    hub.sighted();
    expect(b.blindness.blind).toBe(false);

    expect(hub.urgent()).toBe(false);
    const changed = hub.urgencyChanged();
    b.setUrgent(true);
    await changed;
    expect(hub.urgent()).toBe(true);
    await pool.close();
  });

  it('a view whose run is over (aborted, not yet stopped) neither counts as urgent nor wakes the session: no spin', async () => {
    const pool = createObserverPool({ clock });
    const { plugin, definition, sessions } = fakeSource('state');
    const a = harness();
    await pool.join(plugin, 'fake', definition, a.observerContext(undefined, 'fake'))!.ready();
    const hub = sessions[0]!.ctx;
    a.setUrgent(true);
    expect(hub.urgent()).toBe(true);
    a.controller.abort();
    expect(hub.urgent(), 'an aborted run is urgent for no one').toBe(false);
    // A poller waits on urgencyChanged() in a loop: it must not resolve at once, over and over, for a run that ended.
    let woke = 0;
    const waiting = (async () => {
      for (let i = 0; i < 1000 && woke < 1000; i++) {
        await hub.urgencyChanged();
        woke++;
        if (hub.signal.aborted) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    // At most once: the run's end is itself a change of urgency (it was urgent); then nothing until the pool closes.
    expect(woke).toBeLessThanOrEqual(1);
    const before = woke;
    await pool.close();
    await waiting;
    expect(woke).toBe(before + 1);
  });

  it('an observer that does not declare share, or a run with other interests, gets a session of its own', async () => {
    const pool = createObserverPool({ clock });
    const plain = fakeSource();
    expect(pool.join(plain.plugin, 'fake', plain.definition, harness().observerContext(undefined, 'fake'))).toBeUndefined();
    const shared = fakeSource('state');
    expect(pool.join(shared.plugin, 'fake', shared.definition, harness().observerContext(undefined, 'fake', [{ source: 'fake', kind: 'q', value: 'a' }]))).toBeDefined();
    expect(pool.join(shared.plugin, 'fake', shared.definition, harness().observerContext(undefined, 'fake', [{ source: 'fake', kind: 'q', value: 'b' }]))).toBeUndefined();
    await pool.close();
  });
});
