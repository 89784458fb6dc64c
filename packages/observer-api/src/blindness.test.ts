import { ObservationKinds, type ObserverSession } from '@tester/core';
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

// Generous request timeout: the machine may be loaded, and only the 'slow' case is about timeouts.
const start = async (readyTimeout = '5s', requestTimeout = '3s') => {
  const plugin = apiPlugin({ baseUrl: cp.url, poll: { fastInterval: '20ms', slowInterval: '100ms', readyTimeout }, requestTimeout });
  session = await plugin.observers!.api!.start(h.observerContext(plugin.options));
  await (readyTimeout === '5s' ? session.ready() : Promise.resolve());
  return session;
};

describe('api observer blindness', () => {
  it.each([
    ['500', /GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/\w+ -> 500 \("internal error"\)/],
    ['garbage', /body is not JSON \("<html>not json"\)/],
    ['slow', /no answer within 1000 ms/],
  ] as const)('goes blind when the control plane answers %s, and sighted when it recovers', async (mode, reason) => {
    const s = await start('5s', mode === 'slow' ? '1s' : '3s');
    cp.mode = mode;
    await eventually(() => h.blindness.blind, 5000, 'blind');
    expect(h.blindness.events[0]).toMatch(reason);
    cp.mode = 'ok';
    await eventually(() => !h.blindness.blind, 5000, 'sighted');
    expect(h.blindness.events.at(-1)).toBe('sighted');
    await s.barrier(h.clock.now(), h.controller.signal);
  });

  it('goes blind when the connection is refused, and a barrier waits until it sees again', async () => {
    const s = await start();
    const port = new URL(cp.url).port;
    await cp.stop();
    await eventually(() => h.blindness.blind, 5000, 'blind');
    expect(h.blindness.events[0]).toMatch(/ECONNREFUSED|connect/i);
    let resolved = false;
    const barrier = s.barrier(h.clock.now(), h.controller.signal).then(() => (resolved = true));
    // A barrier cannot complete while blind: restart the same port and it resolves.
    expect(resolved).toBe(false);
    cp = await new FakeControlPlane().start(Number(port));
    await barrier;
    expect(resolved).toBe(true);
    expect(h.blindness.events.at(-1)).toBe('sighted');
  });

  it('ready() fails with OBSERVER_NOT_READY and the last failure when the control plane never answers', async () => {
    cp.mode = '500';
    const s = await start('300ms', '200ms');
    await expect(s.ready()).rejects.toMatchObject({ code: 'OBSERVER_NOT_READY', message: expect.stringMatching(/-> 500/) });
    expect(h.timeline.query({ kind: ObservationKinds.systemState })).toHaveLength(0);
  });
});
